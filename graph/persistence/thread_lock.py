"""One writer per thread: a run holds its thread's lock from its first look until it stops."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from state.settings import POSTGRES, Settings

TRY_THREAD_LOCK = "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))"


class ThreadBusyError(RuntimeError):
    """Another run holds the thread: this one is refused so that the thread never forks."""

    def __init__(self, thread: str) -> None:
        super().__init__(
            f"thread {thread} has a run in progress; this run was refused so that the thread "
            "does not fork: wait for that run to stop, then send again"
        )
        self.thread = thread


@dataclass(frozen=True)
class ThreadLocks:
    """Where the threads' locks live: Postgres advisory locks, or files on one machine."""

    checkpointer_url: str
    folder: Path

    @classmethod
    def of(cls, settings: Settings) -> ThreadLocks:
        """Return the locks of the threads `settings` store: the CLI and a server share them."""
        return cls(settings.checkpointer_url(), settings.home / "locks")

    @asynccontextmanager
    async def hold(self, thread: str) -> AsyncIterator[None]:
        """Hold the thread's lock, or raise ThreadBusyError at once if another run holds it."""
        if self.checkpointer_url.startswith(POSTGRES):
            async with self._advisory(thread):
                yield
            return
        # One machine: a file lock, which the kernel releases when the process dies.
        descriptor = await asyncio.to_thread(_open_lock, self.folder / f"{thread}.lock")
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ThreadBusyError(thread) from None
            yield
        finally:
            os.close(descriptor)

    @asynccontextmanager
    async def _advisory(self, thread: str) -> AsyncIterator[None]:
        """Hold a session-level advisory lock on its own connection, shared by every machine."""
        # Postgres releases it when this connection closes, even after a SIGKILL of the holder.
        conn = await psycopg.AsyncConnection.connect(self.checkpointer_url, autocommit=True)
        try:
            cursor = await conn.execute(TRY_THREAD_LOCK, (f"orchestra-thread:{thread}",))
            row = await cursor.fetchone()
            if not (row and row[0]):
                raise ThreadBusyError(thread)
            yield
        finally:
            await conn.close()


def _open_lock(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
