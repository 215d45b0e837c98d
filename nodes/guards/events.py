"""A turn's guardrail trips, as the views show them: the orchestrator's stages and each step's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STAGE_ORDER = ("input", "plan", "tool_output", "report", "answer")


def turn_events(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return this turn's trips: the question's, the plan's, each step's, then the answer's."""
    turn = values.get("turn", 0)
    found = [dict(e) for e in values.get("guardrails") or [] if e.get("turn", turn) == turn]
    for key, report in (values.get("reports") or {}).items():
        # A reused report's trips belong to the turn that ran it.
        for event in report.get("guardrails") or []:
            if event.get("turn", turn) == turn:
                found.append({**event, "step": event.get("step") or key})
    return sorted(found, key=lambda e: STAGE_ORDER.index(e.get("stage", "answer")))


def thread_events(
    values: Mapping[str, Any],
    steps: Mapping[str, Mapping[str, Any]],
    trips: Mapping[int, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Return every turn's trips: earlier turns' from the Archive, then this turn's."""
    turn = values.get("turn", 0)
    found: list[dict[str, Any]] = []
    for earlier, events in sorted(trips.items()):
        if earlier != turn:
            found += events
    for key, step in steps.items():
        report = step.get("report") or {}
        if int(step.get("record", {}).get("turn", 0)) != turn:
            found += [{**e, "step": e.get("step") or key} for e in report.get("guardrails") or []]
    found += turn_events(values)
    return sorted(found, key=lambda e: (e.get("turn", 0), STAGE_ORDER.index(e["stage"])))
