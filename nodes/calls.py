"""One model or tool call with its own deadline and retries, read from the run's Context."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from nodes.faces import Call
from nodes.faults import is_transient
from state.context import Context

T = TypeVar("T")

FIRST_BACKOFF_S = 0.2
MAX_BACKOFF_S = 10.0
ATTEMPTS = "orchestra_attempts"


class CallTimeoutError(TimeoutError):
    """A single model or tool call ran past its own time limit."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} timed out after {seconds:g}s")


@dataclass
class Attempted:
    """A call's result and how many attempts it took."""

    value: Any
    attempts: int


def attempts_of(exc: BaseException) -> int:
    """Return how many attempts a failed call made before giving up."""
    return int(getattr(exc, ATTEMPTS, 1))


def _backoff(attempt: int) -> float:
    return min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** (attempt - 1))


def run_with_deadline(fn: Callable[[], T], seconds: float, what: str) -> T:
    """Run a blocking call on a worker thread and stop waiting for it at the deadline."""
    # A thread cannot be killed; past the deadline it is abandoned, and the client's own
    # timeout (models get the same limit) ends it. The context carries the run's config.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orchestra-call")
    future = pool.submit(contextvars.copy_context().run, fn)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        raise CallTimeoutError(what, seconds) from None
    finally:
        pool.shutdown(wait=False)


async def arun_with_deadline(call: Awaitable[T], seconds: float, what: str) -> T:
    """Await a call and cancel it at the deadline."""
    # A timeout scope, not wait_for: on Python 3.11 wait_for wraps each call in a task of its own.
    try:
        async with asyncio.timeout(seconds):
            return await call
    except TimeoutError:
        raise CallTimeoutError(what, seconds) from None


def _retry_model(exc: Exception) -> bool:
    return is_transient(exc)


def _retry_tool(exc: Exception) -> bool:
    # A time-out is not retried: the call may still be running, and the model decides.
    return is_transient(exc) and not isinstance(exc, CallTimeoutError)


def _attempt(
    fn: Callable[[], T], seconds: float, what: str, attempts: int, retry: Callable[..., bool]
) -> Attempted:
    """Run a call with its deadline, again after a fault `retry` accepts (sync face)."""
    attempts = max(1, attempts)
    for attempt in range(1, attempts + 1):
        try:
            return Attempted(run_with_deadline(fn, seconds, what), attempt)
        except Exception as exc:
            if attempt == attempts or not retry(exc):
                setattr(exc, ATTEMPTS, attempt)
                raise
            time.sleep(_backoff(attempt))
    raise AssertionError("unreachable")


async def _aattempt(
    fn: Callable[[], Awaitable[T]],
    seconds: float,
    what: str,
    attempts: int,
    retry: Callable[..., bool],
) -> Attempted:
    """Run a call with its deadline, again after a fault `retry` accepts (async face)."""
    attempts = max(1, attempts)
    for attempt in range(1, attempts + 1):
        try:
            return Attempted(await arun_with_deadline(fn(), seconds, what), attempt)
        except Exception as exc:
            if attempt == attempts or not retry(exc):
                setattr(exc, ATTEMPTS, attempt)
                raise
            await asyncio.sleep(_backoff(attempt))
    raise AssertionError("unreachable")


def call_model(fn: Callable[[], T], ctx: Context, what: str) -> Attempted:
    """Call a model with its per-call deadline, retrying transient faults (sync face)."""
    return _attempt(fn, ctx.model_timeout_s, what, ctx.retry_attempts, _retry_model)


async def acall_model(fn: Callable[[], Awaitable[T]], ctx: Context, what: str) -> Attempted:
    """Call a model with its per-call deadline, retrying transient faults (async face)."""
    return await _aattempt(fn, ctx.model_timeout_s, what, ctx.retry_attempts, _retry_model)


def call_tool(fn: Callable[[], T], ctx: Context, what: str) -> T:
    """Run a tool call with its deadline, retrying a dropped connection or a 5xx (sync face)."""
    return _attempt(fn, ctx.tool_timeout_s, what, ctx.retry_attempts, _retry_tool).value


async def acall_tool(fn: Callable[[], Awaitable[T]], ctx: Context, what: str) -> T:
    """Run a tool call with its deadline, retrying a dropped connection or a 5xx (async face)."""
    done = await _aattempt(fn, ctx.tool_timeout_s, what, ctx.retry_attempts, _retry_tool)
    return done.value


def model_call(model: Any, messages: Any, config: Any, ctx: Context, what: str) -> Call[Attempted]:
    """Return one model call, with its deadline and retries, in both faces (nodes/faces.py)."""
    return Call(
        lambda: call_model(lambda: model.invoke(messages, config), ctx, what),
        lambda: acall_model(lambda: model.ainvoke(messages, config), ctx, what),
    )


def tool_call(tool: Any, call: Any, config: Any, ctx: Context) -> Call[Any]:
    """Return one tool call, with its deadline and retries, in both faces."""
    what = f"tool {call['name']}"
    return Call(
        lambda: call_tool(lambda: tool.invoke(call, config), ctx, what),
        lambda: acall_tool(lambda: tool.ainvoke(call, config), ctx, what),
    )
