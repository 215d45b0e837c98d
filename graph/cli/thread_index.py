"""The threads a checkpointer holds, read from one index query instead of every checkpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from graph.persistence.sqlite_loop import LoopSqliteSaver
from state.users import LOCAL_USER, OWNER, owner_of

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
    dated = [(thread, checkpoint_time(cid)) for thread, cid in rows]
    return sorted(dated, key=lambda row: row[1], reverse=True)


async def list_threads(*, as_json: bool) -> int:
    """Print the user's threads with their latest checkpoint time; no graph is built for it."""
    from rich.console import Console
    from rich.table import Table

    from graph.cli.failures import EXIT_OK, load_settings
    from graph.persistence.checkpoints import open_checkpointer

    settings = load_settings()
    async with open_checkpointer(settings.checkpointer_url()) as saver:
        rows = await latest_checkpoints(saver, settings.user)
    if as_json:
        print(json.dumps([{"thread_id": t, "updated_at": ts} for t, ts in rows]))
        return EXIT_OK
    table = Table("thread", "updated")
    for thread_id, ts in rows:
        table.add_row(thread_id, ts)
    Console().print(table)
    return EXIT_OK
