"""Per delegation on every back end: LangGraph's floor and the supervisors on SQLite and Postgres.

The floor runs on the savers Orchestra runs on (its SQLite saver, its pooled Postgres saver),
so a ratio to it is what Orchestra adds on the same back end; the supervisors run on the stock
savers their users would take (`AsyncSqliteSaver`, `AsyncPostgresSaver`). Each has a file or a
scratch database of its own, so checkpoint bytes are counted per contender.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import psycopg
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from benchmarks.architectures import supervisor_available
from benchmarks.delegation import langgraph_supervisor, tool_calling_supervisor
from benchmarks.floor import lean_orchestrator
from benchmarks.long_thread import table_bytes
from benchmarks.scratch import scratch_database
from graph.persistence.checkpoints import open_persistence
from graph.testing.policy_model import PolicyModel

FLOOR = "LangGraph floor: step subgraphs and a review node"
FLOOR_OF = {
    "in-memory": f"{FLOOR} (in-memory)",
    "SQLite": f"{FLOOR} (SQLite)",
    "Postgres": f"{FLOOR} (Postgres, pooled)",
}
ORCHESTRA_OF = {
    "in-memory": "orchestra (in-memory)",
    "SQLite": "orchestra (SQLite, sync)",
    "Postgres": "orchestra (Postgres, sync)",
}
SUPERVISORS = ("langgraph-supervisor", "tool-calling supervisor")
Contenders = dict[str, tuple[Any, dict[str, Any]]]
Meter = Callable[[], Awaitable[int | None]]


def supervisors_of(backend: str) -> tuple[str, ...]:
    """Return the supervisor rows of a back end."""
    return tuple(f"{name} ({backend})" for name in SUPERVISORS)


def add_supervisors(contenders: Contenders, model: PolicyModel, saver: Any, backend: str) -> None:
    """Add both supervisors on `saver` (langgraph-supervisor where it is installed)."""
    hand_offs, tool_calling = supervisors_of(backend)
    if not supervisor_available():
        contenders[hand_offs] = (langgraph_supervisor(model).compile(checkpointer=saver), {})
    contenders[tool_calling] = (tool_calling_supervisor(model, saver), {})


async def add_backends(
    stack: AsyncExitStack,
    contenders: Contenders,
    home: Path,
    model: PolicyModel,
    postgres_url: str,
    notes: list[str],
) -> dict[str, Meter]:
    """Add the floor and the supervisors on SQLite and Postgres; return the floor's byte meters."""
    floor_db = home / "floor.sqlite"
    floor = await stack.enter_async_context(open_persistence(f"sqlite:///{floor_db}"))
    contenders[FLOOR_OF["SQLite"]] = (
        lean_orchestrator(model, subgraphs=True, review=True, checkpointer=floor.saver),
        {},
    )
    stock = AsyncSqliteSaver.from_conn_string(str(home / "supervisors.sqlite"))
    add_supervisors(contenders, model, await stack.enter_async_context(stock), "SQLite")
    meters: dict[str, Meter] = {"floor SQLite": lambda: asyncio.to_thread(sqlite_bytes, floor_db)}
    floor_url = await stack.enter_async_context(scratch_database(postgres_url, "floor"))
    stock_url = await stack.enter_async_context(scratch_database(postgres_url, "supervisors"))
    if floor_url is None or stock_url is None:
        notes.append(f"Postgres floor and supervisors skipped: not reachable at {postgres_url}")
        return meters
    pooled = await stack.enter_async_context(open_persistence(floor_url))
    contenders[FLOOR_OF["Postgres"]] = (
        lean_orchestrator(model, subgraphs=True, review=True, checkpointer=pooled.saver),
        {},
    )
    saver = await stack.enter_async_context(AsyncPostgresSaver.from_conn_string(stock_url))
    await saver.setup()
    add_supervisors(contenders, model, saver, "Postgres")
    meters["floor Postgres"] = lambda: postgres_bytes(floor_url, notes)
    return meters


def sqlite_bytes(db: Path) -> int:
    """Return the bytes a SQLite file holds in checkpoints, their values and writes."""
    return table_bytes(db)[0]


async def postgres_bytes(url: str, notes: list[str]) -> int | None:
    """Return the bytes Postgres holds in checkpoint tables, or None where it is not there."""
    try:
        async with await psycopg.AsyncConnection.connect(url, connect_timeout=5) as conn:
            row = await (
                await conn.execute(
                    "SELECT COALESCE((SELECT SUM(pg_column_size(c.*)) FROM checkpoints c), 0)"
                    " + COALESCE((SELECT SUM(pg_column_size(b.*)) FROM checkpoint_blobs b), 0)"
                    " + COALESCE((SELECT SUM(pg_column_size(w.*)) FROM checkpoint_writes w), 0)"
                )
            ).fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error as exc:
        notes.append(f"Postgres bytes not read: {str(exc).splitlines()[0]}")
        return None


def ratios_by_backend(rows: dict[str, float]) -> dict[str, dict[str, float | None]]:
    """Return Orchestra per back end against the floor and the faster supervisor there."""
    out: dict[str, dict[str, float | None]] = {}
    for backend, mine in ORCHESTRA_OF.items():
        ms = rows.get(mine)
        floor = rows.get(FLOOR_OF[backend])
        fastest = min((rows[s] for s in supervisors_of(backend) if s in rows), default=None)
        out[backend] = {
            "to_floor": round(ms / floor, 2) if ms and floor else None,
            "to_faster_supervisor": round(ms / fastest, 2) if ms and fastest else None,
        }
    return out
