"""A specialist's loop: tool errors, invented tools, budgets, guards, failure isolation."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import openai
from langchain_core.messages import HumanMessage, ToolMessage

from graph.testing import answer, call, plan, step
from state.context import Context
from tests.unit_tests import team
from tests.unit_tests.team import team_graph, thread


def run(graph: Any, question: str = "q", context: Context | None = None) -> dict[str, Any]:
    return asyncio.run(
        graph.ainvoke({"messages": [HumanMessage(question)]}, thread(), context=context)
    )


def server_error(text: str = "boom") -> openai.InternalServerError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    return openai.InternalServerError(
        text, response=httpx.Response(500, request=request), body=None
    )


def test_invented_tool_name_is_answered_with_an_error_and_never_executed() -> None:
    team.TOOL_RUNS.clear()
    graph, model = team_graph(
        {
            "orchestrator": [plan(step("a", "numbers", "Find revenue")), answer("ok")],
            "numbers": [
                call("recall", topic="secrets"),
                call("lookup", key="revenue"),
                answer("1.2M"),
            ],
        }
    )
    result = run(graph)
    second = model.calls_for("numbers")[1].messages
    error = next(m for m in second if isinstance(m, ToolMessage))
    assert error.status == "error"
    assert "there is no tool 'recall'" in error.text and "lookup" in error.text
    assert team.TOOL_RUNS == ["revenue"]  # the other specialist's tool never ran
    assert result["ledger"]["1.a"]["status"] == "done"


def test_tool_error_goes_back_to_the_model_which_corrects_itself() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [plan(step("a", "numbers", "Find revenue")), answer("ok")],
            "numbers": [
                call("lookup", key="revnue"),
                call("lookup", key="revenue"),
                answer("1.2M"),
            ],
        }
    )
    result = run(graph)
    error = [m for m in model.calls_for("numbers")[1].messages if isinstance(m, ToolMessage)][0]
    assert "no fact 'revnue'" in error.text
    report = result["reports"]["1.a"]
    assert report["status"] == "done"
    assert [t["ok"] for t in report["tools_called"]] == [False, True]


def test_iteration_budget_stops_a_runaway_loop_with_a_clear_status() -> None:
    looping = [call("lookup", key=f"k{i}") for i in range(10)]
    graph, model = team_graph(
        {
            "orchestrator": [plan(step("a", "numbers", "Loop")), plan(), answer("gave up")],
            "numbers": looping,
        }
    )
    result = run(graph, context=Context(specialist_iterations=3, max_replans=1))
    report = result["reports"]["1.a"]
    assert report["status"] == "over_budget"
    assert "budget of 3 model turns" in report["error"]
    assert len(model.calls_for("numbers")) == 3


def test_repeating_the_same_tool_call_is_stopped_as_a_stall() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [plan(step("a", "numbers", "Loop")), plan(), answer("stalled")],
            "numbers": [call("lookup", key="revenue")] * 6,
        }
    )
    result = run(graph, context=Context(max_replans=1))
    report = result["reports"]["1.a"]
    assert report["status"] == "failed" and report["error"].startswith("stalled")
    assert len(model.calls_for("numbers")) == 3


def test_failed_specialist_becomes_failed_report_and_orchestrator_replans() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [
                plan(step("a", "numbers", "Find revenue"), step("b", "memos", "Recall memos")),
                plan(step("a", "numbers", "Find revenue"), step("b2", "numbers", "Memos instead")),
                answer("final"),
            ],
            "numbers": [answer("1.2M"), answer("numbers did the memo part")],
            "memos": [{"raise": server_error()}] * 3,
        }
    )
    result = run(graph)
    ledger = result["ledger"]
    assert ledger["1.a"]["status"] == "done"
    assert ledger["1.b"]["status"] == "dropped"
    assert "InternalServerError" in ledger["1.b"]["error"]
    assert ledger["1.b2"]["status"] == "done"
    # the completed step ran once; the failing model was tried three times (the per-call retry)
    assert len(model.calls_for("numbers")) == 2
    assert len(model.calls_for("memos")) == 3
    replan_prompt = model.calls_for("orchestrator")[1].messages[1].text
    assert "Replanning" in replan_prompt and "InternalServerError" in replan_prompt


def test_transient_model_fault_is_retried_on_that_node_alone() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [plan(step("a", "numbers", "Find revenue")), answer("1.2M")],
            "numbers": [call("lookup", key="revenue"), {"raise": server_error()}, answer("1.2M")],
        }
    )
    result = run(graph)
    report = result["reports"]["1.a"]
    assert report["status"] == "done"
    assert report["model_attempts"] == 3  # 1 + (1 failed + 1 retried)
    assert len(model.calls_for("orchestrator")) == 2


def test_replans_stop_at_the_budget_and_the_answer_says_what_is_missing() -> None:
    failing = [{"raise": server_error(f"boom {i // 3}")} for i in range(9)]
    graph, model = team_graph(
        {
            "orchestrator": [
                plan(step("b", "memos", "Recall")),
                plan(step("b", "memos", "Recall again")),
                answer("Could not recall the memos."),
            ],
            "memos": failing,
        }
    )
    result = run(graph, context=Context(max_replans=1))
    assert "gave up after 1 replans" in result["note"]
    finalize_prompt = model.calls_for("orchestrator")[-1].messages[1].text
    assert "gave up" in finalize_prompt
    assert result["ledger"]["1.b"]["attempts"] == 2


def test_retried_step_continues_its_failed_attempt_without_redoing_finished_calls() -> None:
    first_plan = plan(step("a", "numbers", "Find revenue"))
    graph, model = team_graph(
        {
            "orchestrator": [first_plan, first_plan, answer("1.2M")],
            "numbers": [
                call("lookup", key="revenue"),
                *[{"raise": server_error()}] * 3,
                answer("1.2M from the lookup"),
            ],
        }
    )
    team.TOOL_RUNS.clear()
    result = run(graph)
    calls = model.calls_for("numbers")
    assert len(calls) == 5
    resumed = calls[-1].messages
    assert [m.type for m in resumed] == ["system", "human", "ai", "tool"]
    assert "1.2M" in resumed[-1].text
    assert team.TOOL_RUNS == ["revenue"]  # the tool did not run again either
    assert result["ledger"]["1.a"]["attempts"] == 2
    assert result["reports"]["1.a"]["status"] == "done"


def test_a_step_failing_the_same_way_twice_stops_replanning_as_no_progress() -> None:
    again = plan(step("b", "memos", "Recall"))
    graph, model = team_graph(
        {
            "orchestrator": [again, again, answer("The memos could not be read.")],
            "memos": [{"raise": server_error()}] * 9,
        }
    )
    result = run(graph, context=Context(max_replans=2))
    assert result["note"].startswith("gave up, no progress: step b failed the same way twice")
    assert len(model.calls_for("orchestrator")) == 3  # one replan, not two
    assert result["ledger"]["1.b"]["failures"] == ["model failed: InternalServerError: boom"] * 2
