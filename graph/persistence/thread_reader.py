"""One thread read without opening a run: its latest checkpoint and its Store records.

`orchestra show` reads what it prints and nothing else, on a read-only connection
(graph/persistence/read_only.py): the thread's latest checkpoint with its pending writes, and
the Store items it shows, with no pool, no Store index and no sqlite-vec.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson
from langgraph.checkpoint.base import CheckpointTuple
from langgraph.store.base import BaseStore, GetOp, Item, Op, Result, SearchOp

from graph.persistence.read_only import open_sqlite, postgres_connection
from state.settings import POSTGRES


class CheckpointReader(Protocol):
    """A checkpointer's read face: the latest checkpoint of a thread, with its writes."""

    async def aget_tuple(self, config: Any) -> CheckpointTuple | None:
        """Return the checkpoint a config names (its latest when it names no id)."""


@dataclass
class Reader:
    """The latest checkpoint and the Store records of a thread, read on one connection."""

    saver: CheckpointReader
    store: BaseStore

    async def latest(self, thread_id: str) -> CheckpointTuple | None:
        """Return the thread's latest root checkpoint with its pending writes, or None."""
        return await self.saver.aget_tuple(
            {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        )


# LangGraph's SQLite Store search without a query or filter (langgraph.store.sqlite.base):
# the same statement, so items come back in the same order.
SEARCH = (
    "SELECT prefix, key, value, created_at, updated_at FROM store "
    "WHERE (prefix = ? OR prefix GLOB ?) ORDER BY updated_at DESC LIMIT ? OFFSET ?"
)
GET = "SELECT prefix, key, value, created_at, updated_at FROM store WHERE prefix = ? AND key = ?"


def _glob_literal(text: str) -> str:
    """Escape GLOB's metacharacters, as the SQLite Store does."""
    return text.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")


def _item(row: tuple[Any, ...]) -> Item:
    """Return a Store row as the Store's own Item."""
    prefix, key, value, created, updated = row
    return Item(
        value=orjson.loads(value),
        key=key,
        namespace=tuple(prefix.split(".")),
        created_at=created,
        updated_at=updated,
    )


class SqliteStoreReader(BaseStore):
    """The SQLite Store's searches and gets, read on a plain connection (no sqlite-vec)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Run searches (no query, no filter) and gets; this reader writes nothing."""
        results: list[Result] = []
        for op in ops:
            if isinstance(op, SearchOp) and not op.query and not op.filter:
                path = ".".join(op.namespace_prefix)
                found = self.conn.execute(
                    SEARCH, (path, f"{_glob_literal(path)}.*", op.limit, op.offset)
                )
                results.append([_item(row) for row in found.fetchall()])
            elif isinstance(op, GetOp):
                row = self.conn.execute(GET, (".".join(op.namespace), op.key)).fetchone()
                results.append(_item(row) if row else None)
            else:
                raise NotImplementedError(f"a read-only Store cannot run {type(op).__name__}")
        return results

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Run the batch in a thread (the event loop never waits on a file)."""
        return await asyncio.to_thread(self.batch, list(ops))


class SqliteCheckpointReader:
    """Orchestra's SQLite checkpoints (values per channel version), read on a plain connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        from graph.persistence.sqlite_blobs import BlobSqliteSaver

        self.saver = BlobSqliteSaver(conn)
        # The tables exist (the file was checked); a read must never create them.
        self.saver.is_setup = True

    async def aget_tuple(self, config: Any) -> CheckpointTuple | None:
        """Return the checkpoint with its values and pending writes (read in a thread)."""
        return await asyncio.to_thread(self.saver.get_tuple, config)


@asynccontextmanager
async def open_reader(url: str) -> AsyncIterator[Reader | None]:
    """Yield a reader of the checkpoints and Store a URL names, or None where it cannot read."""
    if url.startswith("sqlite:///"):
        conn = await asyncio.to_thread(open_sqlite, Path(url.removeprefix("sqlite:///")))
        if conn is None:
            yield None
            return
        with closing(conn):
            yield Reader(SqliteCheckpointReader(conn), SqliteStoreReader(conn))
    elif url.startswith(POSTGRES):
        async with _postgres_reader(url) as reader:
            yield reader
    else:
        yield None


@asynccontextmanager
async def _postgres_reader(url: str) -> AsyncIterator[Reader | None]:
    """Yield a reader on one Postgres connection, or None where it cannot read."""
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from langgraph.store.postgres.aio import AsyncPostgresStore

    async with postgres_connection(url) as conn:
        if conn is None:
            yield None
            return
        yield Reader(AsyncPostgresSaver(conn), AsyncPostgresStore(conn))
