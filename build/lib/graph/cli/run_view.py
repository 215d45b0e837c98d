"""A run as a user sees it: status, answer, per-step ledger and usage, from a snapshot."""

from __future__ import annotations

from typing import Any

from langgraph.types import StateSnapshot

from state.ledger import read_ledger
from state.reports import Report, read_reports
from state.usage import spent
from tools.secrets import redact


def run_status(snapshot: StateSnapshot) -> str:
    """Return done, interrupted, or failed (stopped with work left: resumable)."""
    if snapshot.interrupts:
        return "interrupted"
    if snapshot.next:
        return "failed"
    return "done" if snapshot.values.get("status") == "done" else "failed"


def step_rows(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one row per step: ledger fields plus its report's usage, timing and tools."""
    reports = read_reports(values.get("reports", {}))
    rows = []
    for key, rec in read_ledger(values.get("ledger", {})).items():
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
                "error": rec.error or report.error,
            }
        )
    return rows


def summarize(thread_id: str, snapshot: StateSnapshot) -> dict[str, Any]:
    """Return the run as the `--json` object."""
    values = snapshot.values or {}
    status = run_status(snapshot)
    messages = values.get("messages", [])
    answer = (
        messages[-1].text if status == "done" and messages and messages[-1].type == "ai" else ""
    )
    summary: dict[str, Any] = {
        "thread_id": thread_id,
        "status": status,
        "answer": answer,
        "turn": values.get("turn", 0),
        "steps": step_rows(values),
        "usage": spent(values).model_dump(),
    }
    if values.get("note"):
        summary["note"] = values["note"]
    if status == "interrupted":
        summary["pending"] = [i.value for i in snapshot.interrupts]
    if status == "failed" and snapshot.next:
        summary["stopped_at"] = list(snapshot.next)
        errors = [f"{t.name}: {t.error}".splitlines()[0] for t in snapshot.tasks if t.error]
        if errors:
            summary["error"] = redact("; ".join(errors))[:500]
        summary["resume"] = f"orchestra resume {thread_id}"
    return summary
