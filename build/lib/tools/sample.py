"""A deterministic sample business (SQLite database + markdown documents) generated from a seed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tools.sample_data import DDL, TABLES, generate_rows
from tools.sample_docs import build_documents


@dataclass(frozen=True)
class SampleData:
    """Where a generated sample lives."""

    db_path: Path
    docs_dir: Path

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the sample database."""
        return f"sqlite:///{self.db_path}"


@dataclass(frozen=True)
class SampleFact:
    """A pattern in the sample data that one document section explains, with its evidence SQL."""

    key: str
    question: str
    answer: str
    doc: str
    section: str
    evidence_sql: str


SAMPLE_FACTS: tuple[SampleFact, ...] = (
    SampleFact(
        "north_returns",
        "Why did North's return rate drop in 2025?",
        "North's returns window was cut from 60 to 14 days for orders from 2025-04-01; North's "
        "return rate fell sharply after that date while other regions stayed flat.",
        "returns-policy.md",
        "Revision 2025-04-01: North returns window cut to 14 days",
        "SELECT r.name AS region, o.order_date >= '2025-04-01' AS after_change,"
        " COUNT(rt.return_id) * 1.0 / COUNT(*) AS return_rate"
        " FROM order_lines l JOIN orders o ON o.order_id = l.order_id"
        " JOIN customers c ON c.customer_id = o.customer_id"
        " JOIN regions r ON r.region_id = c.region_id"
        " LEFT JOIN returns rt ON rt.line_id = l.line_id"
        " GROUP BY r.name, o.order_date >= '2025-04-01' ORDER BY 1, 2",
    ),
    SampleFact(
        "outdoor_price",
        "Why did Outdoor units sold fall in 2025?",
        "Outdoor list prices rose 15% on 2025-01-01; Outdoor units sold fell in 2025 while the "
        "other categories grew.",
        "pricing-policy.md",
        "Revision 2025-01-01: Outdoor price increase",
        "SELECT pc.name AS category, SUBSTR(CAST(o.order_date AS TEXT), 1, 4) AS year,"
        " SUM(l.quantity) AS units, ROUND(AVG(l.unit_price), 2) AS avg_price"
        " FROM order_lines l JOIN orders o ON o.order_id = l.order_id"
        " JOIN products p ON p.product_id = l.product_id"
        " JOIN product_categories pc ON pc.category_id = p.category_id"
        " GROUP BY 1, 2 ORDER BY 1, 2",
    ),
    SampleFact(
        "discontinued_speaker",
        "When was the Pulse Mini Speaker last sold?",
        "On 2025-06-30: it was recalled and discontinued on 2025-07-01.",
        "product-notes-electronics.md",
        "Known issues",
        "SELECT MAX(o.order_date) AS last_sold FROM order_lines l"
        " JOIN orders o ON o.order_id = l.order_id JOIN products p ON p.product_id = l.product_id"
        " WHERE p.name = 'Pulse Mini Speaker'",
    ),
)


def generate_sample(target: Path, seed: int = 7) -> SampleData:
    """Write ``target/business.db`` and ``target/docs/*.md`` for ``seed`` (same seed, same data)."""
    target = Path(target)
    docs_dir = target / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    db_path = target / "business.db"
    db_path.unlink(missing_ok=True)
    rows = generate_rows(seed)
    con = sqlite3.connect(db_path)
    try:
        with con:
            for ddl in DDL:
                con.execute(ddl)
            for table in TABLES:
                data = rows.tables[table]
                marks = ", ".join("?" * len(data[0]))
                con.executemany(f"INSERT INTO {table} VALUES ({marks})", data)
            # Indexes the analyst's typical joins and date filters need.
            con.execute("CREATE INDEX ix_orders_date ON orders(order_date)")
            con.execute("CREATE INDEX ix_lines_order ON order_lines(order_id)")
            con.execute("CREATE INDEX ix_returns_line ON returns(line_id)")
    finally:
        con.close()
    for name, text in build_documents(rows).items():
        (docs_dir / name).write_text(text, encoding="utf-8")
    return SampleData(db_path=db_path, docs_dir=docs_dir)


def ensure_sample(home: Path, *, reset: bool = False, seed: int = 7) -> SampleData:
    """Return the sample under ``home/sample``, generating it on first use (or when ``reset``)."""
    home = Path(home)
    final = home / "sample"
    sample = SampleData(db_path=final / "business.db", docs_dir=final / "docs")
    if final.is_dir() and not reset:
        return sample
    home.mkdir(parents=True, exist_ok=True)
    # Build beside the final folder, then rename: a crash never leaves half a sample.
    tmp = Path(tempfile.mkdtemp(prefix=".sample-", dir=home))
    old = home / f".sample-old-{os.getpid()}"
    try:
        generate_sample(tmp, seed=seed)
        if final.is_dir():
            final.rename(old)
        try:
            tmp.rename(final)
        except OSError:
            if not final.is_dir():  # another process won the race; its sample is complete
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return sample
