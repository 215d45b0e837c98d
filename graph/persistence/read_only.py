"""Read-only connections to Orchestra's database: for commands that only look.

A command that lists or shows reads on one connection that never writes: no pool, no table
set-up, none of the modules a run needs. Where the database cannot be read this way (no file
yet, no tables yet, a server that refuses), these yield None and the command opens it the
usual way, which sets it up or says what is wrong.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from psycopg import AsyncConnection

SQLITE_TABLES = frozenset(("checkpoints", "writes", "checkpoint_blobs", "store"))
# The tables a run sets up; a database without them is opened (and set up) the usual way.
TABLES_THERE = (
    "SELECT to_regclass('checkpoints') IS NOT NULL AND to_regclass('checkpoint_writes') IS NOT "
    "NULL AND to_regclass('checkpoint_blobs') IS NOT NULL AND to_regclass('store') IS NOT NULL "
    "AS there"
)


def open_sqlite(path: Path) -> sqlite3.Connection | None:
    """Open a checkpoint file read-only, or None where it is missing or not one."""
    if not path.is_file():
        return None
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        # A file from before the writes' task_path column is migrated the usual way first.
        migrated = SQLITE_TABLES <= tables and any(
            r[1] == "task_path" for r in conn.execute("PRAGMA table_info(writes)")
        )
    except sqlite3.Error:
        migrated = False
    if not migrated:
        conn.close()
        return None
    return conn


@asynccontextmanager
async def postgres_connection(url: str) -> AsyncIterator[AsyncConnection[Any] | None]:
    """Yield one autocommit connection (rows as dicts), or None where it cannot read."""
    import psycopg
    from psycopg.rows import dict_row

    try:
        conn = await psycopg.AsyncConnection.connect(
            url, autocommit=True, prepare_threshold=0, row_factory=dict_row, connect_timeout=5
        )
    except psycopg.Error:
        yield None
        return
    async with conn:
        found = await (await conn.execute(TABLES_THERE)).fetchone()
        # A database nothing has run on yet is opened (and set up) the usual way.
        yield conn if found and found["there"] else None
