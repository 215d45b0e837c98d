"""One model or tool call with its own deadline and retries, read from the run's Context."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, TypeVar

from langgraph.config import get_stream_writer

from nodes.faces import Call
from nodes.faults import exception_line, fault_words, is_transient
from state.context import Context

T = TypeVar("T")

FIRST_BACKOFF_S = 0.2
MAX_BACKOFF_S = 10.0
ATTEMPTS, FAULTS = "orchestra_attempts", "orchestra_faults"


class CallTimeoutError(TimeoutError):
    """A single model or tool call ran past its own time limit."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} timed out after {seconds:g}s")
        self.seconds = seconds


@dataclass
class Attempted:
    """A call's result, how many attempts it took, and why the earlier ones failed."""

    value: Any
    attempts: int
    faults: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Retrying:
    """A call about to be tried again: which, which attempt of how many, after what."""

    what: str
    attempt: int
    of: int
    after: str

    def text(self) -> str:
        """Return the notice a person reads: 'planner: attempt 2 of 3 after a 120 s time-out'."""
        return f"{self.what}: attempt {self.attempt} of {self.of} after {self.after}"


Notice = Callable[[Retrying], None]


def announce(retrying: Retrying) -> None:
    """Tell the run's `custom` stream that a call is tried again (a no-op outside a run)."""
    try:
        writer = get_stream_writer()
    except RuntimeError:
        return
    writer({"orchestra": "retry", **retrying.__dict__, "text": retrying.text()})


def attempts_of(exc: BaseException) -> int:
    """Return how many attempts a failed call made before giving up."""
    return int(getattr(exc, ATTEMPTS, 1))


def faults_of(exc: BaseException) -> list[str]:
    """Return why each attempt of a failed call failed, the last one included."""
    return list(getattr(exc, FAULTS, None) or [exception_line(exc)])


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


def _gave_up(exc: Exception, attempt: int, faults: list[str]) -> None:
    """Mark a call's final exception with its attempts and why each failed."""
    setattr(exc, ATTEMPTS, attempt)
    setattr(exc, FAULTS, [*faults, exception_line(exc)])


def _again(
    exc: Exception, attempt: int, of: int, what: str, faults: list[str], notice: Notice
) -> None:
    """Note a failed attempt and say, while it happens, that the call is tried again."""
    faults.append(exception_line(exc))
    notice(Retrying(what, attempt + 1, of, fault_words(exc)))


def _attempt(
    fn: Callable[[], T],
    seconds: float,
    what: str,
    attempts: int,
    retry: Callable[..., bool],
    notice: Notice = announce,
) -> Attempted:
    """Run a call with its deadline, again after a fault `retry` accepts (sync face)."""
    attempts, faults = max(1, attempts), list[str]()
    for attempt in range(1, attempts + 1):
        try:
            return Attempted(run_with_deadline(fn, seconds, what), attempt, faults)
        except Exception as exc:
            if attempt == attempts or not retry(exc):
                _gave_up(exc, attempt, faults)
                raise
            _again(exc, attempt, attempts, what, faults, notice)
            time.sleep(_backoff(attempt))
    raise AssertionError("unreachable")


async def _aattempt(
    fn: Callable[[], Awaitable[T]],
    seconds: float,
    what: str,
    attempts: int,
    retry: Callable[..., bool],
    notice: Notice = announce,
) -> Attempted:
    """Run a call with its deadline, again after a fault `retry` accepts (async face)."""
    attempts, faults = max(1, attempts), list[str]()
    for attempt in range(1, attempts + 1):
        try:
            return Attempted(await arun_with_deadline(fn(), seconds, what), attempt, faults)
        except Exception as exc:
            if attempt == attempts or not retry(exc):
                _gave_up(exc, attempt, faults)
                raise
            _again(exc, attempt, attempts, what, faults, notice)
            await asyncio.sleep(_backoff(attempt))
    raise AssertionError("unreachable")


def call_model(
    fn: Callable[[], T], ctx: Context, what: str, notice: Notice = announce
) -> Attempted:
    """Call a model with its per-call deadline, retrying transient faults (sync face)."""
    return _attempt(fn, ctx.model_timeout_s, what, ctx.retry_attempts, _retry_model, notice)


async def acall_model(
    fn: Callable[[], Awaitable[T]], ctx: Context, what: str, notice: Notice = announce
) -> Attempted:
    """Call a model with its per-call deadline, retrying transient faults (async face)."""
    seconds, attempts = ctx.model_timeout_s, ctx.retry_attempts
    return await _aattempt(fn, seconds, what, attempts, _retry_model, notice)


def call_tool(fn: Callable[[], T], ctx: Context, what: str) -> T:
    """Run a tool call with its deadline, retrying a dropped connection or a 5xx (sync face)."""
    return _attempt(fn, ctx.tool_timeout_s, what, ctx.retry_attempts, _retry_tool).value


async def acall_tool(fn: Callable[[], Awaitable[T]], ctx: Context, what: str) -> T:
    """Run a tool call with its deadline, retrying a dropped connection or a 5xx (async face)."""
    done = await _aattempt(fn, ctx.tool_timeout_s, what, ctx.retry_attempts, _retry_tool)
    return done.value


def model_call(
    model: Any, messages: Any, config: Any, ctx: Context, what: str, notice: Notice = announce
) -> Call[Attempted]:
    """Return one model call, with its deadline and retries, in both faces (nodes/faces.py).

    `notice` hears of each retry as it starts (by default the run's `custom` stream does).
    """
    return Call(
        lambda: call_model(lambda: model.invoke(messages, config), ctx, what, notice),
        lambda: acall_model(lambda: model.ainvoke(messages, config), ctx, what, notice),
    )


def tool_call(tool: Any, call: Any, config: Any, ctx: Context) -> Call[Any]:
    """Return one tool call, with its deadline and retries, in both faces."""
    what = f"tool {call['name']}"
    return Call(
        lambda: call_tool(lambda: tool.invoke(call, config), ctx, what),
        lambda: acall_tool(lambda: tool.ainvoke(call, config), ctx, what),
    )
