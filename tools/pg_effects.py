"""Idempotency records in Postgres: every instance of a served team finds the same claims."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tools.effects import Effects

CREATE = """CREATE TABLE IF NOT EXISTS orchestra_effects (
    key text PRIMARY KEY,
    path text NOT NULL,
    done boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)"""
# Two instances creating the table at once would race in the catalog; one waits for the other.
SET_UP_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('orchestra_effects', 0))"
UPSERT = """INSERT INTO orchestra_effects (key, path, done) VALUES (%s, %s, %s)
ON CONFLICT (key) DO UPDATE SET path = excluded.path, done = excluded.done, updated_at = now()"""


class PostgresEffects(Effects):
    """The side-effect records of `Effects`, kept in the orchestra_effects table."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._set_up = False

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        conn = psycopg.connect(self.url, autocommit=True)
        if not self._set_up:
            with conn.transaction():
                conn.execute(SET_UP_LOCK)
                conn.execute(CREATE)
            self._set_up = True
        return conn

    def _read(self, key: str) -> dict[str, object] | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT path, done FROM orchestra_effects WHERE key = %s", (key,)
            ).fetchone()
        return None if row is None else {"key": key, "path": row[0], "done": row[1]}

    def _write(self, key: str, path: Path, done: bool) -> None:
        with self._connect() as conn:
            conn.execute(UPSERT, (key, str(path), done))
