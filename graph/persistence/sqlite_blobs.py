"""A SQLite checkpointer that stores each channel's value once per version.

The stock SqliteSaver writes every channel's value into every checkpoint, so a long thread
re-stores all it holds at each step (quadratic growth) and serialises it all again (most of a
step's cost). Here, as in LangGraph's Postgres and in-memory savers, a checkpoint row keeps
only the channel versions, and a value is written once, when its channel changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.sqlite import SqliteSaver

BLOBS_DDL = """
CREATE TABLE IF NOT EXISTS checkpoint_blobs (
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    version TEXT NOT NULL,
    type TEXT NOT NULL,
    blob BLOB,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
)"""
PUT_BLOB = (
    "INSERT OR IGNORE INTO checkpoint_blobs "
    "(thread_id, checkpoint_ns, channel, version, type, blob) VALUES (?, ?, ?, ?, ?, ?)"
)
PUT_CHECKPOINT = (
    "INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, "
    "parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


class BlobSqliteSaver(SqliteSaver):
    """SqliteSaver with channel values stored per version, written only when they change."""

    def setup(self) -> None:
        """Create the stock tables and the blob table."""
        if self.is_setup:
            return
        super().setup()
        self.conn.execute(BLOBS_DDL)
        self.conn.commit()

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Save a checkpoint: its changed channels' values, then the bare checkpoint row."""
        thread_id = str(config["configurable"]["thread_id"])
        checkpoint_ns = config["configurable"]["checkpoint_ns"]
        values = checkpoint.get("channel_values", {})
        blobs = []
        for channel, version in new_versions.items():
            type_, blob = (
                self.serde.dumps_typed(values[channel]) if channel in values else ("empty", None)
            )
            blobs.append((thread_id, checkpoint_ns, channel, str(version), type_, blob))
        type_, serialized = self.serde.dumps_typed({**checkpoint, "channel_values": {}})
        meta = json.dumps(get_checkpoint_metadata(config, metadata), ensure_ascii=False)
        with self.cursor() as cur:
            # One transaction: a checkpoint never names a value that was not written.
            cur.executemany(PUT_BLOB, blobs)
            cur.execute(
                PUT_CHECKPOINT,
                (
                    thread_id,
                    checkpoint_ns,
                    checkpoint["id"],
                    config["configurable"].get("checkpoint_id"),
                    type_,
                    serialized,
                    meta.encode("utf-8", "ignore"),
                ),
            )
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Return a checkpoint with its channel values."""
        found = super().get_tuple(config)
        return self._filled(found) if found is not None else None

    def list(self, config: RunnableConfig | None, **options: Any) -> Iterator[CheckpointTuple]:
        """List checkpoints, newest first, each with its channel values (stock options)."""
        for found in super().list(config, **options):
            yield self._filled(found)

    def delete_thread(self, thread_id: str) -> None:
        """Delete a thread's checkpoints, writes and values."""
        super().delete_thread(thread_id)
        with self.cursor() as cur:
            cur.execute("DELETE FROM checkpoint_blobs WHERE thread_id = ?", (str(thread_id),))

    def _filled(self, found: CheckpointTuple) -> CheckpointTuple:
        """Return the tuple with the values its checkpoint's channel versions name."""
        checkpoint = found.checkpoint
        versions = checkpoint.get("channel_versions") or {}
        if checkpoint.get("channel_values") or not versions:
            return found  # written whole, by the stock saver: nothing to add
        conf = found.config["configurable"]
        pairs = [(channel, str(version)) for channel, version in versions.items()]
        wanted = ", ".join("(?, ?)" for _ in pairs)
        # Called while list() holds the saver's lock, on the same thread: no cursor() here.
        rows = self.conn.execute(
            f"WITH wanted(channel, version) AS (VALUES {wanted}) "
            "SELECT b.channel, b.type, b.blob FROM wanted JOIN checkpoint_blobs b "
            "ON b.thread_id = ? AND b.checkpoint_ns = ? AND b.channel = wanted.channel "
            "AND b.version = wanted.version",
            [
                *(item for pair in pairs for item in pair),
                str(conf["thread_id"]),
                conf.get("checkpoint_ns", ""),
            ],
        ).fetchall()
        values = {
            channel: self.serde.loads_typed((type_, blob))
            for channel, type_, blob in rows
            if type_ != "empty"
        }
        return found._replace(checkpoint={**checkpoint, "channel_values": values})
