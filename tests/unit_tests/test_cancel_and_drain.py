"""Cancel and drain, in process: the stopped steps say so, resume runs them, usage once.

A cancelled run (the task cancelled, as a server's `runs.cancel` or Ctrl-C does) leaves its
steps `cancelled` with when and why and a resumable thread; a drain (`RunControl`) lets the
calls in flight finish, starts no step, marks the rest `drained`, and resume goes on.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import GraphDrained
from langgraph.runtime import RunControl
from langgraph.store.memory import InMemoryStore

from graph import build_graph
from graph.cli.run_view import summarize
from graph.testing import ScriptedChatModel, answer, call, plan, step
from nodes.specialists.spec import SpecialistSpec
from state.archive import Archive
from state.usage import spent
from state.users import LOCAL_USER
from tests.unit_tests.team import MEMOS, NUMBERS, TOOL_RUNS, thread
from tests.unit_tests.test_superseding import archived_step, ask, planner_requests

WRITTEN: list[str] = []
GATE: dict[str, asyncio.Event] = {}
CONTROL: dict[str, RunControl] = {}


@tool
async def slow_count(what: str) -> str:
    """Count something slowly."""
    WRITTEN.append(f"counting {what}")
    await GATE["count"].wait()
    return "42"


@tool
def count_then_deploy(what: str) -> str:
    """Count something; a deploy asks the run to drain meanwhile."""
    WRITTEN.append(f"counted {what}")
    CONTROL["run"].request_drain("deploy")
    return "42"


COUNTERS = [
    SpecialistSpec(name=name, description=f"Counts ({name}).", prompt=f"You are {name}.", tools=[t])
    for name, t in (("counter", slow_count), ("deployer", count_then_deploy))
]
TEAM = [NUMBERS, MEMOS, *COUNTERS]
SCRIPT: dict[str, Any] = {
    "numbers": [call("lookup", key="revenue"), answer("1.2M")],
    "memos": [call("recall", topic="returns"), answer("Nothing unusual.")],
    "counter": [call("slow_count", what="orders"), answer("42 orders")],
    "deployer": [call("count_then_deploy", what="orders"), answer("42 orders")],
}


def team(*orchestrator: Any, **kwargs: Any) -> tuple[Any, ScriptedChatModel, InMemoryStore]:
    WRITTEN.clear()
    TOOL_RUNS.clear()
    model = ScriptedChatModel(script={**SCRIPT, "orchestrator": list(orchestrator)})
    store = InMemoryStore()
    graph = build_graph(
        InMemorySaver(), {"default": model}, specialists=TEAM, store=store, **kwargs
    )
    return graph, model, store


def test_a_cancelled_step_is_cancelled_and_counted_once_when_a_new_message_comes() -> None:
    asyncio.run(a_cancelled_step_is_cancelled_and_counted_once_when_a_new_message_comes())


async def a_cancelled_step_is_cancelled_and_counted_once_when_a_new_message_comes() -> None:
    GATE["count"] = asyncio.Event()
    both = plan(step("fig", "numbers", "Find revenue"), step("n", "counter", "Count orders"))
    # The new turn's first plan is invalid: its repair's exit is what settles the last turn.
    replies = (both, answer("not a plan"), plan(), answer("Revenue 1.2M."))
    graph, model, store = team(*replies)
    run = asyncio.create_task(graph.ainvoke(ask("Revenue and orders?"), thread()))
    # Cancelled once fig has finished and n is in its tool call.
    while "counting orders" not in WRITTEN or not await finished(store, "1.fig"):
        await asyncio.sleep(0.01)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    stopped = await Archive(store, "t", LOCAL_USER).astops()
    view = summarize("t", await graph.aget_state(thread()), stopped=stopped)
    rows = {s["id"]: s for s in view["steps"]}
    assert view["status"] == "cancelled" and rows["fig"]["status"] == "done"
    assert rows["n"]["status"] == "cancelled"
    assert rows["n"]["stops"][0]["why"] == "the run was cancelled before the step finished"
    assert rows["n"]["usage"]["llm_calls"] == 1  # its tool call's request, made before
    done = await graph.ainvoke(ask("just the revenue then"), thread())
    assert done["messages"][-1].text == "Revenue 1.2M."
    assert "- 1.fig (numbers) Find revenue: 1.2M" in planner_requests(model)[1]
    assert archived_step(store, "1.n")["status"] == "cancelled"
    assert await Archive(store, "t", LOCAL_USER).astops() == {}
    used = spent((await graph.aget_state(thread())).values)
    assert used.llm_calls == len(model.calls) and model.repeats == []


async def finished(store: InMemoryStore, key: str) -> bool:
    """Return True once a step has filed its report (it finished inside dispatch)."""
    return await Archive(store, "t", LOCAL_USER).areport(key) is not None


def drain_on_plan(control: RunControl) -> Any:
    """Answer the planner with a plan, and ask for a drain as it does."""

    def reply(messages: list[Any]) -> dict[str, Any]:
        control.request_drain("deploy")
        return plan(step("fig", "numbers", "Find revenue"), step("m", "memos", "Recall memos"))

    return reply


def test_a_drain_starts_no_step_marks_them_drained_and_resume_runs_them() -> None:
    control = RunControl()
    graph, model, _ = team(drain_on_plan(control), answer("Revenue 1.2M; nothing unusual."))
    with pytest.raises(GraphDrained):
        graph.invoke(ask("Revenue and orders?"), thread(), control=control)
    state = graph.get_state(thread())
    assert state.next == ("dispatch",) and model.calls_for("numbers") == []
    for record in state.values["ledger"].values():
        assert record["status"] == "drained"
        assert record["stops"][0]["why"] == "a drain was requested (deploy)"
    assert "— drained at " in state.values["messages"][-1].text
    done = graph.invoke(None, thread())
    assert done["messages"][-1].text == "Revenue 1.2M; nothing unusual."
    assert model.repeats == [] and sorted(TOOL_RUNS) == ["returns", "revenue"]
    ledger = graph.get_state(thread()).values["ledger"]
    assert [[s["status"] for s in r["stops"]] for r in ledger.values()] == [["drained"]] * 2


def test_a_drain_lets_calls_in_flight_finish_and_resume_goes_on_from_them() -> None:
    asyncio.run(a_drain_lets_calls_in_flight_finish_and_resume_goes_on_from_them())


async def a_drain_lets_calls_in_flight_finish_and_resume_goes_on_from_them() -> None:
    control = RunControl()
    GATE["count"] = asyncio.Event()
    both = plan(step("fig", "numbers", "Find revenue"), step("n", "counter", "Count orders"))
    graph, model, store = team(both, answer("Revenue 1.2M, 42 orders."))
    run = asyncio.create_task(graph.ainvoke(ask("Revenue and orders?"), thread(), control=control))
    while "counting orders" not in WRITTEN or not await finished(store, "1.fig"):
        await asyncio.sleep(0.01)
    control.request_drain("shutdown")
    GATE["count"].set()  # the tool call in flight finishes; no model call follows it
    with pytest.raises(GraphDrained):
        await run
    assert len(model.calls_for("counter")) == 1
    stopped = await Archive(store, "t", LOCAL_USER).astops()
    view = summarize("t", await graph.aget_state(thread()), stopped=stopped)
    rows = {s["id"]: s for s in view["steps"]}
    assert view["status"] == "drained" and rows["n"]["status"] == "drained"
    assert rows["fig"]["status"] == "done"
    done = await graph.ainvoke(None, thread())
    assert done["messages"][-1].text == "Revenue 1.2M, 42 orders."
    assert WRITTEN == ["counting orders"] and model.repeats == []
    record = (await graph.aget_state(thread())).values["ledger"]["1.n"]
    assert record["status"] == "done" and [s["status"] for s in record["stops"]] == ["drained"]
    assert await Archive(store, "t", LOCAL_USER).astops() == {}
    used = spent((await graph.aget_state(thread())).values)
    assert used.llm_calls == len(model.calls)


def test_a_drain_stops_a_step_between_its_calls_and_resume_goes_on_from_its_checkpoint() -> None:
    CONTROL["run"] = RunControl()
    graph, model, store = team(plan(step("n", "deployer", "Count orders")), answer("42 orders."))
    with pytest.raises(GraphDrained):
        graph.invoke(ask("How many orders?"), thread(), control=CONTROL["run"])
    assert WRITTEN == ["counted orders"] and len(model.calls_for("deployer")) == 1
    stopped = Archive(store, "t", LOCAL_USER).stops()
    view = summarize("t", graph.get_state(thread()), stopped=stopped)
    [row] = view["steps"]
    assert view["status"] == "drained" and row["status"] == "drained"
    assert row["stops"][0]["why"] == "a drain was requested (deploy)"
    done = graph.invoke(None, thread())
    assert done["messages"][-1].text == "42 orders."
    assert WRITTEN == ["counted orders"] and model.repeats == []
    record = graph.get_state(thread()).values["ledger"]["1.n"]
    assert record["status"] == "done" and [s["status"] for s in record["stops"]] == ["drained"]
