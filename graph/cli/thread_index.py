"""The threads a checkpointer holds, read from one index query instead of every checkpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from graph.persistence.sqlite_loop import LoopSqliteSaver

LATEST = (
    "SELECT thread_id, MAX(checkpoint_id) AS latest FROM checkpoints "
    "WHERE checkpoint_ns = '' GROUP BY thread_id"
)
# 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch.
UUID_EPOCH = 0x01B21DD213814000


def checkpoint_time(checkpoint_id: str) -> str:
    """Return when a checkpoint was written, read from its id (a time-ordered UUIDv6)."""
    value = int(checkpoint_id.replace("-", ""), 16)
    ticks = (((value >> 80) & 0xFFFFFFFFFFFF) << 12) | ((value >> 64) & 0x0FFF)
    return datetime.fromtimestamp((ticks - UUID_EPOCH) / 1e7, tz=UTC).isoformat()


async def latest_checkpoints(saver: BaseCheckpointSaver[Any]) -> list[tuple[str, str]]:
    """Return (thread id, time of its latest checkpoint), newest first."""
    # Checkpoint ids grow with time, so the largest id per thread is its latest: the
    # index answers without reading a single checkpoint.
    if isinstance(saver, LoopSqliteSaver):
        rows = [(str(r[0]), str(r[1])) for r in await saver.aquery(LATEST)]
    elif isinstance(saver, AsyncPostgresSaver):
        async with saver._cursor() as cur:
            await cur.execute(LATEST)
            rows = [(str(r["thread_id"]), str(r["latest"])) for r in await cur.fetchall()]
    else:
        latest: dict[str, str] = {}
        async for item in saver.alist(None):
            conf = item.config["configurable"]
            if not conf.get("checkpoint_ns"):
                thread = str(conf["thread_id"])
                latest[thread] = max(str(conf["checkpoint_id"]), latest.get(thread, ""))
        rows = list(latest.items())
    dated = [(thread, checkpoint_time(cid)) for thread, cid in rows]
    return sorted(dated, key=lambda row: row[1], reverse=True)


async def list_threads(*, as_json: bool) -> int:
    """Print the threads with their latest checkpoint time; no graph is built for it."""
    from rich.console import Console
    from rich.table import Table

    from graph.cli.failures import EXIT_OK, load_settings
    from graph.persistence.checkpoints import open_checkpointer

    url = load_settings().checkpointer_url()
    async with open_checkpointer(url) as saver:
        rows = await latest_checkpoints(saver)
    if as_json:
        print(json.dumps([{"thread_id": t, "updated_at": ts} for t, ts in rows]))
        return EXIT_OK
    table = Table("thread", "updated")
    for thread_id, ts in rows:
        table.add_row(thread_id, ts)
    Console().print(table)
    return EXIT_OK
