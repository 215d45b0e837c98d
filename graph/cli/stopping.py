"""Ctrl-C and SIGTERM on the command line: the run stops at once, saved, and says how to go on.

The first signal cancels the command's task: calls in flight are dropped, each step that was
running files its stop (nodes/specialist/stopping.py), the checkpoint keeps every finished
node and call, files are written whole or not at all, and the command exits 130 with the
`orchestra resume` command. A second signal ends the process the default way.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from graph.cli.failures import EXIT_CANCELLED

if TYPE_CHECKING:
    from langgraph.types import StateSnapshot

T = TypeVar("T")
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_stoppable(main: Coroutine[Any, Any, int]) -> int:
    """Run a command's coroutine; SIGINT or SIGTERM cancels it and the exit is 130."""
    code = asyncio.run(_stoppable(main))
    if code == EXIT_CANCELLED:
        # What the run left behind (a prompt waiting on the terminal, a tool's thread) must
        # not hold the exit: everything of the run is already saved and closed.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_CANCELLED)
    return code


async def _stoppable(main: Coroutine[Any, Any, int]) -> int:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def stop(name: str) -> None:
        # Imported here: a command that runs no graph (threads, team) starts without them.
        from nodes.specialist.stopping import stopping
        from tools.sandbox import stop_sandboxes

        stopping(f"interrupted on the command line ({name})")
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)
        stop_sandboxes()
        task.cancel()

    for sig in SIGNALS:
        loop.add_signal_handler(sig, stop, sig.name)
    try:
        return await main
    except asyncio.CancelledError:
        # Stopped before a run began (a run says more, and returns 130 itself).
        print("orchestra: interrupted; nothing was running", file=sys.stderr)
        return EXIT_CANCELLED


def settled_cancel() -> None:
    """Take back the cancel a stopped run has handled, so the command can close up."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run a call that waits for a person on a daemon thread: a cancel never waits for it."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(value: Any, failed: BaseException | None) -> None:
        if done.done():
            return
        if failed is not None:
            done.set_exception(failed)
        else:
            done.set_result(value)

    def run() -> None:
        value: Any = None
        failed: BaseException | None = None
        try:
            value = fn(*args)
        except BaseException as exc:  # handed to the waiting task, which raises it
            failed = exc
        if not loop.is_closed():
            loop.call_soon_threadsafe(settle, value, failed)

    threading.Thread(target=run, name="orchestra-prompt", daemon=True).start()
    return await done


def superseding(thread: str, snapshot: StateSnapshot) -> str:
    """Say what a new question does to a thread whose last run did not finish."""
    if snapshot.interrupts:
        names = [
            str(a.get("name"))
            for i in snapshot.interrupts
            if isinstance(i.value, dict)
            for a in i.value.get("action_requests", [])
        ]
        return (
            f"thread {thread} was waiting for review ({', '.join(names)}); this question "
            "supersedes it: the request is rejected with your message and nothing is run"
        )
    return (
        f"thread {thread} has a run that did not finish; this question starts a new turn: "
        "its unfinished steps are cancelled and its finished ones can be reused"
    )
