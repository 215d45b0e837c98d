"""The "Serving on Aegra" section of RESULTS.md, rendered from serving.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LATENCY_S = 0.2
RUNS = 60
REPEATS = 3
FIGURES = Path(__file__).with_name("serving.json")
HEADING = "## Serving on Aegra"
NOTE = (
    "Times are the server's (runs' created_at to updated_at): `runs.join` and `runs.wait` "
    "answer up to 2 s late, as Aegra polls a Redis key every 2 s for a run's end (a stream "
    "sees the end at once). "
    "Takeover is lease expiry plus up to one reaper interval (Aegra's defaults: lease 30 s, "
    "reaper every 15 s, so 30-45 s; the short lease: 3 s, reaper every 1 s): the "
    "survivor re-runs the run under the same run id, which LangGraph resumes from the last "
    "checkpoint, so only the call in flight is asked again."
)


def section() -> list[str]:
    """Return the section's lines from the last `make bench-serve`, or none before one."""
    if not FIGURES.exists():
        return []
    return markdown(json.loads(FIGURES.read_text()))


def markdown(figures: dict[str, Any]) -> list[str]:
    """Return the lines of the RESULTS.md section for `figures`."""
    rows = figures["throughput"]
    base = rows[0]["runs_per_min"]
    lines = [
        HEADING,
        "",
        f"`make bench-serve` ({figures['date']}, {figures['cores']} cores, aegra-api "
        f"{figures['aegra']}): {REPEATS} bursts of {RUNS} one-step runs (four model calls "
        f"each, {LATENCY_S * 1000:.0f} ms per call) sent at once, round-robin over the "
        "instances; one Postgres, one Redis, the client and the scripted model, all on this "
        "machine.",
        "",
        "| instances | runs/min (each burst) | vs 1 instance | one run alone, s "
        "| instance CPU s per run | cores: instances | cores: client + model | machine busy "
        "| ok |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        each = r["runs_per_min_each"]
        lines.append(
            f"| {r['instances']} | {r['runs_per_min']} ({', '.join(map(str, each))}) "
            f"| {r['runs_per_min'] / base:.2f}x | {r['solo_run_s']} "
            f"| {r['instance_cpu_s_per_run']} | {r['instances_cores_used']} "
            f"| {r['bench_process_cores_used']} | {r['machine_busy_pct']} % "
            f"| {r['ok']}/{r['runs']} |"
        )
    lines += ["", limits(rows, figures["cores"])]
    lines += ["", "| lease s | takeover after kill -9, s | run |", "|---:|---:|---|"]
    for t in figures["takeover"]:
        lines.append(f"| {t['lease_s']} | {t['takeover_s']} | {t['status']} |")
    lines += ["", figures["note"], ""]
    return lines


def limits(rows: list[dict[str, Any]], cores: int) -> str:
    """Return what limits the scaling, read from the figures."""
    one, *more = rows
    said = [
        f"What limits it: an instance is one Python process whose one event loop runs its runs' "
        f"steps; alone it kept {one['instances_cores_used']} of the {cores} cores busy "
        f"(a run alone takes {one['solo_run_s']} s, of which {4 * LATENCY_S:.1f} s is the model)."
    ]
    for r in more:
        said.append(
            f"{r['instances']} instances: {r['runs_per_min'] / one['runs_per_min']:.2f}x, the "
            f"instances on {r['instances_cores_used']} cores, the client and scripted model on "
            f"{r['bench_process_cores_used']}, the machine {r['machine_busy_pct']} % busy with "
            f"Postgres and Redis, {r['instance_cpu_s_per_run']} CPU s per run."
        )
    said.append(
        "Past the machine's cores another instance adds no throughput, only contention; on "
        "separate machines each instance brings its own cores, up to what Postgres sustains."
    )
    return " ".join(said)
