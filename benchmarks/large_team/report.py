"""RESULTS.md's large-team section and its targets."""

from __future__ import annotations

from typing import Any


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the large-team targets: prompt within 1.2x of 8, recall, selection time."""
    by_size = {r["size"]: r for r in rows}
    base = by_size[8]["planner_tokens_median"]
    out = []
    for size in (64, 256):
        ratio = round(by_size[size]["planner_tokens_median"] / base, 2)
        out.append(
            {
                "target": f"planner prompt with {size} specialists ≤ 1.2 × with 8",
                "value": ratio,
                "pass": ratio <= 1.2,
            }
        )
    for size, floor in ((64, 0.95), (256, 0.90)):
        recall = by_size[size]["recall"]
        out.append(
            {
                "target": f"recall@k of the labelled specialists, {size} specialists ≥ {floor}",
                "value": recall,
                "pass": recall is not None and recall >= floor,
            }
        )
    ms = by_size[256]["selection_ms_p95"]
    out.append(
        {"target": "menu selection < 20 ms at 256 (p95)", "value": f"{ms} ms", "pass": ms < 20}
    )
    return out


def section(rows: list[dict[str, Any]]) -> list[str]:
    """Return the markdown for the large-team section."""
    lines = [
        "## Large teams: the planner's menu (generated team, held-out requests)",
        "",
        "| specialists | held-out requests | menu (k) | recall@k | planner prompt tokens "
        "(median) | selection ms (median / p95) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['requests']} | {r['k']} | {r['recall']} | "
            f"{r['planner_tokens_median']:,} | {r['selection_ms_median']} / "
            f"{r['selection_ms_p95']} |"
        )
    lines += [
        "",
        "The team (benchmarks/large_team/team.json) is 64 domains × 4 roles; specialists of a "
        "domain share its words, some words belong to several domains, and all share generic "
        "ones. Requests (requests.json, test split) come from other templates, with intents in "
        "other words and domain words no description holds. Above `menu_threshold` (12) the "
        "planner is offered the `menu_size` (8) best matches by BM25 (SQLite FTS5 in memory) "
        "plus always-on specialists; prompt tokens include the Plan tool's schema.",
        "",
    ]
    return lines
