"""The threads a checkpointer holds, read from one index query instead of every checkpoint.

`orchestra threads` runs that query on a read-only connection (graph/persistence/read_only.py).
"""

from __future__ import annotations

import asyncio
import json
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.persistence.read_only import open_sqlite, postgres_connection
from state.settings import POSTGRES
from state.users import LOCAL_USER, OWNER, owner_of

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

LATEST = (
    "SELECT thread_id, MAX(checkpoint_id) AS latest FROM checkpoints "
    "WHERE checkpoint_ns = '' GROUP BY thread_id"
)
# The owner is read from each thread's latest checkpoint alone (one row by its key).
OWNED = (
    "SELECT c.thread_id, c.checkpoint_id AS latest FROM checkpoints c JOIN ({latest}) l "
    "ON c.thread_id = l.thread_id AND c.checkpoint_ns = '' AND c.checkpoint_id = l.latest "
    "WHERE COALESCE(NULLIF({owner}, ''), '{local}') = {param}"
)
SQLITE_OWNED = OWNED.format(
    latest=LATEST,
    owner=f"json_extract(CAST(c.metadata AS TEXT), '$.{OWNER}')",
    local=LOCAL_USER,
    param="?",
)
POSTGRES_OWNED = OWNED.format(
    latest=LATEST, owner=f"c.metadata->>'{OWNER}'", local=LOCAL_USER, param="%s"
)
# 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch.
UUID_EPOCH = 0x01B21DD213814000


def checkpoint_time(checkpoint_id: str) -> str:
    """Return when a checkpoint was written, read from its id (a time-ordered UUIDv6)."""
    value = int(checkpoint_id.replace("-", ""), 16)
    ticks = (((value >> 80) & 0xFFFFFFFFFFFF) << 12) | ((value >> 64) & 0x0FFF)
    return datetime.fromtimestamp((ticks - UUID_EPOCH) / 1e7, tz=UTC).isoformat()


async def latest_checkpoints(saver: BaseCheckpointSaver[Any], owner: str) -> list[tuple[str, str]]:
    """Return (thread id, time of its latest checkpoint) of `owner`'s threads, newest first."""
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    from graph.persistence.sqlite_loop import LoopSqliteSaver

    # Checkpoint ids grow with time, so the largest id per thread is its latest: the
    # index answers without reading a single checkpoint but those latest ones.
    if isinstance(saver, LoopSqliteSaver):
        rows = [(str(r[0]), str(r[1])) for r in await saver.aquery(SQLITE_OWNED, (owner,))]
    elif isinstance(saver, AsyncPostgresSaver):
        async with saver._cursor() as cur:
            await cur.execute(POSTGRES_OWNED, (owner,))
            rows = [(str(r["thread_id"]), str(r["latest"])) for r in await cur.fetchall()]
    else:
        latest: dict[str, tuple[str, str]] = {}
        async for item in saver.alist(None):
            conf = item.config["configurable"]
            thread, cid = str(conf["thread_id"]), str(conf["checkpoint_id"])
            if not conf.get("checkpoint_ns") and cid > latest.get(thread, ("", ""))[0]:
                latest[thread] = (cid, owner_of(item.metadata))
        rows = [(t, cid) for t, (cid, by) in latest.items() if by == owner]
    return newest_first(rows)


def newest_first(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return (thread id, latest checkpoint id) rows as (thread id, time), newest first."""
    dated = [(thread, checkpoint_time(cid)) for thread, cid in rows]
    return sorted(dated, key=lambda row: row[1], reverse=True)


def _sqlite_owned(path: Path, owner: str) -> list[tuple[str, str]] | None:
    """Return the owner's threads in a checkpoint file, or None where it is not one yet."""
    conn = open_sqlite(path)
    if conn is None:
        return None
    with closing(conn):
        return [(str(r[0]), str(r[1])) for r in conn.execute(SQLITE_OWNED, (owner,))]


async def owned_threads(url: str, owner: str) -> list[tuple[str, str]] | None:
    """Return the owner's threads, newest first, read-only; None: open the database instead."""
    rows: list[tuple[str, str]] | None = None
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        rows = await asyncio.to_thread(_sqlite_owned, path, owner)
    elif url.startswith(POSTGRES):
        async with postgres_connection(url) as conn:
            if conn is not None:
                found = await (await conn.execute(POSTGRES_OWNED, (owner,))).fetchall()
                rows = [(str(r["thread_id"]), str(r["latest"])) for r in found]
    return None if rows is None else newest_first(rows)


async def list_threads(*, as_json: bool) -> int:
    """Print the user's threads with their latest checkpoint time; no graph is built for it."""
    from rich.console import Console
    from rich.table import Table

    from graph.cli.failures import EXIT_OK, load_settings

    settings = load_settings()
    url = settings.checkpointer_url()
    rows = await owned_threads(url, settings.user)
    if rows is None:
        # Nothing has run there yet (or it is memory): opened the usual way, tables set up.
        from graph.persistence.checkpoints import open_checkpointer

        async with open_checkpointer(url) as saver:
            rows = await latest_checkpoints(saver, settings.user)
    if as_json:
        print(json.dumps([{"thread_id": t, "updated_at": ts} for t, ts in rows]))
        return EXIT_OK
    table = Table("thread", "updated")
    for thread_id, ts in rows:
        table.add_row(thread_id, ts)
    Console().print(table)
    return EXIT_OK
