"""LangGraph's SQLite Store, run like Orchestra's checkpointer: short batches on the loop."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from langgraph.store.base import BaseStore, IndexConfig, Op, Result
from langgraph.store.sqlite import SqliteStore

from graph.persistence.sqlite_loop import LOCK_WAIT_S, LoopRunner, _connect


class LoopSqliteStore(BaseStore):
    """LangGraph's SQLite Store with the checkpointer's scheme: short batches on the loop."""

    def __init__(self, path: Path, index: IndexConfig | None = None) -> None:
        super().__init__()
        # The Store runs its own transactions (BEGIN ... COMMIT): autocommit connections.
        quick = _connect(path, wait_s=0, isolation_level=None)
        self._quick = SqliteStore(quick, index=index)
        patient = _connect(path, wait_s=LOCK_WAIT_S, isolation_level=None)
        self._patient = SqliteStore(patient, index=index)
        self._db = LoopRunner(self._quick, self._patient, quick)
        self.index_config = self._quick.index_config
        self.supports_ttl = True

    def setup(self) -> None:
        """Create the Store's tables (call once, off the loop)."""
        self._patient.setup()
        self._quick.is_setup = True
        if self.index_config:
            # The setup loads sqlite-vec on its own connection; the loop's needs it too.
            import sqlite_vec

            self._quick.conn.enable_load_extension(True)
            sqlite_vec.load(self._quick.conn)
            self._quick.conn.enable_load_extension(False)

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run a batch of operations (sync face)."""
        batch = list(ops)
        return self._db.call(lambda s: s.batch(batch))

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Run a batch of operations in one transaction."""
        batch = list(ops)
        return await self._db.run(lambda s: s.batch(batch), writes=True)

    def close(self) -> None:
        """Close both connections and the thread."""
        self._db.close(self._quick.conn, self._patient.conn)


def create_store_tables(path: Path) -> None:
    """Create (or migrate) the Store's tables in a SQLite file; nothing changes if they exist."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        SqliteStore(conn).setup()
    finally:
        conn.close()
