import csv
import sqlite3
from pathlib import Path

import pytest

from tools.errors import ToolError
from tools.sample import SampleData
from tools.sample_data import TABLES
from tools.sql import SqlDatabase

from .conftest import file_hash


@pytest.fixture()
def db(sample: SampleData) -> SqlDatabase:
    return SqlDatabase(sample.database_url)


def counts(sample: SampleData) -> dict[str, int]:
    with sqlite3.connect(f"file:{sample.db_path}?mode=ro", uri=True) as con:
        return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_list_tables_names_every_sample_table(db: SqlDatabase) -> None:
    assert db.list_tables() == sorted(TABLES)


def test_describe_table_shows_columns_keys_and_sample_rows(db: SqlDatabase) -> None:
    text = db.describe_table("orders")
    assert "order_id INTEGER primary key" in text
    assert "customer_id INTEGER not null -> customers.customer_id" in text
    assert text.count("2024-01-01") == 3  # three sample rows


def test_describe_table_refuses_unknown_table_and_lists_real_ones(db: SqlDatabase) -> None:
    with pytest.raises(ToolError, match="unknown table 'ordrs'; tables: customers"):
        db.describe_table("ordrs")


def test_run_sql_answers_north_return_question(db: SqlDatabase, sample: SampleData) -> None:
    result = db.run_sql("""
        SELECT o.order_date >= '2025-04-01' AS after, COUNT(rt.return_id) * 1.0 / COUNT(*) AS rate
        FROM order_lines l JOIN orders o USING (order_id)
        JOIN customers c USING (customer_id) JOIN regions r USING (region_id)
        LEFT JOIN returns rt ON rt.line_id = l.line_id
        WHERE r.name = 'North' GROUP BY 1 ORDER BY 1""")
    assert result.columns == ["after", "rate"] and not result.truncated
    (_, before), (_, after) = result.rows
    assert after < before / 2
    assert "rate" in result.render().splitlines()[0]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO regions VALUES (99, 'Nowhere')",
        "UPDATE products SET list_price = 0",
        "DELETE FROM returns",
        "DROP TABLE order_lines",
        "CREATE TABLE scratch (x INTEGER)",
        "PRAGMA user_version=5",
    ],
)
def test_run_sql_refuses_writes_on_sqlite(
    db: SqlDatabase, sample: SampleData, statement: str
) -> None:
    before_counts, before_hash = counts(sample), file_hash(sample.db_path)
    with pytest.raises(ToolError, match="readonly database"):
        db.run_sql(statement)
    assert counts(sample) == before_counts
    assert file_hash(sample.db_path) == before_hash


def test_run_sql_refuses_attach_of_writable_file(
    db: SqlDatabase, sample: SampleData, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    other_hash, before_hash = file_hash(other), file_hash(sample.db_path)
    with pytest.raises(ToolError, match="attached databases"):
        db.run_sql(f"ATTACH DATABASE '{other}' AS o")
    with pytest.raises(ToolError):
        db.run_sql("INSERT INTO o.t VALUES (1)")
    assert file_hash(other) == other_hash and file_hash(sample.db_path) == before_hash


def test_run_sql_refuses_turning_query_only_off_then_writing(
    db: SqlDatabase, sample: SampleData
) -> None:
    db.run_sql("PRAGMA query_only=OFF")  # allowed, but the connection is still mode=ro
    with pytest.raises(ToolError, match="readonly"):
        db.run_sql("INSERT INTO regions VALUES (99, 'Nowhere')")
    assert counts(sample)["regions"] == 4


def test_run_sql_caps_rows_with_a_note(db: SqlDatabase, sample: SampleData) -> None:
    result = db.run_sql("SELECT * FROM order_lines")
    total = counts(sample)["order_lines"]
    assert result.truncated and len(result.rows) == 100 and result.total_rows == total
    assert result.render().splitlines()[-1] == (
        f"(showing 100 of {total:,} rows — add LIMIT or aggregate)"
    )


def test_run_sql_caps_bytes_with_a_note(sample: SampleData) -> None:
    result = SqlDatabase(sample.database_url, max_bytes=1_000).run_sql(
        "SELECT * FROM customers LIMIT 50"
    )
    text = result.render()
    assert result.truncated and len(text.encode()) < 1_200
    assert "output capped at 1,000 bytes" in text.splitlines()[-1]


def test_run_sql_stops_slow_query_at_timeout(sample: SampleData) -> None:
    db = SqlDatabase(sample.database_url, statement_timeout_s=0.5)
    with pytest.raises(ToolError, match="time limit"):
        db.run_sql(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c"
        )


def test_run_sql_reports_driver_error_in_one_line(db: SqlDatabase) -> None:
    with pytest.raises(ToolError) as err:
        db.run_sql("SELECT nope FROM orders")
    assert str(err.value) == "no such column: nope"


def test_password_never_appears_in_repr_or_errors() -> None:
    db = SqlDatabase("postgresql://alice:hunter2secret@127.0.0.1:1/none", statement_timeout_s=1)
    assert "hunter2secret" not in repr(db)
    with pytest.raises(ToolError) as err:
        db.run_sql("SELECT 1")
    assert "hunter2secret" not in str(err.value)


def test_unsupported_url_is_refused() -> None:
    with pytest.raises(ToolError, match="unsupported database"):
        SqlDatabase("mysql://u@localhost/db")


def test_write_csv_writes_header_and_rows(db: SqlDatabase, tmp_path: Path) -> None:
    path = db.run_sql("SELECT region_id, name FROM regions ORDER BY 1").write_csv(
        tmp_path / "out" / "regions.csv"
    )
    with path.open() as fh:
        assert list(csv.reader(fh)) == [
            ["region_id", "name"],
            ["1", "North"],
            ["2", "South"],
            ["3", "East"],
            ["4", "West"],
        ]


def test_huge_cells_are_cut_as_read_and_the_cap_is_reported(
    db: SqlDatabase, tmp_path: Path
) -> None:
    # 20 rows of 5 MB cells: the CSV and memory stay small, and the model is told.
    huge = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) "
        "SELECT i, printf('%.*c', 5000000, 'x') AS blob FROM n"
    )
    result = db.run_sql(huge)
    assert all(len(row[1]) == 10_001 for row in result.rows)  # 10,000 characters and a mark
    assert "20 cell(s) cut at 10,000 characters" in result.render()
    path = result.write_csv(tmp_path / "huge.csv")
    assert path.stat().st_size < 300_000
