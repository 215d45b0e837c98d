"""A run as a user sees it: status, answer, per-step ledger and usage, from a snapshot."""

from __future__ import annotations

from asyncio import CancelledError
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nodes.guards.events import turn_events
from state.ledger import read_ledger
from state.reports import Report, read_reports
from state.usage import failed_usage, spent
from tools.secrets import redact

# A step dispatch started after its last checkpoint may still be `waiting` (or `drained`).
IN_DISPATCH = ("running", "waiting", "drained")

if TYPE_CHECKING:
    from langgraph.types import StateSnapshot

    from graph.cli.thread_state import Snapshot


def run_status(snapshot: StateSnapshot | Snapshot, stopped: Mapping[str, Any] | None = None) -> str:
    """Return done, interrupted, cancelled or drained (a step stopped), or failed (resumable)."""
    if snapshot.interrupts:
        return "interrupted"
    if snapshot.next:
        ledger = snapshot.values.get("ledger", {})
        pending = {task.id for task in snapshot.tasks}
        marks = [
            item["stops"][-1]["status"]
            for key, item in (stopped or {}).items()
            if ledger.get(key, {}).get("status") in IN_DISPATCH
            and item.get("task") in pending
            and item.get("stops")
        ]
        marks += [r["status"] for r in ledger.values() if r.get("status") == "drained"]
        return marks[-1] if marks else "failed"
    return "done" if snapshot.values.get("status") == "done" else "failed"


def stopped_view(
    snapshot: StateSnapshot | Snapshot, stopped: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, Any]:
    """Return the values with each step its stopped run left `running` shown as it stopped.

    A step that finished in the superstep the run stopped in shows its report (its writes
    wait in the checkpoint for the superstep's end). A stop record (nodes/specialist/
    stopping.py) says when, why, and what a stopped step had spent; the ledger hears of it
    when the step runs again or a new turn settles it.
    """
    values = snapshot.values or {}
    ledger, reports = dict(values.get("ledger", {})), dict(values.get("reports", {}))
    for task in snapshot.tasks:
        for key, card in ((task.result or {}).get("reports") or {}).items():
            if ledger.get(key, {}).get("status") == "running" and card.get("status") == "done":
                ledger[key], reports[key] = {**ledger[key], "status": "done"}, card
    # Only the stop of a task still pending here (a rolled-back run's records stay behind).
    pending = {task.id for task in snapshot.tasks}
    for key, item in (stopped or {}).items():
        if ledger.get(key, {}).get("status") in IN_DISPATCH and item.get("task") in pending:
            if item.get("finished"):
                # It finished inside the dispatch the run stopped in: its report stands.
                ledger[key] = {**ledger[key], "status": item["report"]["status"]}
                reports[key] = item["report"]
                continue
            last = item["stops"][-1]
            ledger[key] = {**ledger[key], "status": last["status"], "stops": item["stops"]}
            reports.setdefault(key, item["report"])
    return {**values, "ledger": ledger, "reports": reports}


def step_rows(
    values: dict[str, Any], archived: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Return one row per step: ledger fields plus its report's usage, timing and tools."""
    # Earlier turns' steps come from the thread's Archive, this turn's from the state.
    earlier = {k: v for k, v in (archived or {}).items() if k not in values.get("ledger", {})}
    ledger = {**{k: v["record"] for k, v in earlier.items()}, **values.get("ledger", {})}
    cards = {k: v["report"] for k, v in earlier.items() if v.get("report")}
    reports = read_reports({**cards, **values.get("reports", {})})
    rows = []
    ordered = sorted(read_ledger(ledger).items(), key=lambda kv: kv[1].turn)
    for key, rec in ordered:
        report = reports.get(key) or Report(
            step_key=key, specialist=rec.specialist, status="failed"
        )
        rows.append(
            {
                "key": key,
                "turn": rec.turn,
                "id": rec.id,
                "specialist": rec.specialist,
                "objective": rec.objective,
                "depends_on": rec.depends_on,
                "status": rec.status,
                "attempts": rec.attempts,
                "model_attempts": report.model_attempts,
                "seconds": report.seconds,
                "usage": report.usage.model_dump(),
                "tools": [t.name for t in report.tools_called],
                "artifacts": report.artifacts,
                "sources": report.sources,
                "reused_from": rec.reused_from,
                "remote_thread_id": report.remote_thread_id,
                "error": rec.error or report.error,
                # When and why it stopped unfinished: superseded, cancelled, drained.
                "stops": rec.stops,
            }
        )
    return rows


def exception_text(error: Any) -> str:
    """Return a failed task's error whole: its kind and its message."""
    return f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)


def summarize(
    thread_id: str,
    snapshot: StateSnapshot | Snapshot,
    archived: Mapping[str, Mapping[str, Any]] | None = None,
    stopped: Mapping[str, Mapping[str, Any]] | None = None,
    failed: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Return the run as the `--json` object (earlier turns' steps, stop records when given).

    `failed` are the calls of orchestrator nodes that failed (nodes/failed_calls.py): their
    usage joins the thread's, and they are listed with their attempts' errors.
    """
    status = run_status(snapshot, stopped)
    values = stopped_view(snapshot, stopped) if snapshot.next else snapshot.values or {}
    messages = values.get("messages", [])
    answer = (
        messages[-1].text if status == "done" and messages and messages[-1].type == "ai" else ""
    )
    summary: dict[str, Any] = {
        "thread_id": thread_id,
        "status": status,
        "answer": answer,
        "turn": values.get("turn", 0),
        "steps": step_rows(values, archived),
        "usage": (spent(values) + failed_usage(failed)).model_dump(),
        "guardrails": turn_events(values),
    }
    if values.get("memory"):
        # This turn's memories: recalled for the plan, written or forgot after the answer.
        kept = values["memory"]
        summary["memories"] = {k: kept.get(k) or [] for k in ("used", "wrote", "forgot")}
    if failed:
        summary["failed_calls"] = [dict(record) for record in failed]
    if values.get("note"):
        summary["note"] = values["note"]
    if status == "interrupted":
        summary["pending"] = [i.value for i in snapshot.interrupts]
    if status != "interrupted" and snapshot.next:
        summary["stopped_at"] = list(snapshot.next)
        # A task a cancel stopped holds a CancelledError: its stop says more (`stops`).
        errors = [
            f"{t.name}: {exception_text(t.error)}"
            for t in snapshot.tasks
            if t.error and not isinstance(t.error, CancelledError)
        ]
        if errors:
            summary["error"] = redact("; ".join(errors))
        summary["resume"] = f"orchestra resume {thread_id}"
    return summary
