"""One writer per thread: a run holds its thread's lock from its first look until it stops."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg

from graph.cli.failures import UsageError

TRY_THREAD_LOCK = "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))"


def busy(thread: str) -> UsageError:
    """Return the error for a thread another process is running."""
    return UsageError(
        f"thread {thread} has a run in progress in another process; wait for it to stop, "
        f"then continue with: orchestra resume {thread}"
    )


@asynccontextmanager
async def hold_thread(checkpointer_url: str, home: Path, thread: str) -> AsyncIterator[None]:
    """Hold the thread's lock, or fail at once (exit 2) if another run holds it."""
    if checkpointer_url.startswith(("postgresql://", "postgres://")):
        # Where the checkpoints are shared, so is the lock: a session-level advisory lock,
        # released by the server when this connection closes, even after a SIGKILL.
        conn = await psycopg.AsyncConnection.connect(checkpointer_url, autocommit=True)
        try:
            key = f"orchestra-thread:{thread}"
            cursor = await conn.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)
            )
            row = await cursor.fetchone()
            if not (row and row[0]):
                raise busy(thread)
            yield
        finally:
            await conn.close()
        return
    # One machine: a file lock, which the kernel releases when the process dies.
    descriptor = await asyncio.to_thread(_open_lock, home / "locks" / f"{thread}.lock")
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy(thread) from None
        yield
    finally:
        os.close(descriptor)


def _open_lock(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
