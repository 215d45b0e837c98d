"""RESULTS.md's long-conversation sections, their targets, and the per-turn plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SUPERVISOR_ROW = "supervisor (in-memory)"


def _turn(rows: list[dict[str, Any]], turn: int) -> dict[str, Any] | None:
    return next((r for r in rows if r["turn"] == turn), None)


def growth_figures(long: dict[str, Any]) -> dict[str, Any]:
    """Return the ratios the targets name: planner prompt 30:2, checkpoint growth 29:3."""
    rows = long["turns"]
    two, three = _turn(rows, 2), _turn(rows, 3)
    # Turn 30 asks again what turn 1 found and reuses it: it runs one step, not two. The
    # last turn of ordinary work before it is the fair comparison for storage.
    late = max(
        (r for r in rows if r["turn"] <= 30 and r["turn"] not in long["recall_at"]),
        key=lambda r: r["turn"],
        default=None,
    )
    thirty = _turn(rows, 30) or late
    return {
        "planner_30_to_2": round(thirty["planner_tokens"] / two["planner_tokens"], 2)
        if thirty and two
        else None,
        "planner_max_to_2": round(max(r["planner_tokens"] for r in rows) / two["planner_tokens"], 2)
        if two
        else None,
        "growth_late_to_3": round(late["checkpoint_bytes"] / three["checkpoint_bytes"], 2)
        if late and three
        else None,
        "late_turn": late["turn"] if late else None,
        "checkpoint_bytes_per_delegation": round(
            sum(r["checkpoint_bytes"] for r in rows[1:]) / max(1, 2 * (len(rows) - 1))
        ),
        "store_bytes_per_delegation": round(
            sum(r["store_bytes"] for r in rows[1:]) / max(1, 2 * (len(rows) - 1))
        ),
    }


def targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the long-conversation targets with their measured values."""
    growth, listing = data["growth"], data["long"]["listing"]
    return [
        {
            "target": "planner prompt at turn 30 ≤ 1.5 × turn 2",
            "value": growth["planner_30_to_2"],
            "pass": growth["planner_30_to_2"] is not None and growth["planner_30_to_2"] <= 1.5,
        },
        {
            "target": f"checkpoint growth at turn {growth['late_turn']} ≤ 1.2 × turn 3",
            "value": growth["growth_late_to_3"],
            "pass": growth["growth_late_to_3"] is not None and growth["growth_late_to_3"] <= 1.2,
        },
        *delegation_targets(data["delegation"].get("by_backend") or {}),
        {
            "target": "deterministic guardrails ≤ 1.05 × none per delegation (one of each kind)",
            "value": data["delegation"]["guardrail_overhead"]["every check"],
            "pass": data["delegation"]["guardrail_overhead"]["every check"] <= 1.05,
        },
        {
            "target": f"`threads` over {listing['threads']} threads × {listing['turns']} turns "
            "well under 1 s",
            "value": f"{listing['threads_ms']} ms",
            "pass": listing["threads_ms"] < 250,
        },
    ]


# Per delegation, against what LangGraph itself costs for this shape on the same back end
# (benchmarks/floor.py), and against the faster supervisor on each back end.
FLOOR_GOALS = {"in-memory": 1.2, "Postgres": 1.15}


def delegation_targets(by_backend: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the per-delegation targets: near the floor, ahead of the supervisors."""
    out = []
    for backend, goal in FLOOR_GOALS.items():
        value = (by_backend.get(backend) or {}).get("to_floor")
        out.append(
            {
                "target": f"per delegation ({backend}) ≤ {goal} × LangGraph's floor there "
                "(step subgraphs, a review node, calls as tasks)",
                "value": value,
                "pass": value is not None and value <= goal,
            }
        )
    for backend, ratios in by_backend.items():
        value = ratios.get("to_faster_supervisor")
        out.append(
            {
                "target": f"per delegation ({backend}) < the faster supervisor there",
                "value": value,
                "pass": value is not None and value < 1.0,
            }
        )
    return out


def section(data: dict[str, Any]) -> list[str]:
    """Return the markdown for the long-conversation and per-delegation sections."""
    long, growth, deleg = data["long"], data["growth"], data["delegation"]
    listing = long["listing"]
    lines = [
        f"## Long conversation: turns 1–{len(long['turns'])} (two steps a turn, SQLite)",
        "",
        "![planner tokens, checkpoint bytes and time per turn](long_thread.png)",
        "",
        "| turn | planner prompt tokens | checkpoint bytes added | Store bytes added | ms |",
        "|---|---|---|---|---|",
    ]
    for r in long["turns"]:
        if r["turn"] in (1, 2, 3, 5, 10, 20, 29, 30, 40, 49, 50):
            lines.append(
                f"| {r['turn']} | {r['planner_tokens']:,} | {r['checkpoint_bytes']:,} | "
                f"{r['store_bytes']:,} | {r['ms']} |"
            )
    lines += [
        "",
        f"Planner prompt, turn 30 : turn 2 = {growth['planner_30_to_2']} (largest turn : "
        f"turn 2 = {growth['planner_max_to_2']}); checkpoint growth, turn "
        f"{growth['late_turn']} : turn 3 = {growth['growth_late_to_3']}. Per delegation: "
        f"{growth['checkpoint_bytes_per_delegation']:,} checkpoint bytes and "
        f"{growth['store_bytes_per_delegation']:,} Store bytes."
        + (
            f" Turns {', '.join(map(str, long['recall_at']))} ask again what turn 1 found: "
            "the planner gets that report by retrieval and reuses it (one step, not two)."
            if long["recall_at"]
            else ""
        ),
        "",
        f"Listing {listing['threads']} threads of {listing['turns']} turns "
        f"({listing['checkpoints']:,} checkpoints): `threads` {listing['threads_ms']} ms in "
        f"process, `orchestra threads` {listing['threads_command_s']} s as a command "
        f"(interpreter start included); `show` of one thread ({listing['show_steps']} steps) "
        f"{listing['show_ms']} ms.",
        "",
        "## Per delegation, as a user sees it",
        "",
        f'`await graph.ainvoke(...)`, `durability="sync"`, zero-latency scripted model, a '
        f"fresh thread per run, {deleg['runs']} runs after {deleg['warm_ups']} warm-ups, the "
        "contenders taking turns run by run; one request delegates twice (median ms / 2). "
        "Every system has the same two workers, each with the same three no-op tools, one of "
        "which it calls before it answers: langgraph-supervisor (hand-offs), LangChain's "
        "tool-calling supervisor (`create_agent`, each worker an agent behind a tool) and "
        "Orchestra. The two LangGraph floors (benchmarks/floor.py) are the leanest durable "
        "orchestrator on LangGraph for the same request: plan, one node per worker in "
        "parallel, answer, each worker's model and tool calls LangGraph tasks; the second "
        "runs each worker as a one-node subgraph and adds a review node, as Orchestra does. "
        "They have no ledger, reports, guardrails or budgets: they show what LangGraph "
        "itself costs. On SQLite and Postgres the floor runs on Orchestra's own savers (the "
        "pooled one on Postgres), the supervisors on the stock `AsyncSqliteSaver` and "
        "`AsyncPostgresSaver`.",
        "",
        "| back end | Orchestra × the floor there | Orchestra × the faster supervisor there |",
        "|---|---|---|",
        *(
            f"| {backend} | {r.get('to_floor') or '–'} | {r.get('to_faster_supervisor') or '–'} |"
            for backend, r in (deleg.get("by_backend") or {}).items()
        ),
        "",
        "| contender | ms per delegation | × the faster supervisor (in-memory) |",
        "|---|---|---|",
    ]
    guards = deleg["guardrail_overhead"]
    for name, ms in deleg["ms_per_delegation"].items():
        ratio = deleg["ratio_to_fastest_supervisor"].get(name, "–")
        lines.append(f"| {name} | {ms} | {ratio} |")
    lines += [
        "",
        "The framework's own time per delegation (the same runs again, each less the time "
        "inside model calls and no-op tools as LangChain's callbacks see it): "
        + ", ".join(
            f"{k} {v} ms ({deleg['framework_ratio_to_fastest_supervisor'].get(k, '–')}×)"
            for k, v in deleg["framework_ms_per_delegation"].items()
        )
        + ".",
        "",
        "Checkpoint bytes written per delegation: "
        + ", ".join(f"{k} {v:,}" for k, v in deleg["checkpoint_bytes_per_delegation"].items())
        + ". "
        + " ".join(deleg["notes"]),
        "",
        "Deterministic guardrails (in memory, against the same graph with none): the two the "
        f"built-in team ships {guards['shipped two']}×, one of each kind at every stage it can "
        f"guard {guards['every check']}× (no model call; no trip on this request).",
        "",
        f"Profile of the step: {data.get('profile', 'not recorded')} (py-spy flame graph).",
        "",
    ]
    return lines


def plot(long: dict[str, Any], path: Path) -> None:
    """Plot planner tokens, checkpoint bytes and ms per turn."""
    rows = long["turns"]
    turns = [r["turn"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    series = (
        ("planner prompt tokens", "planner_tokens"),
        ("checkpoint KB added", "checkpoint_bytes"),
        ("ms per turn", "ms"),
    )
    for ax, (label, key) in zip(axes, series, strict=True):
        scale = 1024 if key == "checkpoint_bytes" else 1
        ax.plot(turns, [r[key] / scale for r in rows], marker=".")
        ax.set_xlabel("turn")
        ax.set_title(label)
        ax.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
