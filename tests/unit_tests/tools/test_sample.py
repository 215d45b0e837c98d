import sqlite3
from pathlib import Path

from tools.docs import split_sections
from tools.sample import SAMPLE_FACTS, SampleData, ensure_sample, generate_sample
from tools.sample_data import TABLES

from .conftest import file_hash


def query(sample: SampleData, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(sample.db_path) as con:
        return con.execute(sql, args).fetchall()


def return_rate(sample: SampleData, region: str, after: bool) -> float:
    op = ">=" if after else "<"
    (rate,) = query(
        sample,
        f"""
        SELECT COUNT(rt.return_id) * 1.0 / COUNT(*)
        FROM order_lines l JOIN orders o ON o.order_id = l.order_id
        JOIN customers c ON c.customer_id = o.customer_id
        JOIN regions r ON r.region_id = c.region_id
        LEFT JOIN returns rt ON rt.line_id = l.line_id
        WHERE r.name = ? AND o.order_date {op} '2025-04-01'""",
        region,
    )[0]
    return rate


def units(sample: SampleData, category: str, year: str) -> int:
    return query(
        sample,
        """
        SELECT SUM(l.quantity) FROM order_lines l JOIN orders o ON o.order_id = l.order_id
        JOIN products p ON p.product_id = l.product_id
        JOIN product_categories pc ON pc.category_id = p.category_id
        WHERE pc.name = ? AND substr(o.order_date, 1, 4) = ?""",
        category,
        year,
    )[0][0]


def test_sample_has_all_tables_over_two_years(sample: SampleData) -> None:
    counts = {t: query(sample, f"SELECT COUNT(*) FROM {t}")[0][0] for t in TABLES}
    assert 30_000 <= counts["order_lines"] <= 40_000
    assert counts["returns"] > 1000 and counts["customers"] > 1000
    first, last = query(sample, "SELECT MIN(order_date), MAX(order_date) FROM orders")[0]
    assert first.startswith("2024-01") and last.startswith("2025-12")
    assert sample.database_url == f"sqlite:///{sample.db_path}"


def test_north_return_rate_drops_sharply_after_policy_change(sample: SampleData) -> None:
    before, after = return_rate(sample, "North", False), return_rate(sample, "North", True)
    assert after < before / 2
    for region in ("South", "East", "West"):
        other_before = return_rate(sample, region, False)
        assert abs(return_rate(sample, region, True) - other_before) < 0.02, region


def test_north_returns_after_change_fall_within_14_days(sample: SampleData) -> None:
    (longest,) = query(
        sample,
        """
        SELECT MAX(julianday(rt.return_date) - julianday(o.order_date))
        FROM returns rt JOIN order_lines l ON l.line_id = rt.line_id
        JOIN orders o ON o.order_id = l.order_id JOIN customers c ON c.customer_id = o.customer_id
        JOIN regions r ON r.region_id = c.region_id
        WHERE r.name = 'North' AND o.order_date >= '2025-04-01'""",
    )[0]
    assert longest <= 14


def test_outdoor_units_fall_after_price_increase_while_others_grow(sample: SampleData) -> None:
    assert units(sample, "Outdoor", "2025") < 0.9 * units(sample, "Outdoor", "2024")
    for category in ("Kitchen", "Electronics", "Apparel", "Home"):
        assert units(sample, category, "2025") > units(sample, category, "2024"), category
    # Every Outdoor product's price paid rose by 15% on 2025-01-01.
    ratios = query(
        sample,
        """
        SELECT MAX(CASE WHEN o.order_date >= '2025-01-01' THEN l.unit_price END)
             / MAX(CASE WHEN o.order_date < '2025-01-01' THEN l.unit_price END)
        FROM order_lines l JOIN orders o ON o.order_id = l.order_id
        JOIN products p ON p.product_id = l.product_id
        JOIN product_categories pc ON pc.category_id = p.category_id
        WHERE pc.name = 'Outdoor' GROUP BY p.product_id""",
    )
    assert all(abs(r - 1.15) < 0.001 for (r,) in ratios)


def test_discontinued_speaker_is_not_sold_after_its_date(sample: SampleData) -> None:
    fact = next(f for f in SAMPLE_FACTS if f.key == "discontinued_speaker")
    assert query(sample, fact.evidence_sql) == [("2025-06-30",)]


def test_every_fact_names_a_real_document_section(sample: SampleData) -> None:
    for fact in SAMPLE_FACTS:
        text = (sample.docs_dir / fact.doc).read_text()
        assert fact.section in [h for h, _ in split_sections(text)], fact.key
        assert query(sample, fact.evidence_sql), fact.key


def test_documents_cover_policies_memos_and_product_notes(sample: SampleData) -> None:
    names = sorted(p.name for p in sample.docs_dir.glob("*.md"))
    assert 15 <= len(names) <= 30
    assert sum(n.startswith("memo-") for n in names) == 8
    assert {"pricing-policy.md", "returns-policy.md"} <= set(names)
    assert all("\n## " in (sample.docs_dir / n).read_text() for n in names)


def test_same_seed_gives_identical_sample(tmp_path: Path, sample: SampleData) -> None:
    again = generate_sample(tmp_path / "again")
    assert file_hash(again.db_path) == file_hash(sample.db_path)
    for doc in sample.docs_dir.glob("*.md"):
        assert (again.docs_dir / doc.name).read_text() == doc.read_text()


def test_ensure_sample_generates_once_and_resets_on_request(tmp_path: Path) -> None:
    first = ensure_sample(tmp_path)
    assert first.db_path == tmp_path / "sample" / "business.db" and first.db_path.is_file()
    marker = first.docs_dir / "extra.md"
    marker.write_text("# extra\n")
    assert ensure_sample(tmp_path) == first and marker.exists()  # not regenerated
    ensure_sample(tmp_path, reset=True)
    assert not marker.exists() and first.db_path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["sample"]  # no temp folders left behind
