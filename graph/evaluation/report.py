"""`orchestra eval --out DIR`: results.json, a chart per score and architecture, an HTML page."""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CHARTED = ("facts", "trajectory", "judge", "tokens", "seconds")
"""The figures charted per example: the scores (0-1), then the cost."""
COLUMNS = ("facts", "trajectory", "judge", "tokens", "seconds_p50", "seconds_p95", "failed")


def write_results(folder: Path, payload: Mapping[str, Any]) -> Path:
    """Write results.json whole or not at all: a reader never sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "results.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(payload, out, indent=1, default=str)
    os.replace(tmp, target)
    return target


def chart_name(score: str, architecture: str) -> str:
    """Return the file name of one score's chart for one architecture."""
    return f"{score}-{architecture}.png"


def write_charts(folder: Path, examples: Sequence[Mapping[str, Any]]) -> list[Path]:
    """Draw each score of each architecture over the examples; a score nobody has is skipped."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for arch in dict.fromkeys(r["architecture"] for r in examples):
        mine = [r for r in examples if r["architecture"] == arch]
        labels = [f"{r['id']}#{r['repetition']}" if r["repetition"] > 1 else r["id"] for r in mine]
        for score in CHARTED:
            values = [r.get(score) for r in mine]
            if all(v is None for v in values):
                continue
            fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(mine)), 3.6))
            ax.bar(labels, [v or 0 for v in values], color="tab:blue")
            ax.set_title(f"{score} per example: {arch}")
            if score in ("facts", "trajectory", "judge"):
                ax.set_ylim(0, 1.05)
            ax.tick_params(axis="x", rotation=90, labelsize=7)
            fig.tight_layout()
            path = folder / chart_name(score, arch)
            fig.savefig(path, dpi=80)
            plt.close(fig)
            written.append(path)
    return written


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, list):
        return html.escape(", ".join(map(str, value)))
    return html.escape(str(value))


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    top = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{top}</tr>{body}</table>"


def write_page(folder: Path, payload: Mapping[str, Any], charts: Sequence[Path]) -> Path:
    """Write report.html: the summary per architecture, every example, the charts."""
    summary = payload["summary"]
    per_arch = [[arch, *(numbers.get(c) for c in COLUMNS)] for arch, numbers in summary.items()]
    fields = ("id", "architecture", "repetition", "status", "facts", "trajectory", "judge",
              "tokens", "calls", "seconds", "steps_failed", "specialists", "error")  # fmt: skip
    rows = [[r.get(f) for f in fields] for r in payload["examples"]]
    images = "".join(
        f'<img src="{html.escape(p.name)}" alt="{html.escape(p.stem)}">' for p in charts
    )
    note = (
        "<p><b>Interrupted:</b> only the finished examples.</p>"
        if payload.get("interrupted")
        else ""
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>orchestra eval: {html.escape(str(payload["dataset"]))}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:2px 6px;font-size:13px}}img{{max-width:48%;margin:4px}}</style>
</head><body><h1>orchestra eval</h1><p>dataset: {html.escape(str(payload["dataset"]))}</p>{note}
<h2>Summary</h2>{_table(["architecture", *COLUMNS], per_arch)}
<h2>Examples</h2>{_table(fields, rows)}<h2>Charts</h2>{images}</body></html>
"""
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def write_all(folder: Path, payload: Mapping[str, Any]) -> list[Path]:
    """Write results.json, the charts and the page; return what was written."""
    results = write_results(folder, payload)
    charts = write_charts(folder, payload["examples"])
    return [results, *charts, write_page(folder, payload, charts)]
