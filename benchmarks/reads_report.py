"""RESULTS.md's reading section and its targets: `show` and `threads` against `--help`."""

from __future__ import annotations

from typing import Any


def targets(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one target per command and back end: its time over `--help` within the goal."""
    goal = figures["goal_s"]
    out = []
    for row in figures["rows"]:
        for command in ("show", "threads"):
            over = row[f"{command}_over_help_s"]
            out.append(
                {
                    "target": f"`orchestra {command}` ≤ {goal:g} s over `--help`, "
                    f"{row['turns']}-turn thread ({row['store']})",
                    "value": over,
                    "pass": over <= goal,
                }
            )
    return out


def section(figures: dict[str, Any]) -> list[str]:
    """Return the markdown for the reading section."""
    rows = figures["rows"]
    turns = rows[0]["turns"] if rows else 0
    lines = [
        "## Reads: `show` and `threads` against `--help`",
        "",
        f"One user's thread of {turns} turns (two sql_analyst steps a turn, the scripted "
        "stand-in), on SQLite and on Postgres; each command a fresh process, as a person runs "
        f"it, the median of {rows[0]['runs'] if rows else 0} runs after one that warms the "
        "file cache. Goal: a read within "
        f"{figures['goal_s']:g} s of `--help` (the interpreter's and the command line's start).",
        "",
        "| store | `--help` s | `show` s | `threads` s | `show` − `--help` | "
        "`threads` − `--help` |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['store']} | {row['help_s']:.2f} | {row['show_s']:.2f} | "
            f"{row['threads_s']:.2f} | {row['show_over_help_s']:+.2f} | "
            f"{row['threads_over_help_s']:+.2f} |"
        )
    lines += [
        "",
        "`show` reads the thread's latest checkpoint with its pending writes and the Store "
        "items it prints, on one read-only connection, and works out the next tasks from the "
        "checkpoint as LangGraph does (graph/cli/thread_state.py): no model client, team or "
        "graph is loaded. A thread the checkpoint alone cannot say (several nodes due at "
        "once, a write only the graph's reducers can merge) is read through the graph as "
        "before. `threads` is one index query on the same kind of connection.",
    ]
    if figures.get("note"):
        lines += ["", figures["note"]]
    return lines
