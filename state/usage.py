"""What a thread has spent: the one place where usage is summed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from state.ledger import read_ledger
from state.reports import Usage, read_reports


def add_turn_usage(
    left: dict[str, dict[str, int]] | None, right: dict[str, dict[str, int]] | None
) -> dict[str, dict[str, int]]:
    """Sum usage counters per turn (keyed by the turn's number as text)."""
    merged = _per_turn(left or {})
    for turn, counts in (right or {}).items():
        into = merged.setdefault(turn, {})
        for name, value in counts.items():
            into[name] = into.get(name, 0) + value
    return merged


def _per_turn(counts: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Return per-turn counters; a thread from before they were per turn keeps its total."""
    if any(not isinstance(value, Mapping) for value in counts.values()):
        return {"earlier": {k: int(v) for k, v in counts.items()}}
    return {turn: dict(value) for turn, value in counts.items()}


def spent(values: Mapping[str, Any], turn: int | None = None) -> Usage:
    """Return the usage of one turn, or of the whole thread: orchestrator and step runs."""
    total = Usage()
    for key, counts in _per_turn(values.get("orchestrator_usage") or {}).items():
        if turn is None or key == str(turn):
            total = total + Usage(**counts)
    raw = values.get("reports") or {}
    # A reused step ran in an earlier turn: its cost was counted there. Only the reports
    # counted are parsed, so the per-turn budget check does not read the whole thread's.
    counted = {
        key: raw[key]
        for key, rec in read_ledger(values.get("ledger") or {}).items()
        if rec.status != "reused" and key in raw and turn in (None, rec.turn)
    }
    for report in read_reports(counted).values():
        total = total + report.usage
    return total


def folded(values: Mapping[str, Any], turn: int) -> dict[str, dict[str, int]]:
    """Return the usage channel for a new turn: every earlier turn summed under "earlier"."""
    # Earlier turns' reports leave the state with the turn; their cost stays in the total.
    earlier = Usage()
    current: dict[str, dict[str, int]] = {}
    for key, counts in _per_turn(values.get("orchestrator_usage") or {}).items():
        if key == str(turn):
            current[key] = dict(counts)
        else:
            earlier = earlier + Usage(**counts)
    raw = values.get("reports") or {}
    gone = {
        key: raw[key]
        for key, rec in read_ledger(values.get("ledger") or {}).items()
        if rec.status != "reused" and key in raw and rec.turn != turn
    }
    for report in read_reports(gone).values():
        earlier = earlier + report.usage
    return {"earlier": earlier.model_dump(), **current}


def failed_usage(records: Sequence[Mapping[str, Any]]) -> Usage:
    """Return what a thread's failed orchestrator calls spent."""
    total = Usage()
    for record in records:
        total = total + Usage(**record.get("usage", {}))
    return total
