"""What a stopped run left behind: steps still `running` with no run under them, or waiting.

A new turn settles them (nodes/superseding.py) from what the Archive holds: a step that
finished files its report before its writes reach the checkpoint (new input drops a stopped
run's pending writes), and a step whose run was cancelled or drained under it files a stop
record (nodes/specialist/stopping.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from state.archive import Archive
from state.graph_state import OrchestraState
from state.ledger import StepRecord
from state.reports import Report
from state.stops import UNRECORDED, stop

# The statuses a turn that did not finish can leave its steps in.
OPEN = ("waiting", "drained", "needs_review", "running")
ENDED = ("done", "failed", "over_budget")


@dataclass
class Leftovers:
    """What the Archive holds of the steps a stopped run left `running` or waiting."""

    # Their stop records (cancelled, drained), with what each had spent.
    stops: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # The reports they filed before the run stopped.
    reports: Mapping[str, dict[str, Any]] = field(default_factory=dict)


def unsettled_keys(state: OrchestraState) -> list[str]:
    """Return the steps an unfinished turn left `running`, or waiting on their approval."""
    if state.get("status") != "running":
        return []
    ledger = state.get("ledger", {})
    return [k for k, r in ledger.items() if r.get("status") in OPEN]


def read_leftovers(archive: Archive, keys: list[str]) -> Leftovers:
    """Return the Archive's stop records and the steps' filed reports (sync face)."""
    found = {key: archive.report(key) for key in keys}
    return Leftovers(archive.stops(), {k: v for k, v in found.items() if v})


async def aread_leftovers(archive: Archive, keys: list[str]) -> Leftovers:
    """Return the Archive's stop records and the steps' filed reports (async face)."""
    found = {key: await archive.areport(key) for key in keys}
    return Leftovers(await archive.astops(), {k: v for k, v in found.items() if v})


@dataclass
class StepSettled:
    """An open step of a superseded turn, settled: its ledger change and report card."""

    change: dict[str, Any]
    card: dict[str, Any] | None = None
    # Its stop record is done with: the step's turn is over.
    closed: bool = False
    # Its report as the Archive keeps it, filed again to agree with its record.
    refiled: dict[str, Any] | None = None


def settle_step(
    rec: StepRecord,
    found: Leftovers,
    card: Mapping[str, Any] | None,
    message: str,
    why: str,
    at: str,
    started: float = 0.0,
) -> StepSettled:
    """Settle one open step of a turn a new message supersedes."""
    filed = found.reports.get(rec.key) or {}
    item = found.stops.get(rec.key)
    if item is not None and item.get("time", 0) < started:
        item = None  # left by a run the thread no longer holds (rolled back)
    # A step dispatch started after its last checkpoint is still `waiting` there; its
    # record (a stop, or its finish) says it ran.
    ran = rec.status == "running" or item is not None
    if ran and filed.get("status") in ENDED:
        # It finished before its run stopped: its report counts (and is offered).
        closed = rec.key in found.stops
        if filed["status"] == "done":
            return StepSettled({"status": "done"}, card_of(filed), closed)
        error = str(filed.get("error") or "failed")
        return StepSettled(
            {"status": "failed", "error": error, "failures": [error]}, card_of(filed), closed
        )
    if ran and filed.get("status") != "needs_review":
        # Its run stopped under it: cancelled (or drained), as its stop record says; what
        # it had spent joins the turn's reports, so it is counted once.
        stops = (item or {}).get("stops") or [stop("cancelled", f"{UNRECORDED}; {why}", at)]
        change = {"status": stops[-1]["status"], "stops": stops}
        return StepSettled(change, item["report"] if item else None, item is not None)
    settled = StepSettled({"status": "superseded", "stops": [stop("superseded", why, at)]})
    if filed:
        # The report it filed while it waited says so too: one step, one status.
        settled.refiled = {**filed, "status": "superseded"}
        settled.card = card = card_of(settled.refiled)
    if rec.status == "needs_review" or filed:
        # The approval it waited for (or was about to) is rejected with the message.
        actions = ((card or {}).get("review") or {}).get("action_requests", [])
        settled.change["decisions"] = [{"type": "reject", "message": message} for _ in actions]
    return settled


def card_of(item: Mapping[str, Any]) -> dict[str, Any]:
    """Return a filed report as the card the state keeps."""
    return Report(**{n: item[n] for n in Report.model_fields if n in item}).card()
