"""The served orchestrator holds its thread: a second run on a busy thread never forks it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from graph import build_graph
from graph.persistence.one_writer import OneWriterGraph
from graph.persistence.thread_lock import ThreadBusyError, ThreadLocks
from graph.testing import ScriptedChatModel, answer, call, plan, step
from nodes.specialists.spec import SpecialistSpec

FIRST, SECOND, THIRD = "Revenue in 2025?", "And the policy?", "And in 2024?"


@pytest.fixture(params=["files", "postgres"])
def locks(request: pytest.FixtureRequest, tmp_path: Path) -> ThreadLocks:
    url = "" if request.param == "files" else request.getfixturevalue("postgres_url")
    return ThreadLocks(url, tmp_path / "locks")


def orchestrator(messages: list[Any]) -> Any:
    """Plan one lookup for a new question; answer with the question the report answers."""
    if "finalizer" in messages[0].text:
        return answer("Answered: " + messages[-1].text.split("Reports:\n", 1)[-1][:40])
    return plan(step("a", "numbers", "Look up revenue"))


def held_team(gate: asyncio.Event, entered: asyncio.Event) -> list[SpecialistSpec]:
    """A team whose one tool waits at a gate, so a run can be held in the middle of a step."""

    @tool
    async def lookup(key: str) -> str:
        """Look up a fact by key."""
        entered.set()
        await gate.wait()
        return f"{key} was 1.2M"

    return [
        SpecialistSpec(
            name="numbers",
            description="Looks up business figures.",
            prompt="You are numbers, a specialist who looks up figures.",
            tools=[lookup],
        )
    ]


def test_a_second_run_on_a_busy_thread_is_refused_and_the_thread_stays_one_line(
    locks: ThreadLocks,
) -> None:
    asyncio.run(two_runs_on_one_thread(locks))


async def two_runs_on_one_thread(locks: ThreadLocks) -> None:
    """Hold a run in its step, start a second on its thread, then a third after it."""
    gate, entered = asyncio.Event(), asyncio.Event()
    model = ScriptedChatModel(
        script={
            "orchestrator": orchestrator,
            "numbers": [call("lookup", key="revenue"), answer("1.2M")],
        }
    )
    built = build_graph(InMemorySaver(), {"default": model}, specialists=held_team(gate, entered))
    # as a server gets it: the served graph, copied with the server's checkpointer
    graph = OneWriterGraph.around(built, locks).copy({"checkpointer": built.checkpointer})
    config: Any = {"configurable": {"thread_id": "busy"}}
    first = asyncio.create_task(graph.ainvoke({"messages": [HumanMessage(FIRST)]}, config))
    await asyncio.wait_for(entered.wait(), 30)

    with pytest.raises(ThreadBusyError, match="thread busy has a run in progress"):
        await graph.ainvoke({"messages": [HumanMessage(SECOND)]}, config)
    # reading a busy thread is never refused (a server's state view, Studio)
    assert (await graph.aget_state(config)).next
    gate.set()
    await asyncio.wait_for(first, 30)

    # the lock went with the first run: the next turn runs, on the same line of checkpoints
    await graph.ainvoke({"messages": [HumanMessage(THIRD)]}, config)
    history = [s async for s in graph.aget_state_history(config)]
    for newer, older in zip(history, history[1:], strict=False):
        assert newer.parent_config is not None
        assert (
            newer.parent_config["configurable"]["checkpoint_id"]
            == (older.config["configurable"]["checkpoint_id"])
        )
    questions = [m.text for m in history[0].values["messages"] if m.type == "human"]
    assert questions == [FIRST, THIRD]
