"""The benchmarks' Postgres: where it is, and scratch databases beside it."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg

POSTGRES_URL = os.environ.get(
    "ORCHESTRA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@asynccontextmanager
async def scratch_database(base: str, label: str = "memory") -> AsyncIterator[str | None]:
    """Yield a scratch Postgres database beside `base` (None if unreachable), then drop it."""
    name = f"orchestra_bench_{label}_{uuid.uuid4().hex[:8]}"
    try:
        async with await psycopg.AsyncConnection.connect(base, autocommit=True) as conn:
            await conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        yield None
        return
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with await psycopg.AsyncConnection.connect(base, autocommit=True) as conn:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
