"""What the orchestrator sees of earlier turns: the rolling summary and the relevant reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from state.recall import rank
from state.reports import Report

REPORT_CHARS = 300


def history_reports(
    steps: Mapping[str, Mapping[str, Any]], state: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Return the finished reports the thread's own history holds, by step.

    Earlier turns' steps are in the Archive (filed as each turn ends), the last turn's still in
    the state; a report that only a rolled-back run filed is in neither, so it is never offered.
    """
    found = {key: (step.get("record") or {}, step.get("report")) for key, step in steps.items()}
    cards = state.get("reports") or {}
    found.update({key: (rec, cards.get(key)) for key, rec in (state.get("ledger") or {}).items()})
    return {
        key: {**card, "objective": rec.get("objective", ""), "turn": rec.get("turn", 0)}
        for key, (rec, card) in found.items()
        if card and rec.get("status") == "done"
    }


def offered_reports(
    items: Mapping[str, Mapping[str, Any]], question: str, turn: int, k: int
) -> dict[str, dict[str, Any]]:
    """Return up to k earlier finished reports: the most relevant, then the last turn's."""
    earlier = {
        key: dict(item)
        for key, item in items.items()
        if int(item.get("turn", 0)) < turn and item.get("status") == "done"
    }
    docs = {
        key: f"{item.get('objective', '')}\n{item.get('summary', '')}"
        for key, item in earlier.items()
    }
    chosen = rank(question, docs, k)
    # A follow-up ("and by region?") shares few words with what it follows: the last turn's
    # reports fill what retrieval leaves.
    last = max((int(item["turn"]) for item in earlier.values()), default=0)
    for key in sorted(earlier):
        if len(chosen) >= k:
            break
        if int(earlier[key]["turn"]) == last and key not in chosen:
            chosen.append(key)
    return {key: earlier[key] for key in chosen}


def render_offered(offered: Mapping[str, Mapping[str, Any]]) -> str:
    """Render the offered reports for the planner, one line each."""
    if not offered:
        return ""
    lines = [
        f"- {key} ({item.get('specialist', '')}) {item.get('objective', '')}: "
        f"{str(item.get('summary', ''))[:REPORT_CHARS]}"
        for key, item in offered.items()
    ]
    return "Earlier reports you may reuse (by key):\n" + "\n".join(lines) + "\n\n"


def render_summary(summary: str) -> str:
    """Render the rolling summary of earlier turns, or nothing on a thread's first turn."""
    return f"Earlier in this conversation:\n{summary}\n\n" if summary else ""


def reused_card(item: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Return an archived report as the card of the step that reuses it."""
    fields = {name: item[name] for name in Report.model_fields if name in item}
    return Report(**{**fields, "step_key": key}).card()
