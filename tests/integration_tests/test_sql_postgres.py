"""The read-only SqlDatabase against a real PostgreSQL loaded with the sample."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from tools.errors import ToolError
from tools.sample import SAMPLE_FACTS, generate_sample
from tools.sql import SqlDatabase
from tools.sql_load import drop_postgres_schema, load_sample_into_postgres

# One worker runs the module, so the sample is loaded into Postgres once.
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("sql_postgres")]

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


@pytest.fixture(scope="module")
def reader(pg: tuple[str, str]) -> Iterator[str]:
    """Return the URL of a read-only login role: what the README asks users to give."""
    url = pg[0]
    role = f"orchestra_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT pg_read_all_data TO "{role}"')
    try:
        yield make_url(url).set(username=role).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture()
def db(pg: tuple[str, str], reader: str) -> SqlDatabase:
    return SqlDatabase(reader, schema=pg[1])


def test_postgres_answers_north_return_question(db: SqlDatabase) -> None:
    fact = next(f for f in SAMPLE_FACTS if f.key == "north_returns")
    rates = {(r, bool(after)): float(rate) for r, after, rate in db.run_sql(fact.evidence_sql).rows}
    assert rates[("North", True)] < rates[("North", False)] / 2
    for region in ("South", "East", "West"):
        assert abs(rates[(region, True)] - rates[(region, False)]) < 0.02


def test_postgres_describe_table_and_list_tables(db: SqlDatabase) -> None:
    assert "orders" in db.list_tables()
    assert "order_date DATE not null" in db.describe_table("orders")


def data_of(pg: tuple[str, str]) -> tuple[object, ...]:
    """Return the schema's row counts, sums and tables, read by a session of its own."""
    with psycopg.connect(pg[0], autocommit=True) as conn:
        conn.execute(f'SET search_path = "{pg[1]}"')
        checksum = conn.execute(CHECKSUM_SQL).fetchone()
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
            " ORDER BY table_name",
            (pg[1],),
        ).fetchall()
    assert checksum is not None and checksum[0] == 4  # the sample's four regions
    return checksum, tuple(tables)


ROLES = pytest.mark.parametrize("privileged", [False, True], ids=["reader", "opted-in superuser"])


@ROLES
@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("INSERT INTO regions VALUES (99, 'Nowhere')", "cannot execute INSERT in a read-only"),
        ("UPDATE order_lines SET unit_price = 0", "cannot execute UPDATE in a read-only"),
        ("DELETE FROM returns", "cannot execute DELETE in a read-only"),
        ("DROP TABLE order_lines CASCADE", "cannot execute DROP TABLE in a read-only"),
        ("CREATE TABLE stolen AS SELECT * FROM customers", "cannot execute CREATE TABLE AS"),
        (
            "COMMIT; SET default_transaction_read_only = off; DELETE FROM returns; COMMIT",
            "cannot insert multiple commands into a prepared statement",
        ),
    ],
)
def test_postgres_run_sql_refuses_writes(
    pg: tuple[str, str], reader: str, privileged: bool, statement: str, refusal: str
) -> None:
    # The read-only transaction holds back even a role that may write everything.
    db = SqlDatabase(pg[0] if privileged else reader, schema=pg[1], allow_privileged=privileged)
    before = data_of(pg)
    with pytest.raises(ToolError, match=f"^{refusal}"):
        db.run_sql(statement)
    assert data_of(pg) == before


@ROLES
def test_postgres_session_settings_do_not_outlive_one_call(
    pg: tuple[str, str], reader: str, privileged: bool
) -> None:
    db = SqlDatabase(pg[0] if privileged else reader, schema=pg[1], allow_privileged=privileged)
    before = data_of(pg)
    db.run_sql("SET default_transaction_read_only = off")
    with pytest.raises(ToolError, match="^cannot execute DELETE in a read-only transaction"):
        db.run_sql("DELETE FROM returns")
    assert data_of(pg) == before


def test_postgres_stops_slow_query_at_timeout(pg: tuple[str, str], reader: str) -> None:
    db = SqlDatabase(reader, schema=pg[1], statement_timeout_s=0.5)
    with pytest.raises(ToolError, match="time limit"):
        db.run_sql("SELECT pg_sleep(5)")


def test_a_superuser_url_is_refused_unless_the_user_opts_in(pg: tuple[str, str]) -> None:
    superuser = SqlDatabase(pg[0], schema=pg[1])
    with pytest.raises(ToolError, match="superuser or may run programs"):
        superuser.run_sql("SELECT 1")
    with pytest.raises(ToolError, match="ORCHESTRA_DATABASE_ALLOW_SUPERUSER"):
        superuser.list_tables()


@pytest.mark.parametrize("allowed_superuser", [False, True], ids=["reader", "opted-in superuser"])
@pytest.mark.parametrize(
    "attack",
    [
        "COPY (SELECT 1) TO PROGRAM 'touch {marker}'",
        "copy regions TO '{marker}'",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT \"pg_read_file\"('/etc/hostname')",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()",
        "SELECT pg_reload_conf()",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "SELECT lo_export(0, '{marker}')",
    ],
)
def test_reaching_outside_the_tables_is_refused(
    pg: tuple[str, str], reader: str, tmp_path: Path, attack: str, allowed_superuser: bool
) -> None:
    marker = tmp_path / "pwned"
    url = pg[0] if allowed_superuser else reader
    db = SqlDatabase(url, schema=pg[1], allow_privileged=allowed_superuser)
    with psycopg.connect(pg[0], autocommit=True) as bystander:
        pid = bystander.execute("SELECT pg_backend_pid()").fetchone()
        with pytest.raises(ToolError, match="refused"):
            db.run_sql(attack.format(marker=marker))
        # nothing ran: no file, and the other session is still alive
        assert not marker.exists()
        assert bystander.execute("SELECT pg_backend_pid()").fetchone() == pid


def test_the_reader_role_itself_cannot_read_server_files(pg: tuple[str, str], reader: str) -> None:
    # Past the query check (a function it does not list), the role's own rights stop it.
    db = SqlDatabase(reader, schema=pg[1])
    with pytest.raises(ToolError, match="permission denied"):
        db.run_sql("SELECT pg_stat_file_x FROM (SELECT pg_current_logfile() AS pg_stat_file_x) q")


def test_postgres_cells_are_cut_as_read(pg: tuple[str, str], reader: str, tmp_path: Path) -> None:
    db = SqlDatabase(reader, schema=pg[1])
    result = db.run_sql("SELECT i, repeat('x', 5000000) AS blob FROM generate_series(1, 20) i")
    assert all(len(row[1]) == 10_001 for row in result.rows)
    assert "20 cell(s) cut at 10,000 characters" in result.render()
    assert result.write_csv(tmp_path / "q.csv").stat().st_size < 300_000
