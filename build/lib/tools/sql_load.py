"""Copy the sample into a PostgreSQL schema (a writable connection, separate from SqlDatabase)."""

from __future__ import annotations

import re
import sqlite3

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tools.errors import ToolError
from tools.sample import SampleData
from tools.sample_data import DDL, TABLES
from tools.sql import normalize_url

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _engine(url: str, schema: str) -> sa.Engine:
    if not _SCHEMA.match(schema):
        raise ToolError(f"invalid schema name '{schema}': use lower-case letters, digits and _")
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ToolError("load_sample_into_postgres needs a postgresql:// URL")
    return sa.create_engine(parsed, poolclass=NullPool)


def load_sample_into_postgres(sample: SampleData, url: str, schema: str) -> dict[str, int]:
    """Create ``schema`` (must not exist) and copy every sample table into it; return row counts."""
    engine = _engine(url, schema)
    counts: dict[str, int] = {}
    src = sqlite3.connect(f"file:{sample.db_path}?mode=ro", uri=True)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            conn.exec_driver_sql(f"SET LOCAL search_path TO {schema}")
            for ddl in DDL:
                conn.exec_driver_sql(ddl)
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            for table in TABLES:
                # COPY in text form lets PostgreSQL parse the ISO date strings itself.
                with cur.copy(f"COPY {table} FROM STDIN") as copy:
                    for row in src.execute(f"SELECT * FROM {table}"):
                        copy.write_row(row)
                        counts[table] = counts.get(table, 0) + 1
    finally:
        src.close()
        engine.dispose()
    return counts


def drop_postgres_schema(url: str, schema: str) -> None:
    """Drop ``schema`` and everything in it, if it exists."""
    engine = _engine(url, schema)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        engine.dispose()
