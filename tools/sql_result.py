"""The result of one SQL query: capped rows, a compact text rendering, and CSV export."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

_CELL_CHARS = 60  # long cells are cut so one wide column cannot hide the rest


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else repr(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, bytes):
        text = f"<{len(value)} bytes>"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


@dataclass
class QueryResult:
    """Columns and (capped) rows of a query; ``truncated`` when rows or bytes were cut."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    total_rows: int | None = None  # rows the query produced, when counted; None if unbounded
    max_bytes: int = 16_000
    notes: list[str] = field(default_factory=list)  # caps applied as the rows were read
    _rendered: str | None = field(default=None, repr=False, compare=False)

    def render(self) -> str:
        """A compact ``|``-separated text table, with a note when rows or bytes were capped."""
        if self._rendered is not None:
            return self._rendered
        if not self.columns:
            return "(statement returned no rows)"
        cells = [[_cell(v) for v in row] for row in self.rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]
        lines = [" | ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True)).rstrip()]
        size, shown = len(lines[0].encode()), 0
        for row in cells:
            line = " | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            size += len(line.encode()) + 1
            if size > self.max_bytes:
                break
            lines.append(line)
            shown += 1
        total = self.total_rows if self.total_rows is not None else len(self.rows)
        if shown < len(self.rows):
            lines.append(
                f"(showing {shown:,} of {total:,} rows — output capped at "
                f"{self.max_bytes:,} bytes; select fewer columns, add LIMIT or aggregate)"
            )
        elif self.total_rows is None and self.truncated:
            lines.append(
                f"(showing {shown:,} of more rows than were counted — add LIMIT or aggregate)"
            )
        elif total > shown:
            lines.append(f"(showing {shown:,} of {total:,} rows — add LIMIT or aggregate)")
        elif not self.rows:
            lines.append("(0 rows)")
        lines += [f"({note})" for note in self.notes]
        self._rendered = "\n".join(lines)
        return self._rendered

    @property
    def bytes_capped(self) -> bool:
        """Whether ``render()`` had to drop rows to stay under ``max_bytes``."""
        return "output capped at" in self.render()

    def write_csv(self, path: Path) -> Path:
        """Write the kept rows (header first) to ``path`` as CSV and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(self.columns)
            writer.writerows(self.rows)
        return path
