"""What `orchestra eval` shows while it runs and when it ends: progress, the summary table."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from graph.evaluation.report import write_results
from graph.evaluation.scoring import summarize
from state.text import clipped


def payload(dataset: str, results: Sequence[dict[str, Any]], **more: Any) -> dict[str, Any]:
    """Return the `--json` object: the dataset, every example's record, the summary."""
    return {"dataset": dataset, "examples": list(results), "summary": summarize(results), **more}


def _score(value: Any) -> str:
    return "–" if value is None else f"{value:.2f}"


def one_line(record: Mapping[str, Any]) -> str:
    """Return a finished example as one line: architecture, id, status, scores, time."""
    scores = "  ".join(f"{k} {_score(record.get(k))}" for k in ("facts", "trajectory", "judge"))
    # Cut to the line, and said so: the whole error is in --json and --out's results.json.
    error = record.get("error") or ""
    error = f"  [red]{escape(clipped(error, 120))}[/red]" if error else ""
    return (
        f"{record['architecture']:<10} {record['id']:<24} {record['status']:<8} {scores}  "
        f"{record['tokens']} tokens  {record['seconds']:.1f} s{error}"
    )


class Watcher:
    """Shows each finished example (a bar on a terminal, else a line) and keeps --out current."""

    def __init__(self, console: Console, total: int, dataset: str, out: Path | None) -> None:
        self.console, self.dataset, self.out = console, dataset, out
        self.done: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self.bar: Progress | None = None
        if console.is_terminal:
            self.bar = Progress(
                TextColumn("[bold]eval[/bold]"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=console,
            )
            self.task = self.bar.add_task("", total=total)
            self.bar.start()

    async def __call__(self, record: dict[str, Any]) -> None:
        """Show one finished example and rewrite results.json with everything so far."""
        self.done.append(record)
        if self.bar is not None:
            self.bar.console.print(one_line(record), highlight=False, soft_wrap=True)
            self.bar.update(self.task, advance=1, description=f"{record['id']}")
        else:
            self.console.print(one_line(record), highlight=False, soft_wrap=True)
        if self.out is not None:
            # Written as each example finishes: an interrupted run keeps what it finished.
            async with self._lock:
                snapshot = payload(self.dataset, self.done)
                await asyncio.to_thread(write_results, self.out, snapshot)

    def close(self) -> None:
        """Stop the progress bar."""
        if self.bar is not None:
            self.bar.stop()


def summary_table(summary: Mapping[str, Mapping[str, Any]]) -> Table:
    """Return the per-architecture summary as a table."""
    table = Table(title="orchestra eval")
    for head in ("architecture", "facts", "trajectory", "judge", "tokens", "p50 s", "p95 s"):
        table.add_column(head, justify="left" if head == "architecture" else "right")
    table.add_column("failed", justify="right")
    for arch, row in summary.items():
        tokens = "–" if row["tokens"] is None else f"{row['tokens']:,.0f}"
        table.add_row(
            arch,
            _score(row["facts"]),
            _score(row["trajectory"]),
            _score(row["judge"]),
            tokens,
            _score(row["seconds_p50"]),
            _score(row["seconds_p95"]),
            f"{row['failed']} / {row['examples']}",
        )
    return table
