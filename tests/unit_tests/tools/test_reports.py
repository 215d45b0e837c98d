from pathlib import Path

import pytest

from tools.errors import ToolError
from tools.reports import write_report
from tools.sandbox_files import PNG_SIGNATURE


def make_chart(folder: Path, name: str = "units.png") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(PNG_SIGNATURE + b"rest")
    return path


def test_write_report_writes_markdown_with_its_chart(tmp_path: Path) -> None:
    chart = make_chart(tmp_path / "artifacts")
    path = write_report(
        "Outdoor sales", "Units fell 19%.", path=tmp_path / "run" / "report.md", charts=[chart]
    )
    assert path == tmp_path / "run" / "report.md"
    text = path.read_text()
    assert text.startswith("# Outdoor sales\n\nUnits fell 19%.")
    assert "![units](units.png)" in text
    assert (tmp_path / "run" / "units.png").read_bytes() == chart.read_bytes()


def test_the_same_chart_again_is_not_copied_twice(tmp_path: Path) -> None:
    chart = make_chart(tmp_path / "artifacts")
    write_report("A", "one", path=tmp_path / "run" / "report.md", charts=[chart])
    write_report("A", "one", path=tmp_path / "run" / "report.md", charts=[chart])
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["report.md", "units.png"]


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "body", "needs a title"),
        ("T", "   ", "body is empty"),
        ("x" * 201, "body", "title is too long"),
        ("T", "x" * 200_001, "body is too long"),
    ],
)
def test_write_report_validates_title_and_body(
    tmp_path: Path, title: str, body: str, message: str
) -> None:
    with pytest.raises(ToolError, match=message):
        write_report(title, body, path=tmp_path / "report.md")
    assert not list(tmp_path.iterdir())


def test_write_report_refuses_missing_chart(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="chart not found"):
        write_report("T", "body", path=tmp_path / "r.md", charts=[tmp_path / "nope.png"])


def test_chart_named_in_the_body_but_not_linked_is_still_embedded(tmp_path: Path) -> None:
    chart = tmp_path / "made" / "rates.png"
    chart.parent.mkdir()
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    path = write_report(
        "Rates", "The chart rates.png shows it.", path=tmp_path / "run" / "r.md", charts=[chart]
    )
    assert "![rates](rates.png)" in path.read_text()
