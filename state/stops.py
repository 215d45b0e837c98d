"""Why a step stopped before it finished: superseded, cancelled or drained, when and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

StopStatus = Literal["superseded", "cancelled", "drained"]
STOPPED: frozenset[str] = frozenset({"superseded", "cancelled", "drained"})
# Shown when nothing recorded why a run stopped under a step (a kill leaves no word).
UNRECORDED = "the run stopped before the step finished"
CANCELLED = "the run was cancelled before the step finished"
QUOTED_CHARS = 200


def now() -> str:
    """Return the time now, as the ledger records it (ISO 8601, UTC, to the second)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def stop(status: StopStatus, why: str, at: str | None = None) -> dict[str, Any]:
    """Return one entry of a step's stops: what stopped it, when and why."""
    return {"status": status, "at": at or now(), "why": why}


def superseded_by(message: str) -> str:
    """Return why a waiting request was superseded: the user's new message, quoted."""
    text = " ".join(message.split())
    if len(text) > QUOTED_CHARS:
        text = text[:QUOTED_CHARS] + "…"
    return f"a new message came: {text!r}"


def drained_by(reason: str) -> str:
    """Return why a drained step stopped: the reason the drain was asked for."""
    return f"a drain was requested ({reason})"


def drained(reason: str) -> dict[str, Any]:
    """Return the ledger change of a ready step a drain kept from starting."""
    return {"status": "drained", "stops": [stop("drained", drained_by(reason))]}


def drain_asked(control: Any) -> str | None:
    """Return why a drain was asked for in a run's control (LangGraph's RunControl), if one was."""
    return control.drain_reason if control is not None and control.drain_requested else None


def last_stop(record: dict[str, Any]) -> dict[str, Any] | None:
    """Return a ledger record's latest stop, or None."""
    stops = record.get("stops") or []
    return dict(stops[-1]) if stops else None
