"""What a misbehaving model meets: retries said as they happen, no empty answer called done,
and every call it was sent counted, the failed ones too."""

from __future__ import annotations

import io
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.store.memory import InMemoryStore
from rich.console import Console

from graph.cli.failures import error_line
from graph.cli.inspection import run_tree
from graph.cli.progress import Progress
from graph.cli.run_view import summarize
from graph.testing import answer, call, plan, step
from nodes.finalize import EmptyAnswerError
from nodes.plan_tool import plan_result
from nodes.planning import PlanError
from nodes.progress import PROGRESS
from state.archive import Archive
from state.users import LOCAL_USER
from tests.unit_tests.team import team_graph, thread
from tests.unit_tests.test_specialist_loop import server_error

QUESTION = {"messages": [HumanMessage("Revenue in 2025?")]}
NUMBERS = {"numbers": [call("lookup", key="revenue"), answer("revenue was 1.2M")]}


def counted(graph: Any, store: InMemoryStore, name: str = "t") -> dict[str, Any]:
    """Return the thread as `orchestra show --json` sees it, failed calls included."""
    failed = Archive(store, name, LOCAL_USER).failed_calls_now()
    return summarize(name, graph.get_state(thread(name)), failed=failed)


def test_a_retried_planner_call_is_said_in_the_custom_stream_and_the_chat_as_it_happens() -> None:
    script = {
        "orchestrator": [
            {"raise": server_error()},
            plan(step("a", "numbers", "Find revenue")),
            answer("1.2M"),
        ],
        **NUMBERS,
    }
    store = InMemoryStore()
    graph, model = team_graph(script, store=store)
    said, shown = [], []
    for mode, chunk in graph.stream(QUESTION, thread(), stream_mode=["custom", "messages"]):
        if mode == "custom":
            if chunk["orchestra"] == "retry":  # not a step's start
                said.append(chunk["text"])
        elif chunk[0].name == PROGRESS:
            shown.append(chunk[0].text)
    notice = "planner: attempt 2 of 3 after HTTP 500 from the model server"
    assert said == [notice]
    # The chat's progress message said it before the plan was made.
    assert shown[0] == notice
    assert graph.get_state(thread()).values["orchestrator_usage"]["1"]["llm_calls"] == 3
    view = counted(graph, store)
    # Both planner attempts, two step calls, the answer: each counted once.
    assert view["usage"]["llm_calls"] == len(model.calls) == 5
    (retried,) = view["failed_calls"]
    assert retried["recovered"]
    assert "InternalServerError: boom" in retried["errors"][0]


def test_an_empty_answer_is_asked_once_more_then_the_turn_stops_resumable_all_calls_counted() -> (
    None
):
    finals: list[str] = ["", "The revenue was 1.2M."]

    def final(messages: list[BaseMessage]) -> dict[str, Any]:
        return {"content": finals.pop(0)}

    script = {
        "orchestrator": [plan(step("a", "numbers", "Find revenue")), final, {"content": "  "}],
        **NUMBERS,
    }
    store = InMemoryStore()
    graph, model = team_graph(script, store=store)
    with pytest.raises(EmptyAnswerError, match="empty answer, twice"):
        graph.invoke(QUESTION, thread())
    stopped = counted(graph, store)
    assert stopped["status"] == "failed" and stopped["stopped_at"] == ["finalize"]
    assert stopped["answer"] == ""
    (failed,) = stopped["failed_calls"]
    assert failed["errors"] == ["the answer was empty", "the answer was empty"]
    # `orchestra show` lists the failed node's calls and each error.
    shown = io.StringIO()
    Console(file=shown, width=200).print(run_tree(stopped))
    assert "finalizer failed (finalize, " in shown.getvalue()
    assert "· 2 calls · " in shown.getvalue()
    assert "1. the answer was empty" in shown.getvalue()
    assert stopped["usage"]["llm_calls"] == len(model.calls) == 5
    done = graph.invoke(None, thread())
    assert done["messages"][-1].text == "The revenue was 1.2M."
    view = counted(graph, store)
    assert view["status"] == "done"
    assert view["usage"]["llm_calls"] == len(model.calls) == 6
    billed = sum(c.input_tokens for c in model.calls)
    assert view["usage"]["input_tokens"] == billed


def test_a_plan_invalid_twice_counts_both_planner_calls() -> None:
    ghost = plan(step("a", "ghost", "Find revenue"))
    store = InMemoryStore()
    graph, model = team_graph({"orchestrator": [ghost, ghost]}, store=store)
    with pytest.raises(PlanError, match="unknown specialist 'ghost'"):
        graph.invoke(QUESTION, thread())
    view = counted(graph, store)
    assert view["usage"]["llm_calls"] == len(model.calls) == 2
    assert "unknown specialist 'ghost'" in view["failed_calls"][0]["errors"][-1]


def test_a_plan_sent_back_for_repair_is_not_announced_as_a_direct_answer() -> None:
    text = io.StringIO()
    earlier = {"1.a": {"key": "1.a", "turn": 1, "id": "a", "specialist": "numbers"}}
    progress = Progress(Console(file=text, width=200), values={"turn": 1, "ledger": earlier})
    # A new turn settling the last one's unfinished step, its first plan rejected.
    settled = {"1.a": {"status": "superseded"}}
    progress.handle((), {"plan": {"turn": 2, "ledger": settled, "plan_error": "unknown"}})
    said = text.getvalue()
    assert "plan rejected" in said
    assert "no specialist needed" not in said


def test_an_error_line_cut_for_the_terminal_ends_in_an_ellipsis_and_says_where_the_rest_is() -> (
    None
):
    line = error_line("PlanError: " + "step 'x' names unknown specialist 'a'; " * 30, "t1")
    assert len(line) < 460
    assert line.endswith("… (the whole message: orchestra show t1)")


def test_a_plan_cut_by_its_output_limit_is_sent_back_saying_so() -> None:
    cut = AIMessage("", response_metadata={"finish_reason": "length"})
    assert "reached its output limit" in plan_result(cut)["parsing_error"]
    # llama.cpp's function calling ends a cut call as "tool_calls": its length says it.
    spent = {"input_tokens": 900, "output_tokens": 400, "total_tokens": 1300}
    bad = [{"name": "Plan", "args": '{"steps": [', "id": "c1", "error": "not JSON"}]
    cut = AIMessage("", invalid_tool_calls=bad, usage_metadata=spent)
    assert "reached its output limit" in plan_result(cut, 400)["parsing_error"]
    assert plan_result(cut, 2048)["parsing_error"] == "not JSON"
