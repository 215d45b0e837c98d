"""The read-only SqlDatabase against a real PostgreSQL loaded with the sample."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tools.errors import ToolError
from tools.sample import SAMPLE_FACTS, generate_sample
from tools.sql import SqlDatabase
from tools.sql_load import drop_postgres_schema, load_sample_into_postgres

pytestmark = pytest.mark.postgres

DEFAULT_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)
CHECKSUM_SQL = (
    "SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM returns),"
    " (SELECT COUNT(*) FROM order_lines), (SELECT SUM(quantity * unit_price)"
    " FROM order_lines), (SELECT SUM(list_price) FROM products)"
)


def reachable_url() -> str:
    env = os.environ.get("ORCHESTRA_TEST_POSTGRES_URL")
    errors = []
    for url in (env,) if env else DEFAULT_URLS:
        try:
            psycopg.connect(url, connect_timeout=3).close()
            return url
        except psycopg.Error as exc:
            errors.append(str(exc).splitlines()[0])
    message = f"PostgreSQL unreachable: {'; '.join(errors)}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    url = reachable_url()
    schema = f"orchestra_test_{uuid.uuid4().hex[:10]}"
    sample = generate_sample(Path(tmp_path_factory.mktemp("pg_sample")))
    try:
        counts = load_sample_into_postgres(sample, url, schema)
        assert counts["order_lines"] > 30_000
        yield url, schema
    finally:
        drop_postgres_schema(url, schema)


@pytest.fixture()
def db(pg: tuple[str, str]) -> SqlDatabase:
    return SqlDatabase(pg[0], schema=pg[1])


def test_postgres_answers_north_return_question(db: SqlDatabase) -> None:
    fact = next(f for f in SAMPLE_FACTS if f.key == "north_returns")
    rates = {(r, bool(after)): float(rate) for r, after, rate in db.run_sql(fact.evidence_sql).rows}
    assert rates[("North", True)] < rates[("North", False)] / 2
    for region in ("South", "East", "West"):
        assert abs(rates[(region, True)] - rates[(region, False)]) < 0.02


def test_postgres_describe_table_and_list_tables(db: SqlDatabase) -> None:
    assert "orders" in db.list_tables()
    assert "order_date DATE not null" in db.describe_table("orders")


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO regions VALUES (99, 'Nowhere')",
        "UPDATE order_lines SET unit_price = 0",
        "DELETE FROM returns",
        "DROP TABLE order_lines CASCADE",
        "COMMIT; SET default_transaction_read_only = off; DELETE FROM returns; COMMIT",
    ],
)
def test_postgres_run_sql_refuses_writes(db: SqlDatabase, statement: str) -> None:
    before = db.run_sql(CHECKSUM_SQL).rows
    with pytest.raises(ToolError):
        db.run_sql(statement)
    assert db.run_sql(CHECKSUM_SQL).rows == before


def test_postgres_session_settings_do_not_outlive_one_call(db: SqlDatabase) -> None:
    db.run_sql("SET default_transaction_read_only = off")
    with pytest.raises(ToolError, match="read-only transaction"):
        db.run_sql("DELETE FROM returns")


def test_postgres_stops_slow_query_at_timeout(pg: tuple[str, str]) -> None:
    db = SqlDatabase(pg[0], schema=pg[1], statement_timeout_s=0.5)
    with pytest.raises(ToolError, match="time limit"):
        db.run_sql("SELECT pg_sleep(5)")
