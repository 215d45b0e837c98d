"""Every face of the compiled graph: invoke, stream, batch and their async forms."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from blockbuster import BlockingError
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.outputs import ChatResult
from langgraph.checkpoint.memory import InMemorySaver

from graph import build_graph
from graph.testing import ScriptedChatModel, answer, call, plan, step
from nodes.progress import PROGRESS
from state.context import Context
from tests.unit_tests.team import TEAM, team_graph, thread

ANSWER = "Revenue was 1.2M; memos say nothing unusual."
MODES = ["values", "updates", "messages", "custom", "debug", "tasks", "checkpoints"]


def script() -> dict[str, list[Any]]:
    return {
        "orchestrator": [
            plan(step("a", "numbers", "Find 2025 revenue"), step("b", "memos", "Recall memos")),
            answer(ANSWER),
        ],
        "numbers": [call("lookup", key="revenue"), answer("1.2M")],
        "memos": [call("recall", topic="revenue"), answer("nothing unusual")],
    }


def question() -> dict[str, Any]:
    return {"messages": [HumanMessage("How did we do?")]}


def check(result: dict[str, Any]) -> None:
    assert result["messages"][-1].content == ANSWER
    assert {r["status"] for r in result["ledger"].values()} == {"done"}
    assert result["reports"]["1.a"]["summary"] == "1.2M"


def check_chat(parts: list[tuple[tuple[str, ...], str, Any]]) -> None:
    """Only the orchestrator's own messages stream: progress and answer, never a specialist's."""
    streamed = [(ns, chunk[0]) for ns, mode, chunk in parts if mode == "messages"]
    assert all(ns == () for ns, _ in streamed), [ns for ns, _ in streamed]
    texts = [m.text for _, m in streamed]
    assert any(m.name == PROGRESS for _, m in streamed) and texts[-1] == ANSWER
    for _, message in streamed:
        assert message.type == "ai" and not getattr(message, "tool_calls", None)
        assert "You are" not in message.text and "Step a:" not in message.text
    # a specialist's own state still streams for Studio's subgraph view
    assert any(ns and ns[0].startswith("numbers:") for ns, mode, _ in parts if mode == "updates")


def test_invoke() -> None:
    graph, model = team_graph(script())
    check(graph.invoke(question(), thread()))
    assert model.repeats == []


def test_ainvoke() -> None:
    graph, _ = team_graph(script())
    check(asyncio.run(graph.ainvoke(question(), thread())))


def check_modes(parts: list[tuple[tuple[str, ...], str, Any]], history: list[Any]) -> None:
    """Each stream mode carries what it should for this run, at the root and in subgraphs."""
    root = {mode: [c for ns, m, c in parts if m == mode and ns == ()] for mode in MODES}
    check(root["values"][-1])
    check_chat(parts)
    # updates: one per node run, in the order they ran (dispatch runs the two steps side
    # by side); a specialist's own updates are under its namespace (check_chat).
    nodes = [next(iter(update)) for update in root["updates"]]
    assert nodes == ["plan", "dispatch", "finalize"]
    # custom: one event per step dispatch starts, naming the step and its subgraph.
    started = [c for _, m, c in parts if m == "custom"]
    assert sorted(c["step_id"] for c in started) == ["a", "b"]
    assert all(c["orchestra"] == "started" and c["namespace"] for c in started)
    # tasks: a start and a result, with no error, for each node run of the thread.
    starts = {t["id"]: t["name"] for t in root["tasks"] if "input" in t}
    results = {t["id"]: t["name"] for t in root["tasks"] if "result" in t}
    assert starts == results and sorted(starts.values()) == sorted(nodes)
    assert all(t["error"] is None for t in root["tasks"] if "result" in t)
    for specialist in ("numbers", "memos"):
        inner = {
            c["name"]
            for ns, m, c in parts
            if m == "tasks" and ns and ns[0].startswith(f"{specialist}:")
        }
        assert {"model", "tools"} <= inner, inner
    # checkpoints: the thread's checkpoints, oldest first, the last holding the final values.
    ids = [c["config"]["configurable"]["checkpoint_id"] for c in root["checkpoints"]]
    assert ids == [s.config["configurable"]["checkpoint_id"] for s in reversed(history)]
    assert [c["next"] for c in root["checkpoints"]] == [
        ["__start__"],
        ["plan"],
        ["dispatch"],
        ["finalize"],
        [],
    ]
    check(root["checkpoints"][-1]["values"])
    # debug: the same checkpoints and tasks, each wrapped with its type and step.
    debug = root["debug"]
    assert [d["payload"] for d in debug if d["type"] == "checkpoint"] == root["checkpoints"]
    assert [d["payload"] for d in debug if d["type"] in ("task", "task_result")] == root["tasks"]
    assert {d["type"] for d in debug} == {"checkpoint", "task", "task_result"}


def test_stream_in_every_mode_with_subgraphs() -> None:
    graph, _ = team_graph(script())
    parts = list(graph.stream(question(), thread(), stream_mode=MODES, subgraphs=True))
    check_modes(parts, list(graph.get_state_history(thread())))


def test_astream_in_every_mode_with_subgraphs() -> None:
    graph, _ = team_graph(script())

    async def collect() -> tuple[list[Any], list[Any]]:
        modes: Any = MODES
        events = graph.astream(question(), thread(), stream_mode=modes, subgraphs=True)
        parts = [part async for part in events]
        return parts, [s async for s in graph.aget_state_history(thread())]

    check_modes(*asyncio.run(collect()))


def test_batch_and_abatch_run_threads_side_by_side() -> None:
    graph, _ = team_graph(script())
    for result in graph.batch([question(), question()], [thread("x"), thread("y")]):
        check(result)
    graph, _ = team_graph(script())
    results = asyncio.run(graph.abatch([question(), question()], [thread("x"), thread("y")]))
    for result in results:
        check(result)


class StuckModel(ScriptedChatModel):
    """A scripted model whose specialist calls never return (until the test ends)."""

    release: threading.Event

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        if "Step a:" in "".join(m.text for m in messages):
            self.release.wait(30)
        return super()._generate(messages, *args, **kwargs)

    async def _agenerate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        if "Step a:" in "".join(m.text for m in messages):
            await asyncio.Event().wait()  # cancelled by the call's deadline
        return self._generate(messages, *args, **kwargs)


@pytest.mark.parametrize("face", ["invoke", "ainvoke"])
def test_a_call_past_its_timeout_fails_its_step_in_every_face(face: str) -> None:
    release = threading.Event()
    model = StuckModel(script=script(), release=release)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=TEAM)
    limits = Context(model_timeout_s=0.2, retry_attempts=2, max_replans=0)
    try:
        if face == "invoke":
            result = graph.invoke(question(), thread(), context=limits)
        else:
            result = asyncio.run(graph.ainvoke(question(), thread(), context=limits))
    finally:
        release.set()
    failed = result["reports"]["1.a"]
    assert failed["status"] == "failed"
    assert "timed out after 0.2s" in failed["error"]
    assert failed["model_attempts"] == 2  # the per-call retry, read from the run's Context
    assert result["reports"]["1.b"]["status"] == "done"


def test_the_suite_runs_under_the_servers_blocking_call_detector() -> None:
    # Every unit test runs under langgraph dev's detector (conftest): the async faces above
    # would fail on any blocking call made in the event loop, as this one does.
    async def blocks() -> None:
        time.sleep(0.001)

    with pytest.raises(BlockingError, match="time.sleep"):
        asyncio.run(blocks())
