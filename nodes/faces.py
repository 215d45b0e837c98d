"""Nodes with both faces, so the compiled graph serves `invoke` as well as `ainvoke`.

A node is written once, as a generator: what it must wait for (a model call, a tool call, a
Store read or write) it yields as a `Call`, which holds that work's sync and async forms, and
it gets the result back (or the exception thrown in). `both_faces` drives the one body from a
sync function under invoke/stream and from a coroutine under ainvoke/astream.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from langgraph._internal._runnable import RunnableCallable

T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    """One piece of a node's work that waits: its sync and its async form."""

    sync: Callable[[], T]
    aio: Callable[[], Awaitable[T]]


Body = Generator[Call[Any], Any, Any]


def both(obj: Any, method: str, *args: Any) -> Call[Any]:
    """Return a call of an object with both faces by name: `method`, or `a<method>` awaited.

    The Store's convention (put/aput, search/asearch), which the Archive keeps too.
    """
    return Call(lambda: getattr(obj, method)(*args), lambda: getattr(obj, "a" + method)(*args))


def invoked(runnable: Any, value: Any, config: Any) -> Call[Any]:
    """Return a runnable's invocation (a graph, a model): invoke, or await ainvoke."""
    return Call(lambda: runnable.invoke(value, config), lambda: runnable.ainvoke(value, config))


def off_loop(fn: Callable[..., T], *args: Any) -> Call[T]:
    """Return a blocking piece of work: called as it is in the sync face, in a thread in async."""
    return Call(lambda: fn(*args), lambda: asyncio.to_thread(fn, *args))


def _step(body: Body, value: Any, error: BaseException | None) -> Call[Any] | StopIteration:
    """Advance a body with the last call's result (or its exception); return its next call."""
    try:
        return body.throw(error) if error is not None else body.send(value)
    except StopIteration as stop:
        return stop


def run_sync(body: Body) -> Any:
    """Drive a node's body, each call made in its sync form."""
    value: Any = None
    error: BaseException | None = None
    while not isinstance(call := _step(body, value, error), StopIteration):
        value, error = None, None
        try:
            value = call.sync()
        except BaseException as exc:  # handed to the body, which may handle it
            error = exc
    return call.value


async def run_async(body: Body) -> Any:
    """Drive a node's body, each call awaited in its async form."""
    value: Any = None
    error: BaseException | None = None
    while not isinstance(call := _step(body, value, error), StopIteration):
        value, error = None, None
        try:
            value = await call.aio()
        except BaseException as exc:  # handed to the body, which may handle it
            error = exc
    return call.value


def both_faces(name: str, body: Callable[..., Body]) -> RunnableCallable:
    """Return a node that runs `body` with sync calls under invoke and async under ainvoke."""

    # LangGraph's own node wrapper injects runtime and config by the signature, which
    # functools.wraps hands on from the body.
    @functools.wraps(body)
    def sync(*args: Any, **kwargs: Any) -> Any:
        return run_sync(body(*args, **kwargs))

    @functools.wraps(body)
    async def async_(*args: Any, **kwargs: Any) -> Any:
        return await run_async(body(*args, **kwargs))

    return RunnableCallable(sync, async_, name=name, trace=False)
