"""Orchestra's SQLite checkpointer for async runs: short writes on the loop, waits in a thread.

A checkpoint write takes about 0.1 ms; the round trip to a database thread that aiosqlite
makes for each statement costs more than the write itself, and with `durability="sync"` a
step waits for every one (the profile in benchmarks/ shows it). So a write runs on the event
loop on a connection that never waits for a lock: if another writer holds the database, the
write goes to the saver's own thread, which waits its turn, as does everything after it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Generic, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    CheckpointTuple,
)

from graph.persistence.sqlite_blobs import BlobSqliteSaver

T = TypeVar("T")
D = TypeVar("D")
Writes = Sequence[tuple[str, Any]]
# Commits on the loop between WAL checkpoints, which run in the thread instead.
WAL_EVERY = 500
LOCK_WAIT_S = 30.0


def _connect(path: Path, wait_s: float, **kwargs: Any) -> sqlite3.Connection:
    """Open a connection in WAL mode that waits `wait_s` for a lock (0: fails at once)."""
    conn = sqlite3.connect(path, timeout=wait_s, check_same_thread=False, **kwargs)
    conn.execute("PRAGMA journal_mode=WAL")
    # A commit survives a killed process without an fsync per checkpoint.
    conn.execute("PRAGMA synchronous=NORMAL")
    if not wait_s:
        # The loop's connection never folds the WAL itself: that runs in the thread.
        conn.execute("PRAGMA wal_autocheckpoint=0")
    return conn


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Return True when SQLite refused because another writer holds the database."""
    return "locked" in str(exc) or "busy" in str(exc)


def on_loop(op: Callable[[D], T], db: D) -> T:
    """Run one short operation on the event loop (the blocking-call detector allows this)."""
    return op(db)


class LoopRunner(Generic[D]):
    """Runs operations on the loop with `quick`, or in one thread with `patient` when busy."""

    def __init__(self, quick: D, patient: D, quick_conn: sqlite3.Connection) -> None:
        self.quick, self.patient, self._quick_conn = quick, patient, quick_conn
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orchestra-sqlite")
        self._queued = 0
        self._commits = 0
        self._background: set[asyncio.Future[Any]] = set()

    async def run(self, op: Callable[[D], T], *, writes: bool = False) -> T:
        """Run an operation on the loop, or in the thread if the database is busy."""
        if not self._queued:
            try:
                done = on_loop(op, self.quick)
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
                if self._quick_conn.in_transaction:
                    self._quick_conn.rollback()
            else:
                if writes:
                    self._after_commit()
                return done
        return await self.in_thread(op)

    async def in_thread(self, op: Callable[[D], T]) -> T:
        """Run an operation in the thread; later operations queue behind it."""
        self._queued += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, op, self.patient)
        finally:
            self._queued -= 1

    def call(self, op: Callable[[D], T]) -> T:
        """Run an operation in the thread from sync code."""
        return self.pool.submit(op, self.patient).result()

    def _after_commit(self) -> None:
        """Every so many commits, fold the WAL into the database, off the loop."""
        self._commits += 1
        if self._commits % WAL_EVERY == 0:
            task = asyncio.ensure_future(self.in_thread(_wal_checkpoint))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def close(self, *conns: sqlite3.Connection) -> None:
        """Stop the thread and close the connections."""
        self.pool.shutdown(wait=True)
        for conn in conns:
            conn.close()


def _wal_checkpoint(db: Any) -> None:
    """Copy the WAL's pages into the database file, as far as readers allow."""
    db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


class LoopSqliteSaver(BaseCheckpointSaver[str]):
    """Async SQLite checkpointer: values stored per channel version, writes on the loop."""

    def __init__(self, path: Path, *, serde: Any = None) -> None:
        super().__init__(serde=serde)
        self.path = path
        quick = _connect(path, wait_s=0)
        self._quick = BlobSqliteSaver(quick, serde=self.serde)
        self._patient = BlobSqliteSaver(_connect(path, wait_s=LOCK_WAIT_S), serde=self.serde)
        self._db = LoopRunner(self._quick, self._patient, quick)

    def setup(self) -> None:
        """Create the tables (call once, off the loop)."""
        self._patient.setup()
        self._quick.is_setup = True

    def get_next_version(self, current: str | None, channel: None) -> str:
        """Return the next channel version (the stock SQLite saver's scheme)."""
        return self._patient.get_next_version(current, channel)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Return a checkpoint with its values."""
        return await self._db.run(lambda s: s.get_tuple(config))

    async def alist(
        self, config: RunnableConfig | None, **options: Any
    ) -> AsyncIterator[CheckpointTuple]:
        """List checkpoints, newest first (read in the thread: a history can be long).

        `options` are the stock saver's: filter, before, limit.
        """
        found = await self._db.in_thread(lambda s: list(s.list(config, **options)))
        for item in found:
            yield item

    # The writes take the stock saver's arguments (config, checkpoint, metadata, versions;
    # config, writes, task id, task path) and hand them to the blob saver as they come.
    async def aput(self, *args: Any, **kwargs: Any) -> RunnableConfig:
        """Save a checkpoint."""
        return await self._db.run(lambda s: s.put(*args, **kwargs), writes=True)

    async def aput_writes(
        self, config: RunnableConfig, writes: Writes, task_id: str, task_path: str = ""
    ) -> None:
        """Save a task's writes (LangGraph passes task_path when the signature names it)."""
        await self._db.run(lambda s: s.put_writes(config, writes, task_id, task_path), writes=True)

    async def adelete_thread(self, thread_id: str) -> None:
        """Delete a thread."""
        await self._db.in_thread(lambda s: s.delete_thread(thread_id))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Return the rows of a read-only query, from sync code."""
        return self._db.call(lambda s: s.conn.execute(sql, list(params)).fetchall())

    async def aquery(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Return the rows of a read-only query (for listings), run in the thread."""
        return await self._db.in_thread(lambda s: s.conn.execute(sql, list(params)).fetchall())

    # The sync face (graph.invoke from a thread): every call goes through the saver's thread.
    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Return a checkpoint with its values."""
        return self._db.call(lambda s: s.get_tuple(config))

    def list(self, config: RunnableConfig | None, **options: Any) -> Iterator[CheckpointTuple]:
        """List checkpoints, newest first (filter, before, limit as the stock saver's)."""
        yield from self._db.call(lambda s: list(s.list(config, **options)))

    def put(self, *args: Any, **kwargs: Any) -> RunnableConfig:
        """Save a checkpoint."""
        return self._db.call(lambda s: s.put(*args, **kwargs))

    def put_writes(
        self, config: RunnableConfig, writes: Writes, task_id: str, task_path: str = ""
    ) -> None:
        """Save a task's writes, from sync code."""
        self._db.call(lambda s: s.put_writes(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        """Delete a thread."""
        self._db.call(lambda s: s.delete_thread(thread_id))

    def close(self) -> None:
        """Close both connections and the thread."""
        self._db.close(self._quick.conn, self._patient.conn)
