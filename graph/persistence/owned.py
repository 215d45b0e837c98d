"""A served graph whose runs name their user as the thread's owner in every checkpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import StateUpdate

from state.users import owned


def graph_attrs(graph: CompiledStateGraph[Any, Any, Any, Any]) -> dict[str, Any]:
    """Return what a compiled graph is made of, to make it again as a subclass."""
    return {k: v for k, v in graph.__dict__.items() if k != "__orig_class__"}


class OwnedGraph(CompiledStateGraph[Any, Any, Any, Any]):
    """A compiled graph that stamps each run's user (the server's) as the thread's owner.

    The stamp is made here, from the user the server authenticated, after any metadata a
    client sent: the command line lists a shared database's threads by it (state/users.py).
    """

    @classmethod
    def owning(cls, graph: CompiledStateGraph[Any, Any, Any, Any]) -> OwnedGraph:
        """Return `graph` as one whose runs stamp their owner."""
        return cls(**graph_attrs(graph))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """Stream the run, its checkpoints naming its user as the thread's owner."""
        async for chunk in super().astream(input, owned(config or {}), **kwargs):
            yield chunk

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """Stream the run, its checkpoints naming its user as the thread's owner (sync face)."""
        yield from super().stream(input, owned(config or {}), **kwargs)

    async def abulk_update_state(
        self, config: RunnableConfig, supersteps: Sequence[Sequence[StateUpdate]]
    ) -> RunnableConfig:
        """Update the state (a client's edit, a fork) under the same owner."""
        return await super().abulk_update_state(owned(config), supersteps)

    def bulk_update_state(
        self, config: RunnableConfig, supersteps: Sequence[Sequence[StateUpdate]]
    ) -> RunnableConfig:
        """Update the state under the same owner (sync face)."""
        return super().bulk_update_state(owned(config), supersteps)
