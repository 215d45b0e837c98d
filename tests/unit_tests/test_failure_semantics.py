"""Failure semantics: malformed calls, empty steps, failures compared by kind, budgets per turn."""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from graph import build_graph
from graph.testing import ScriptedChatModel, answer, call, malformed, plan, step
from nodes.faults import failure_signature
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from tests.unit_tests.team import team_graph, thread
from tests.unit_tests.test_specialist_loop import server_error


def ask(graph: Any, text: str = "q", name: str = "t", **limits: Any) -> dict[str, Any]:
    return graph.invoke({"messages": [HumanMessage(text)]}, thread(name), context=Context(**limits))


def test_a_malformed_tool_call_goes_back_to_the_model_as_an_error_it_can_fix() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [plan(step("a", "numbers", "Find revenue")), answer("1.2M")],
            "numbers": [
                malformed("lookup", '{"key": "revenue"'),
                call("lookup", key="revenue"),
                answer("Revenue was 1.2M."),
            ],
        }
    )
    result = ask(graph)
    report = result["reports"]["1.a"]
    assert report["status"] == "done" and report["summary"] == "Revenue was 1.2M."
    told = model.calls_for("numbers")[1].messages[-1]
    assert told.type == "tool" and told.status == "error"
    assert "could not be read" in told.text and '{"key": "revenue"' in told.text
    assert [t["ok"] for t in report["tools_called"]] == [False, True]


def test_a_step_never_ends_done_without_a_summary() -> None:
    graph, _ = team_graph(
        {
            "orchestrator": [plan(step("a", "numbers", "Find revenue")), answer("nothing")],
            "numbers": [answer("")],
        }
    )
    result = ask(graph, max_replans=0)
    assert result["reports"]["1.a"]["status"] == "failed"
    assert result["reports"]["1.a"]["error"] == "the model ended the step without a summary"


def test_failures_are_compared_without_timings_ids_or_addresses() -> None:
    first = "model failed: APITimeoutError: timed out after 12.5s (req_9f8e7d6c) at 0x7f3a2b"
    again = "model failed: APITimeoutError: timed out after 0.3s (req_00aa11bb) at 0x7f9c1d"
    assert failure_signature(first) == failure_signature(again)
    assert failure_signature("Error code: 500") != failure_signature("Error code: 429")
    assert "run_python" in failure_signature("tool run_python failed")


def test_the_same_failure_twice_stops_retrying_even_when_its_details_differ() -> None:
    once = plan(step("a", "numbers", "Find revenue"))
    graph, model = team_graph(
        {
            # the same plan again after the first failure; a third would be a wasted replan
            "orchestrator": [once, plan(step("a", "numbers", "Find revenue, again")), answer("no")],
            "numbers": [
                {"raise": server_error(f"boom at 0x7f00{i}a (req_{i}x1)")} for i in range(9)
            ],
        }
    )
    result = ask(graph, retry_attempts=1, max_replans=5)
    assert result["ledger"]["1.a"]["attempts"] == 2
    assert "failed the same way twice" in result["note"]
    assert len(model.calls_for("orchestrator")) == 3  # plan, one replan, the answer


def test_a_spent_budget_of_model_calls_stops_the_turn_and_the_answer_says_so() -> None:
    script = {
        "orchestrator": [
            plan(step("a", "numbers", "Find revenue"), step("b", "memos", "Recall memos")),
            answer("Partial."),
            plan(step("c", "numbers", "Find profit")),
            answer("Second turn."),
        ],
        "numbers": [call("lookup", key="revenue"), answer("1.2M")],
        "memos": [call("recall", topic="x"), answer("nothing")],
    }
    graph, _ = team_graph(script)
    result = ask(graph, max_turn_calls=3)
    answer_text = result["messages"][-1].content
    assert answer_text.startswith("Partial.")
    assert "the turn's budget of 3 model calls is spent" in answer_text
    assert "finished: a, b" in answer_text
    # the budget is per turn: the next turn starts with its own
    second = ask(graph, "again", max_turn_calls=30)
    assert second["messages"][-1].content == "Second turn."


def test_a_thread_budget_counts_every_turn() -> None:
    script = {
        "orchestrator": [
            plan(step("a", "numbers", "Find revenue")),
            answer("First."),
            plan(step("b", "numbers", "Find profit")),
            answer("Second."),
        ],
        "numbers": [answer("1.2M")],
    }
    graph, _ = team_graph(script)
    first = ask(graph)
    assert first["messages"][-1].content == "First."
    second = ask(graph, "again", max_thread_tokens=1)
    assert "the thread's token budget of 1 is spent" in second["messages"][-1].content


def test_a_dropped_connection_in_a_tool_is_retried_and_a_timeout_is_not() -> None:
    runs: list[str] = []

    @tool
    def flaky(key: str) -> str:
        """Look something up over a connection that drops once."""
        runs.append(key)
        if key == "drop" and runs.count("drop") == 1:
            raise ConnectionError("connection reset by peer")
        if key == "hang":
            threading.Event().wait(2)  # past the tool's limit; abandoned, then returns
        return f"value of {key}"

    spec = SpecialistSpec(name="numbers", description="d", prompt="You are numbers.", tools=[flaky])
    script = {
        "orchestrator": [plan(step("a", "numbers", "Find it")), answer("ok")],
        "numbers": [call("flaky", key="drop"), call("flaky", key="hang"), answer("done")],
    }
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=[spec])
    limits = Context(tool_timeout_s=0.3)
    graph.invoke({"messages": [HumanMessage("q")]}, thread(), context=limits)
    told = [c.messages[-1].text for c in model.calls_for("numbers")[1:]]
    assert told[0] == "value of drop"  # the model never saw the dropped connection
    assert "tool flaky timed out after 0.3s" in told[1]
    assert runs == ["drop", "drop", "hang"]  # retried once; the time-out was not
