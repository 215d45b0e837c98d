"""Turn raw runs into the published figures, the same-run ratios, and the targets' verdicts."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from benchmarks.architectures import ORCHESTRA, SINGLE, SUPERVISOR
from graph.testing import estimate_tokens
from nodes.specialists.spec import planner_menu

Run = dict[str, Any]


def median(values: Iterable[float]) -> float | None:
    """Return the median, or None for no values."""
    data = list(values)
    return statistics.median(data) if data else None


def p95(values: Iterable[float]) -> float | None:
    """Return the 95th percentile (nearest rank), or None for no values."""
    data = sorted(values)
    return data[min(len(data) - 1, int(0.95 * len(data)))] if data else None


def _calls(runs: Sequence[Run], kinds: Sequence[str] = ()) -> list[dict[str, Any]]:
    return [c for r in runs for c in r["calls"] if c["ok"] and (not kinds or c["kind"] in kinds)]


def architecture_figures(zero: Sequence[Run], sqlite: Sequence[Run], arch: str) -> dict[str, Any]:
    """Return one architecture's figures from the zero-latency and SQLite passes."""
    first = [r for r in zero if r["arch"] == arch and r["repeat"] == 0]
    clean = [r for r in first if r["kind"] != "failure"]
    calls = _calls(clean)
    tokens = [c["input_tokens"] for c in calls]
    specialist = [c["input_tokens"] for c in _calls(clean, ("specialist",))]
    per_repeat = []
    for repeat in sorted({r["repeat"] for r in zero}):
        rs = [
            r
            for r in zero
            if r["arch"] == arch and r["repeat"] == repeat and r["kind"] != "failure"
        ]
        n_calls = sum(len(_calls([r])) for r in rs)
        per_repeat.append(
            {
                "framework_s": sum(r["framework_s"] for r in rs),
                "delegations": sum(r["delegations"] for r in rs),
                "calls": n_calls,
            }
        )
    bytes_source = first if arch == ORCHESTRA else [r for r in sqlite if r["arch"] == arch]
    return {
        "tasks": len(first),
        "answered": sum(r["answered"] for r in first),
        "model_calls_total": len(_calls(first)),
        "model_calls_per_task_median": median(len(_calls([r])) for r in clean),
        "prompt_tokens_per_call_median": median(tokens),
        "prompt_tokens_per_call_p95": p95(tokens),
        "specialist_prompt_tokens_median": median(specialist),
        "prompt_tokens_per_task_median": median(
            sum(c["input_tokens"] for c in _calls([r])) for r in clean
        ),
        "tools_per_call_median": median(c["tools"] for c in calls),
        "tools_per_call_max": max((c["tools"] for c in calls), default=0),
        "specialist_tools_per_call_max": max(
            (c["tools"] for c in _calls(clean, ("specialist",))), default=None
        ),
        "overhead_ms_per_delegation": median(
            1000 * p["framework_s"] / p["delegations"] for p in per_repeat if p["delegations"]
        ),
        "overhead_ms_per_model_call": median(
            1000 * p["framework_s"] / p["calls"] for p in per_repeat if p["calls"]
        ),
        "checkpoint_bytes_per_run_median": median(
            r["checkpoint_bytes"] for r in bytes_source if r["checkpoint_bytes"] is not None
        ),
    }


def failure_figures(zero: Sequence[Run], sqlite: Sequence[Run]) -> list[dict[str, Any]]:
    """Return, per failure task, architecture and recovery: stops and repeated calls."""
    rows = []
    seen = set()
    for r in [*zero, *sqlite]:
        key = (r["task"], r["arch"], r["recovery"])
        if r["kind"] != "failure" or r["repeat"] != 0 or key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "task": r["task"],
                "arch": r["arch"],
                "recovery": r["recovery"],
                "stops": r["stops"],
                "repeated_calls": r["repeats"],
                "failed_calls": r["failed_calls"],
                "answered": r["answered"],
            }
        )
    return rows


def parallel_figures(latency: Sequence[Run]) -> list[dict[str, Any]]:
    """Return, per parallel task, each architecture's median wall time and the critical path."""
    rows = []
    for task in sorted({r["task"] for r in latency}):
        rs = [r for r in latency if r["task"] == task]
        row: dict[str, Any] = {"task": task}
        for arch in (ORCHESTRA, SINGLE, SUPERVISOR):
            row[arch] = median(r["wall_s"] for r in rs if r["arch"] == arch)
        row["critical_path"] = median(
            r["critical_path_s"] for r in rs if r["arch"] == ORCHESTRA and r["critical_path_s"]
        )
        row["ratio"] = median(
            r["wall_s"] / r["critical_path_s"]
            for r in rs
            if r["arch"] == ORCHESTRA and r["critical_path_s"]
        )
        rows.append(row)
    return rows


def overhead_ratio(zero: Sequence[Run]) -> float | None:
    """Return the median over repeats of Orchestra's overhead per delegation / the supervisor's."""
    ratios = []
    for repeat in sorted({r["repeat"] for r in zero}):
        per: dict[str, float] = {}
        for arch in (ORCHESTRA, SUPERVISOR):
            rs = [
                r
                for r in zero
                if r["arch"] == arch and r["repeat"] == repeat and r["kind"] != "failure"
            ]
            delegations = sum(r["delegations"] for r in rs)
            if delegations:
                per[arch] = sum(r["framework_s"] for r in rs) / delegations
        if per.get(ORCHESTRA) and per.get(SUPERVISOR):
            ratios.append(per[ORCHESTRA] / per[SUPERVISOR])
    return median(ratios)


def scaling_figures(scaling: Sequence[Run]) -> list[dict[str, Any]]:
    """Return, per registry size and architecture, the median prompt per call by kind."""
    rows = []
    for size in sorted({r["size"] for r in scaling}):
        for arch in sorted({r["arch"] for r in scaling}):
            rs = [
                r for r in scaling if r["size"] == size and r["arch"] == arch and r["repeat"] == 0
            ]
            row: dict[str, Any] = {"size": size, "arch": arch}
            for kind in ("planner", "specialist", "finalizer", "single_agent", "supervisor"):
                row[kind] = median(c["input_tokens"] for c in _calls(rs, (kind,)))
                row[f"{kind}_tools"] = max((c["tools"] for c in _calls(rs, (kind,))), default=None)
            row["all"] = median(c["input_tokens"] for c in _calls(rs))
            rows.append(row)
    return rows


def menu_line_tokens() -> float:
    """Return the tokens one synthetic specialist adds to the planner's menu."""
    from benchmarks.synthetic import synthetic_team

    return estimate_tokens(planner_menu(synthetic_team(64))) / 64
