"""The served orchestrator: one writer per thread, whatever server runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import nullcontext
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from graph.persistence.owned import OwnedGraph, graph_attrs
from graph.persistence.thread_lock import ThreadLocks


class OneWriterGraph(OwnedGraph):
    """A compiled graph whose runs hold their thread's lock from start to stop.

    A server may start two runs on one thread (Aegra ignores `multitask_strategy`); both
    would write from the same checkpoint and fork the thread. The lock is taken in the run
    itself, not in the graph's factory, so reading a busy thread's state is never refused.
    """

    def __init__(self, *, thread_locks: ThreadLocks, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # An attribute in __dict__, so the server's `copy(update=...)` carries it along.
        self.thread_locks = thread_locks

    @classmethod
    def around(
        cls, graph: CompiledStateGraph[Any, Any, Any, Any], locks: ThreadLocks
    ) -> OneWriterGraph:
        """Return `graph` as a one-writer graph whose locks live in `locks`."""
        return cls(thread_locks=locks, **graph_attrs(graph))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """Stream the run with its thread held; a busy thread raises ThreadBusyError first."""
        thread = ((config or {}).get("configurable") or {}).get("thread_id")
        # No thread, nothing to fork.
        held = nullcontext() if thread is None else self.thread_locks.hold(str(thread))
        async with held:
            async for chunk in super().astream(input, config, **kwargs):
                yield chunk
