"""The orchestrator graph with a scripted model: parallelism, scoping, direct answers."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from langchain_core.messages import HumanMessage

from graph.testing import answer, call, plan, step
from tests.unit_tests.team import team_graph, thread


def ask(graph: Any, question: str, config: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(graph.ainvoke({"messages": [HumanMessage(question)]}, config))


def history(graph: Any, config: dict[str, Any]) -> list[Any]:
    async def collect() -> list[Any]:
        return [s async for s in graph.aget_state_history(config)]

    return asyncio.run(collect())


def test_two_independent_steps_run_side_by_side() -> None:
    # Each step's first model call waits for the other's: run one after the other, they fail.
    both_started = threading.Barrier(2, timeout=10)

    def meeting(reply: dict[str, Any]) -> Any:
        def reply_once_met(messages: list[Any]) -> dict[str, Any]:
            if len(messages) == 2:  # the step's first call: its system prompt and brief
                both_started.wait()
            return reply

        return reply_once_met

    graph, model = team_graph(
        {
            "orchestrator": [
                plan(step("a", "numbers", "Find 2025 revenue"), step("b", "memos", "Recall memos")),
                answer("Revenue was 1.2M; memos say nothing unusual."),
            ],
            "numbers": meeting(answer("1.2M")),
            "memos": meeting(answer("nothing unusual")),
        }
    )
    result = graph.invoke({"messages": [HumanMessage("How did we do?")]}, thread())
    assert result["messages"][-1].content == "Revenue was 1.2M; memos say nothing unusual."
    assert [set(s.next) for s in history(graph, thread())][1:3] == [{"finalize"}, {"dispatch"}]
    assert {r["status"] for r in result["ledger"].values()} == {"done"}


def test_dependent_step_receives_its_dependency_report_and_nothing_else() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [
                plan(
                    step("a", "numbers", "Find 2025 revenue"),
                    step("b", "memos", "Recall the policy memo"),
                    step("c", "numbers", "Explain revenue with the memo", "b"),
                ),
                answer("done"),
            ],
            "numbers:a": [answer("REVENUE-REPORT")],
            "numbers:c": [answer("explained")],
            "memos": [answer("MEMO-REPORT")],
        }
    )
    ask(graph, "SECRET-QUESTION-TEXT", thread())
    dependent = model.calls_for("numbers")[1]
    brief_text = dependent.messages[1].text
    assert "MEMO-REPORT" in brief_text
    assert "REVENUE-REPORT" not in brief_text
    assert "SECRET-QUESTION-TEXT" not in brief_text


def test_specialist_calls_offer_only_its_tools_and_carry_only_its_brief() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [
                plan(step("a", "numbers", "Find revenue"), step("b", "memos", "Recall memos")),
                answer("ok"),
            ],
            "numbers": [call("lookup", key="revenue"), answer("1.2M")],
            "memos": [answer("none")],
        }
    )
    ask(graph, "What is our revenue, and the user's private note XYZZY?", thread())
    for specialist_call in model.calls_for("numbers"):
        assert specialist_call.tool_names == ["lookup"]
        texts = " ".join(m.text for m in specialist_call.messages)
        assert "XYZZY" not in texts
        assert "Recall memos" not in texts
    assert model.calls_for("memos")[0].tool_names == ["recall"]
    assert [m.type for m in model.calls_for("numbers")[0].messages] == ["system", "human"]


def test_zero_step_plan_answers_directly_without_specialists() -> None:
    graph, model = team_graph(
        {"orchestrator": [plan(), answer("Hello! Ask me about the business.")]}
    )
    result = ask(graph, "hi", thread())
    assert result["messages"][-1].content == "Hello! Ask me about the business."
    assert result["ledger"] == {}
    # No specialist: the orchestrator answers; "hi" says something, so memory is asked.
    assert [c.role for c in model.calls] == ["orchestrator", "orchestrator", "memory"]


def test_follow_up_sees_first_answer_and_reuses_report_instead_of_rerunning() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [
                plan(step("a", "numbers", "Find 2025 revenue")),
                answer("Revenue in 2025 was 1.2M."),
                plan(
                    step("a", "numbers", "Find 2025 revenue", reuse="1.a"),
                    step("b", "memos", "Recall memos on revenue", "a"),
                ),
                answer("1.2M, and the memos say nothing unusual."),
            ],
            "numbers": [call("lookup", key="revenue"), answer("1.2M")],
            "memos": [answer("nothing unusual")],
        }
    )
    ask(graph, "What was 2025 revenue?", thread())
    result = ask(graph, "And what do memos say about it?", thread())
    second_plan = model.calls_for("orchestrator")[2].messages[1].text
    assert "Revenue in 2025 was 1.2M." in second_plan
    assert "1.a" in second_plan
    assert len(model.calls_for("numbers")) == 2  # only turn 1 ran the numbers specialist
    ledger = result["ledger"]
    assert ledger["2.a"]["status"] == "reused" and ledger["2.a"]["reused_from"] == "1.a"
    # The state holds this turn alone; turn 1's step lives on in the thread's Archive.
    assert set(ledger) == {"2.a", "2.b"} and ledger["2.b"]["turn"] == 2
    memo_brief = model.calls_for("memos")[0].messages[1].text
    assert "1.2M" in memo_brief
    assert result["messages"][-1].content == "1.2M, and the memos say nothing unusual."
