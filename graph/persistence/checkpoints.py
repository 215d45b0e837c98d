"""Checkpointers chosen by URL: SQLite (default), Postgres (pooled), or memory."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import BaseStore, IndexConfig
from langgraph.store.memory import InMemoryStore
from langgraph.store.postgres.aio import AsyncPostgresStore
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from graph.persistence.memory_index import Ranking, TextSearch, postgres_ranking, sqlite_ranking
from graph.persistence.pg_saver import PooledPostgresSaver
from graph.persistence.sqlite_loop import LoopSqliteSaver
from graph.persistence.sqlite_store import LoopSqliteStore, create_store_tables
from state.settings import POSTGRES
from tools.secrets import mask_url, redact

SETUP_LOCK = 7_221_019  # an arbitrary advisory-lock key, Orchestra's own
SETUP_WAIT_S = 60.0
TRY_LOCK = "SELECT pg_try_advisory_lock(%s) AS locked"


class CheckpointStoreError(RuntimeError):
    """The checkpoint store cannot be opened or read."""


@asynccontextmanager
async def open_store(url: str, index: IndexConfig | None = None) -> AsyncIterator[BaseStore]:
    """Open the Store beside the checkpoints a URL names: reports, earlier turns, memories.

    `index` (graph/persistence/memory_index.py) ranks memories by meaning where the Store can.
    """
    async with opened_store(url, index) as (store, _):
        yield store


@asynccontextmanager
async def opened_store(
    url: str, index: IndexConfig | None = None
) -> AsyncIterator[tuple[BaseStore, Ranking]]:
    """Open the Store a URL names, and say how it ranks memories."""
    if url == "memory":
        yield InMemoryStore(index=index), Ranking(index)
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        ranking = sqlite_ranking(index)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        store = await asyncio.to_thread(LoopSqliteStore, path, ranking.index)
        try:
            await asyncio.to_thread(store.setup)
            yield store, ranking
        finally:
            await asyncio.to_thread(store.close)
    elif url.startswith(POSTGRES):
        async with postgres_pool(url) as pool:
            pg_store, ranking = await _postgres_store(pool, url, index)
            yield pg_store, ranking
    else:
        raise CheckpointStoreError(f"no store for checkpointer URL '{mask_url(url)}'")


async def _postgres_store(
    pool: AsyncConnectionPool, url: str, index: IndexConfig | None
) -> tuple[AsyncPostgresStore, Ranking]:
    """Return the Postgres Store over a pool, its tables and memory search set up."""
    async with pool.connection() as conn:
        ranking = await postgres_ranking(conn, index)
    pg_store = AsyncPostgresStore(pool, index=ranking.index)  # type: ignore[arg-type]
    await _set_up_once(pool, pg_store, url)
    await _set_up_once(pool, TextSearch(pool), url)
    return pg_store, ranking


@asynccontextmanager
async def open_checkpointer(
    url: str, *, must_exist: bool = False
) -> AsyncIterator[BaseCheckpointSaver]:
    """Open the checkpointer a URL names, with its tables set up on first use."""
    if url == "memory":
        yield InMemorySaver()
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if must_exist and not path.exists():
            # Looking at runs must not create an empty store where the user expected one.
            raise CheckpointStoreError(f"no checkpoint file at {path}: nothing has run there yet")
        async with _open_sqlite(path) as saver:
            yield saver
    elif url.startswith(POSTGRES):
        async with _open_postgres(url) as pg_saver:
            yield pg_saver
    else:
        raise CheckpointStoreError(
            f"ORCHESTRA_CHECKPOINTER must be sqlite:///path, postgresql://... or memory, "
            f"not '{mask_url(url)}'"
        )


@asynccontextmanager
async def _open_sqlite(path: Path) -> AsyncIterator[LoopSqliteSaver]:
    """Open a SQLite checkpoint file, refusing one that is not a checkpoint database."""
    await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)

    def opened() -> LoopSqliteSaver:
        # WAL with synchronous=NORMAL: a commit survives a killed process without an fsync
        # per checkpoint (only a power cut can lose the last few); readers never block.
        saver: LoopSqliteSaver | None = None
        try:
            saver = LoopSqliteSaver(path)
            saver.setup()
            # The Store's tables too: a file is set up once, and looking never changes it.
            create_store_tables(path)
            saver.query("SELECT count(*) FROM checkpoints")
        except sqlite3.Error as exc:
            if saver is not None:
                saver.close()
            if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc):
                raise CheckpointStoreError(f"cannot open checkpoint file {path}: {exc}") from None
            raise CheckpointStoreError(
                f"the checkpoint file {path} is damaged or not a checkpoint database ({exc}); "
                "move it aside or point ORCHESTRA_CHECKPOINTER elsewhere"
            ) from None
        return saver

    saver = await asyncio.to_thread(opened)
    try:
        yield saver
    finally:
        await asyncio.to_thread(saver.close)


@asynccontextmanager
async def postgres_pool(url: str) -> AsyncIterator[AsyncConnectionPool]:
    """Open a connection pool to Postgres; an unreachable server is a clear error."""
    try:
        # One direct connection first: a refused one fails at once and says why, where the
        # pool would retry it until its time-out.
        probe = await psycopg.AsyncConnection.connect(url, connect_timeout=5)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointStoreError(
            f"cannot reach the Postgres checkpointer at {mask_url(url)} ({redact(reason)})"
        ) from None
    await probe.close()
    pool: AsyncConnectionPool = AsyncConnectionPool(
        url,
        min_size=1,
        max_size=8,
        open=False,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    )
    try:
        await pool.open(wait=True, timeout=5)
    except PoolTimeout:
        await pool.close()
        raise CheckpointStoreError(
            f"cannot reach the Postgres checkpointer at {mask_url(url)}"
        ) from None
    try:
        yield pool
    finally:
        await pool.close()


@asynccontextmanager
async def _open_postgres(url: str) -> AsyncIterator[PooledPostgresSaver]:
    """Open a pooled Postgres checkpointer, its tables set up on first use."""
    async with postgres_pool(url) as pool:
        saver = PooledPostgresSaver(pool)  # type: ignore[arg-type]
        await _set_up_once(pool, saver, url)
        yield saver


@dataclass
class Persistence:
    """A run's checkpointer, the Store beside it, and how that Store ranks memories."""

    saver: BaseCheckpointSaver
    store: BaseStore
    ranking: Ranking = Ranking()


@asynccontextmanager
async def open_persistence(
    url: str, *, must_exist: bool = False, index: IndexConfig | None = None
) -> AsyncIterator[Persistence]:
    """Open the checkpointer and the Store a URL names; on Postgres they share one pool."""
    if url.startswith(POSTGRES):
        async with postgres_pool(url) as pool:
            pg_saver = PooledPostgresSaver(pool)  # type: ignore[arg-type]
            await _set_up_once(pool, pg_saver, url)
            pg_store, ranking = await _postgres_store(pool, url, index)
            yield Persistence(pg_saver, pg_store, ranking)
        return
    async with (
        open_checkpointer(url, must_exist=must_exist) as saver,
        opened_store(url, index) as (store, ranking),
    ):
        yield Persistence(saver, store, ranking)


async def _try_lock(conn: Any) -> bool:
    """Take the setup lock if it is free; never wait inside the database."""
    row = await (await conn.execute(TRY_LOCK, (SETUP_LOCK,))).fetchone()
    return bool(row and row["locked"])


async def _set_up_once(
    pool: AsyncConnectionPool,
    saver: PooledPostgresSaver | AsyncPostgresStore | TextSearch,
    url: str,
) -> None:
    """Create or migrate the checkpoint tables, one process at a time."""
    # Processes starting together on a fresh database would race on CREATE TABLE. Waiting
    # sessions poll instead of blocking, because a blocked statement would hold back the
    # setup's CREATE INDEX CONCURRENTLY and deadlock it.
    async with pool.connection() as conn:
        deadline = time.monotonic() + SETUP_WAIT_S
        while not await _try_lock(conn):
            if time.monotonic() > deadline:
                raise CheckpointStoreError(
                    f"another process has been setting up the checkpoint tables at "
                    f"{mask_url(url)} for over {SETUP_WAIT_S:g}s; try again"
                )
            await asyncio.sleep(0.05)
        try:
            await saver.setup()
        except psycopg.Error as exc:
            where = mask_url(url)
            raise CheckpointStoreError(
                f"cannot set up checkpoint tables at {where}: {exc}"
            ) from None
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
