"""The Postgres checkpointer on a pool, without the saver-wide lock a single connection needs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncCursor
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool


class PooledPostgresSaver(AsyncPostgresSaver):
    """LangGraph's async Postgres saver whose writes on a pool do not queue behind each other."""

    # The upstream saver takes one asyncio lock around every statement, which a shared single
    # connection needs; on a pool each cursor checks out its own connection, so the lock only
    # made parallel steps' writes (and every thread in a server) wait their turn. The Postgres
    # Store upstream already drops it on a pool for the same reason.
    @asynccontextmanager
    async def _cursor(self, *, pipeline: bool = False) -> AsyncIterator[AsyncCursor[DictRow]]:
        """Check out a connection of its own; a pipeline sends a write's statements at once."""
        if not isinstance(self.conn, AsyncConnectionPool) or self.pipe:
            async with super()._cursor(pipeline=pipeline) as cur:
                yield cur
            return
        async with self.conn.connection() as conn:
            if pipeline and self.supports_pipeline:
                async with conn.pipeline(), conn.cursor(binary=True, row_factory=dict_row) as cur:
                    yield cur
            elif pipeline:
                async with (
                    conn.transaction(),
                    conn.cursor(binary=True, row_factory=dict_row) as cur,
                ):
                    yield cur
            else:
                async with conn.cursor(binary=True, row_factory=dict_row) as cur:
                    yield cur
