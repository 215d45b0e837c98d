"""`show` reads a thread straight from its database and says what the graph would have said."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage

from benchmarks.long_thread import policy, question
from benchmarks.reads import conversation_graph
from graph.cli.inspection import summary_from_graph, thread_summary
from graph.cli.thread_state import read_latest
from graph.persistence.checkpoints import open_persistence
from graph.persistence.thread_reader import open_reader
from graph.testing.policy_model import PolicyModel
from state.archive import Archive
from state.context import Context

USER = "reader"
# Modules a read must never load: the model client, the tracer, the graph's machinery.
HEAVY = ("langchain_openai", "openai", "langsmith", "langgraph.pregel", "graph.build")


def faulty(role: str, messages: list[BaseMessage]) -> dict[str, Any]:
    """Play the long conversation; its third question breaks the answer, its fourth stalls."""
    asked = next((m.text for m in messages if isinstance(m, HumanMessage)), "")
    if role == "orchestrator" and "Reports:" in messages[-1].text and "Break" in asked:
        raise RuntimeError("the answer's model is down")
    return policy(role, messages)


class StallingModel(PolicyModel):
    """The scripted model; once told to stall, a second step's model never answers."""

    stall: bool = False

    async def _agenerate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        if self.stall and any(m.text.startswith("Step s2:") for m in messages):
            await asyncio.Event().wait()
        return await super()._agenerate(messages, *args, **kwargs)


async def build_threads(url: str) -> None:
    """Leave threads of each shape: done, stopped on a failure, waiting, cancelled mid-step."""
    model = StallingModel(script={})
    model.use(faulty)
    async with open_persistence(url) as kept:
        graph = conversation_graph(kept, model)

        async def ask(thread: str, text: str, **context: Any) -> None:
            config: Any = {
                "configurable": {"thread_id": thread, "user_id": USER},
                "metadata": {"owner": USER},
                "recursion_limit": 200,
            }
            payload = {"messages": [HumanMessage(text)]}
            await graph.ainvoke(payload, config, context=Context(**context), durability="sync")

        for turn in range(1, 5):
            await ask("done", question(turn, frozenset({4})))
        await ask("failed", question(2, frozenset()))
        with pytest.raises(RuntimeError):
            await ask("failed", "Break: " + question(3, frozenset()))
        await ask("waiting", question(1, frozenset()))
        await ask("waiting", question(2, frozenset()), review_plan=True)
        model.stall = True
        run = asyncio.ensure_future(ask("cancelled", question(5, frozenset())))
        await asyncio.sleep(1.0)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Return the back end's URL, set as the command line's checkpointer and user."""
    if request.param == "sqlite":
        chosen = f"sqlite:///{isolated_env / 'checkpoints.sqlite'}"
    else:
        chosen = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("ORCHESTRA_CHECKPOINTER", chosen)
    monkeypatch.setenv("ORCHESTRA_USER", USER)
    return chosen


async def both_ways(url: str, thread: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Return a thread's summary read from the database alone (None: it asked the graph),
    and through the graph."""
    direct = None
    async with open_reader(url) as reader:
        assert reader is not None
        snapshot = await read_latest(reader, thread, USER)
        if snapshot is not None:
            direct = await thread_summary(thread, snapshot, Archive(reader.store, thread, USER))
    return direct, await summary_from_graph(thread)


def test_show_reads_every_shape_of_thread_as_the_graph_does(url: str) -> None:
    asyncio.run(build_threads(url))
    statuses = {}
    for thread in ("done", "failed", "waiting", "cancelled"):
        direct, through_graph = asyncio.run(both_ways(url, thread))
        assert direct is not None, f"{thread}: read through the graph, not the database"
        assert json.dumps(direct, default=str) == json.dumps(through_graph, default=str)
        statuses[thread] = direct["status"]
    assert statuses == {
        "done": "done",
        "failed": "failed",
        "waiting": "interrupted",
        "cancelled": "cancelled",
    }


def test_show_and_threads_load_no_model_client_or_graph(url: str) -> None:
    asyncio.run(build_threads(url))
    # An interrupt's value is LangGraph's own type (its module brings LangChain's tracer).
    waiting = ("langchain_openai", "openai", "langgraph.pregel", "graph.build")
    never: dict[tuple[str, ...], tuple[str, ...]] = {
        ("show", "done"): HEAVY,
        ("show", "done", "--json"): HEAVY,
        ("show", "waiting"): waiting,
        # A listing is one query: not even LangChain or LangGraph is loaded for it.
        ("threads",): (*HEAVY, "langchain_core", "langgraph"),
    }
    for argv, modules in never.items():
        probe = (
            "import sys; from graph.cli.main import main; code = main(sys.argv[1:]); "
            f"print([m for m in {modules!r} if m in sys.modules], code, file=sys.stderr)"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=60
        )
        assert done.stderr.strip().splitlines()[-1] == "[] 0", (argv, done.stderr)
