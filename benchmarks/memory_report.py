"""RESULTS.md's memory section and its targets."""

from __future__ import annotations

from typing import Any

TOKEN_GOAL, RECALL_GOAL_MS = 1.10, 50.0


def token_ratio(figures: dict[str, Any]) -> float:
    """Return the tokens a turn spends with memory on, over memory off."""
    return round(figures["on"]["tokens_per_turn"] / figures["off"]["tokens_per_turn"], 3)


def targets(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the memory targets: tokens per turn, and recall at scale on Postgres."""
    ratio = token_ratio(figures)
    out = [
        {
            "target": f"tokens per turn with memory ≤ {TOKEN_GOAL:.2f} × without (sample dataset)",
            "value": ratio,
            "pass": ratio <= TOKEN_GOAL,
        }
    ]
    for row in figures.get("recall", []):
        if row["store"].startswith("Postgres"):
            out.append(
                {
                    "target": f"recall among {row['memories']:,} memories of one user, "
                    f"p95 < {RECALL_GOAL_MS:g} ms (Postgres)",
                    "value": f"{row['ms_p95']} ms",
                    "pass": row["ms_p95"] < RECALL_GOAL_MS,
                }
            )
    return out


def section(figures: dict[str, Any]) -> list[str]:
    """Return the markdown for the memory section."""
    on, off = figures["on"], figures["off"]
    lines = [
        "## Memory across threads: what a turn spends on it, and recall at scale",
        "",
        f"The sample dataset asked by one user ({on['turns']} turns, each example a new "
        "thread, SQLite, the scripted stand-in), with memory off, on, and on after every turn.",
        "",
        "| memory | tokens per turn | model calls per turn | seconds per turn (p50 / mean) "
        "| memories at the end |",
        "|---|---:|---:|---:|---:|",
    ]
    every = figures["every turn"]
    rows = (("off", off), ("on (the default)", on), ("on, every turn (`memory_findings`)", every))
    for name, row in rows:
        lines.append(
            f"| {name} | {row['tokens_per_turn']:,.0f} | {row['calls_per_turn']:.2f} | "
            f"{row['seconds_p50']:.3f} / {row['seconds_mean']:.3f} | {row['memories']} |"
        )
    every_ratio = every["tokens_per_turn"] / off["tokens_per_turn"]
    lines += [
        "",
        f"Memory on spends {token_ratio(figures):.3f}× the tokens of memory off per turn: the "
        "recalled memories in the planner's request and the briefs of the steps given them "
        "(up to `memory_tokens`, 300), and the memory call after a turn whose message said "
        f"more than a question ({on['extraction_input_tokens']:,.0f} prompt tokens a turn, "
        f"averaged over all turns). Calling it after every turn, to keep every answer's "
        f"findings, costs {every_ratio:.3f}× ({every['extraction_input_tokens']:,.0f} prompt "
        "tokens a turn). With a real model the call adds one model call's latency to the "
        "run, after the answer is written and streamed.",
    ]
    if figures.get("recall"):
        lines += [
            "",
            "| store | memories of one user | recalls timed | ms p50 | ms p95 | recalled (k = 6) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for row in figures["recall"]:
            lines.append(
                f"| {row['store']} | {row['memories']:,} | {row['queries']} | {row['ms_p50']} "
                f"| {row['ms_p95']} | {row['recalled_mean']} |"
            )
        lines += [
            "",
            "Recall is the plan node's: `MemoryBank.arecall(question, 6)` for each of the "
            "sample's questions, three times, after a warm-up. Without embeddings (and here: "
            "this Postgres has no pgvector) Postgres ranks by its full-text search over a "
            "generated column of the Store's table (GIN-indexed); SQLite reads the user's "
            "memories and ranks them with BM25 (FTS5), which grows with their number.",
        ]
    if figures.get("recall_note"):
        lines += ["", figures["recall_note"]]
    return lines
