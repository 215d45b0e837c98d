"""A run as a user sees it: status, answer, per-step ledger and usage, from a snapshot."""

from __future__ import annotations

from typing import Any

from langgraph.types import StateSnapshot

from state.ledger import StepRecord
from state.reports import Usage
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
    reports = values.get("reports", {})
    rows = []
    for key, raw in values.get("ledger", {}).items():
        rec = StepRecord(**raw)
        report = reports.get(key, {})
        usage = report.get("usage", {})
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
                "model_attempts": report.get("model_attempts", 0),
                "seconds": report.get("seconds", 0.0),
                "usage": {
                    "llm_calls": usage.get("llm_calls", 0),
                    "input_tokens": usage.get("input_tokens", 0),
                    "output_tokens": usage.get("output_tokens", 0),
                },
                "tools": [t["name"] for t in report.get("tools_called", [])],
                "artifacts": report.get("artifacts", []),
                "sources": report.get("sources", []),
                "reused_from": rec.reused_from,
                "error": rec.error or report.get("error"),
            }
        )
    return rows


def total_usage(values: dict[str, Any]) -> dict[str, int]:
    """Return the thread's usage: the orchestrator's calls plus every specialist run's."""
    total = Usage(**values.get("orchestrator_usage", {}))
    for key, rec in values.get("ledger", {}).items():
        if rec.get("status") != "reused":
            total = total + Usage(**values.get("reports", {}).get(key, {}).get("usage", {}))
    return total.model_dump()


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
        "usage": total_usage(values),
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
