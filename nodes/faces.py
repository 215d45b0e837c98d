"""Nodes with both faces, so the compiled graph serves `invoke` as well as `ainvoke`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langgraph._internal._runnable import RunnableCallable


def both_faces(
    name: str, sync: Callable[..., Any], async_: Callable[..., Awaitable[Any]]
) -> RunnableCallable:
    """Return a node that runs `sync` under invoke/stream and `async_` under ainvoke/astream."""
    # LangGraph's own node wrapper: it injects runtime and config by the sync signature,
    # so both functions take the same parameters.
    return RunnableCallable(sync, async_, name=name)
