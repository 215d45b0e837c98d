"""Read-only SQL over SQLite or PostgreSQL, enforced by the connection, not by parsing SQL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

from tools.errors import ToolError
from tools.sql_guard import (
    FORBIDDEN,
    MAX_CELL_CHARS,
    MAX_FILE_CHARS,
    PRIVILEGED_SQL,
    capped,
    without_literals,
)
from tools.sql_result import QueryResult

__all__ = ["QueryResult", "SqlDatabase", "normalize_url"]

_COUNT_CAP = 1_000_000  # beyond this many rows we stop counting and say "more than"


def normalize_url(url: str) -> URL:
    """Parse ``url``; plain ``postgresql://`` URLs get the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises several types for malformed URLs
        raise ToolError(f"invalid database URL: {type(exc).__name__}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise ToolError(f"unsupported database '{backend}': use a sqlite:/// or postgresql:// URL")


class SqlDatabase:
    """A read-only view of one database with capped, time-limited queries."""

    def __init__(
        self,
        url: str,
        *,
        max_rows: int = 100,
        max_bytes: int = 16_000,
        statement_timeout_s: float = 10.0,
        schema: str | None = None,
        allow_privileged: bool = False,
    ) -> None:
        self._url = normalize_url(url)
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self.timeout_s, self.schema = statement_timeout_s, schema
        self.dialect = self._url.get_backend_name()
        # Checked on first use, so building the object never needs the server up.
        self._role_checked = allow_privileged or self.dialect == "sqlite"
        # NullPool: every call gets a fresh connection, so a session-level SET cannot linger.
        if self.dialect == "sqlite":
            path = self._url.database
            if not path or path == ":memory:" or not Path(path).is_file():
                raise ToolError(f"SQLite database file not found: {path or '(none)'}")
            self._engine: Engine = sa.create_engine(
                "sqlite://", creator=lambda: _connect_sqlite_ro(str(path)), poolclass=NullPool
            )
        else:
            opts = [
                str(self._url.query.get("options", "")),
                "-c default_transaction_read_only=on",
                f"-c statement_timeout={int(statement_timeout_s * 1000)}",
            ]
            if schema:
                opts.append(f"-c search_path={schema}")
            self._engine = sa.create_engine(
                self._url.difference_update_query(["options"]),
                poolclass=NullPool,
                connect_args={"options": " ".join(o for o in opts if o)},
                execution_options={"postgresql_readonly": True},
            )

    def _refuse_privileged_role(self) -> None:
        """Refuse a role that a read-only transaction cannot hold back (superuser and co)."""
        if self._role_checked:
            return
        # COPY ... TO PROGRAM, server files and signalling other sessions all ignore
        # read-only transactions: only the role's own rights stop them.
        try:
            with self._engine.connect() as conn:
                row = conn.exec_driver_sql(PRIVILEGED_SQL).first()
        except Exception as exc:
            raise self._tool_error(exc) from None
        if row is not None and row[1]:
            raise ToolError(
                f"the database role '{row[0]}' is a superuser or may run programs, read or "
                "write server files or signal other sessions, which read-only transactions do "
                "not prevent; connect as a read-only role (CREATE ROLE orchestra_reader LOGIN; "
                "GRANT pg_read_all_data TO orchestra_reader) or set "
                "ORCHESTRA_DATABASE_ALLOW_SUPERUSER=true to accept the risk"
            )
        self._role_checked = True

    def __repr__(self) -> str:
        return f"SqlDatabase({self._url.render_as_string(hide_password=True)!r})"

    def list_tables(self) -> list[str]:
        """Names of the tables and views that can be queried."""
        self._refuse_privileged_role()
        try:
            insp = sa.inspect(self._engine)
            return sorted(insp.get_table_names(self.schema) + insp.get_view_names(self.schema))
        except Exception as exc:
            raise self._tool_error(exc) from None

    def describe_table(self, name: str) -> str:
        """Columns with types and keys, the row count, and 3 sample rows of table ``name``."""
        tables = self.list_tables()
        match = [t for t in tables if t == name] or [t for t in tables if t.lower() == name.lower()]
        if not match:
            raise ToolError(f"unknown table '{name}'; tables: {', '.join(tables)}")
        table = match[0]
        try:
            insp = sa.inspect(self._engine)
            cols = insp.get_columns(table, self.schema)
            pk = set(insp.get_pk_constraint(table, self.schema).get("constrained_columns") or [])
            fks = {
                c: f"{fk['referred_table']}.{r}"
                for fk in insp.get_foreign_keys(table, self.schema)
                for c, r in zip(fk["constrained_columns"], fk["referred_columns"], strict=False)
            }
        except Exception as exc:
            raise self._tool_error(exc) from None
        quoted = self._engine.dialect.identifier_preparer.quote(table)
        count = self.run_sql(f"SELECT COUNT(*) FROM {quoted}").rows[0][0]
        lines = [f"table {table} ({count:,} rows)", "columns:"]
        for c in cols:
            notes = ["primary key"] if c["name"] in pk else []
            notes += [] if c.get("nullable", True) or c["name"] in pk else ["not null"]
            notes += [f"-> {fks[c['name']]}"] if c["name"] in fks else []
            lines.append(f"  {c['name']} {c['type']} {' '.join(notes)}".rstrip())
        lines += ["sample rows:", self.run_sql(f"SELECT * FROM {quoted} LIMIT 3").render()]
        return "\n".join(lines)

    def run_sql(self, query: str, *, max_rows: int | None = None) -> QueryResult:
        """Run one statement read-only; rows capped at ``max_rows``, time at the timeout."""
        query = query.strip()
        if not query:
            raise ToolError("empty query: write one SQL SELECT statement")
        self._refuse_privileged_role()
        if self.dialect != "sqlite" and (found := FORBIDDEN.search(without_literals(query))):
            raise ToolError(
                f"refused: {found.group(0)} reaches outside the database's tables; "
                "only queries over its data are allowed"
            )
        cap = self.max_rows if max_rows is None else max_rows
        try:
            with self._engine.connect() as conn:
                raw: Any = conn.connection.driver_connection
                cur: Any = conn.connection.cursor()
                if self.dialect == "sqlite":
                    deadline = time.monotonic() + self.timeout_s
                    # SQLite has no statement timeout: abort from the VM's progress callback.
                    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
                    cur.execute(query)
                else:
                    # A prepared statement uses the extended protocol: one statement only, so
                    # "COMMIT; SET ...; INSERT" cannot step out of the read-only transaction.
                    cur.execute(query, prepare=True)
                return self._collect(cur, cap)
        except ToolError:
            raise
        except Exception as exc:
            raise self._tool_error(exc) from None

    def _collect(self, cur: Any, cap: int) -> QueryResult:
        if cur.description is None:
            return QueryResult(columns=[], rows=[], max_bytes=self.max_bytes)
        columns = [d[0] for d in cur.description]
        # Row by row, each cell cut as it arrives: memory and the CSV stay bounded however
        # wide the rows are (the text the model reads has its own, smaller cap).
        rows: list[tuple[Any, ...]] = []
        size, cells_cut, file_full = 0, 0, False
        while len(rows) <= cap and (raw := cur.fetchone()) is not None:
            row = tuple(capped(v) for v in raw)
            cells_cut += sum(1 for a, b in zip(raw, row, strict=True) if a is not b)
            size += sum(len(str(v)) for v in row)
            if size > MAX_FILE_CHARS:
                file_full = True
                break
            rows.append(row)
        total: int | None = None if file_full else len(rows)
        if len(rows) > cap:
            rows = rows[:cap]
            while total is not None and (chunk := cur.fetchmany(1_000)):
                total += len(chunk)
                if total > _COUNT_CAP:
                    total = None
        notes = [f"{cells_cut} cell(s) cut at {MAX_CELL_CHARS:,} characters"] if cells_cut else []
        if file_full:
            notes.append(f"rows stopped at {MAX_FILE_CHARS:,} characters of data")
        result = QueryResult(
            columns,
            rows,
            truncated=total != len(rows),
            total_rows=total,
            max_bytes=self.max_bytes,
            notes=notes,
        )
        result.truncated = result.truncated or result.bytes_capped
        return result

    def _tool_error(self, exc: BaseException) -> ToolError:
        """One line from the driver, with the password scrubbed; timeouts explained."""
        orig = getattr(exc, "orig", None) or exc
        lines = [ln.strip() for ln in str(orig).splitlines() if ln.strip()]
        text = lines[0] if lines else type(orig).__name__
        if text == "interrupted" or "statement timeout" in text:
            text = (
                f"query stopped: it ran past the {self.timeout_s:g} s time limit — "
                "filter, aggregate or add LIMIT"
            )
        if self._url.password:
            text = text.replace(str(self._url.password), "***")
        return ToolError(text[:500])


def _connect_sqlite_ro(path: str) -> sqlite3.Connection:
    """Open SQLite read-only (mode=ro), refuse data changes, and allow no ATTACHed databases."""
    con = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, check_same_thread=False)
    con.execute("PRAGMA query_only=ON")
    con.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    return con
