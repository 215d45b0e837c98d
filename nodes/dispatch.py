"""The dispatch node: send every ready step to its specialist, all at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import Command, Send

from nodes.model_access import context_of
from nodes.progress import progress_message
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import FINISHED, StepRecord, read_ledger
from state.reports import Brief, Carried, Report


def ready_steps(ledger: Mapping[str, StepRecord], turn: int) -> list[StepRecord]:
    """Return this turn's waiting steps whose dependencies are all finished."""
    return [
        rec
        for rec in ledger.values()
        if rec.turn == turn
        and rec.status == "waiting"
        and all(ledger[d].status in FINISHED for d in rec.depends_on if d in ledger)
    ]


def dispatch_ready_steps(
    state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
) -> Command[Any]:
    """Send a brief per ready step, up to the parallel budget; the rest wait their turn."""
    ctx = context_of(runtime)
    reports = state.get("reports", {})
    thread_id = str(config.get("configurable", {}).get("thread_id", ""))
    sends: list[Send] = []
    ledger: dict[str, dict[str, Any]] = {}
    records = read_ledger(state.get("ledger", {}))
    for rec in ready_steps(records, state.get("turn", 0))[: ctx.max_parallel]:
        earlier = reports.get(rec.key) if rec.attempts else None
        # A step continues its earlier leg (a retry, or the calls the user just reviewed)
        # when the same specialist takes it; another specialist starts from a fresh brief.
        same = earlier is not None and earlier.get("specialist") == rec.specialist
        attempt = rec.attempts if rec.decisions else rec.attempts + 1
        brief = Brief(
            step_key=rec.key,
            step_id=rec.id,
            specialist=rec.specialist,
            objective=rec.objective,
            # Only the reports this step depends on: never the conversation or other steps.
            inputs=[Report(**reports[d]) for d in rec.depends_on if d in reports],
            max_iterations=ctx.specialist_iterations,
            thread_id=thread_id,
            attempt=attempt,
            transcript=earlier.get("transcript", []) if same and earlier else [],
            decisions=rec.decisions or [],
            defer_review=True,
            carried=Carried.from_report(Report(**earlier)) if same and earlier else Carried(),
        )
        sends.append(Send(rec.specialist, {"brief": brief.model_dump()}))
        ledger[rec.key] = {
            "status": "running",
            "attempts": attempt,
            "error": None,
            "decisions": None,
        }
    update = {"ledger": ledger, "messages": progress_message(state, ledger)}
    return Command(update=update, goto=sends or "review")
