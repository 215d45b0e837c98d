"""The review node: merge reports into the ledger and decide what comes next."""

from __future__ import annotations

import logging
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.dispatch import ready_steps
from nodes.model_access import context_of
from nodes.progress import progress_message
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import read_ledger
from state.reports import read_reports
from state.usage import spent

log = logging.getLogger("orchestra.review")


def review(
    state: OrchestraState, runtime: Runtime[Context]
) -> Command[Literal["approve_steps", "dispatch", "plan", "finalize"]]:
    """Mark finished steps done or failed, then dispatch, replan or finalize."""
    ctx = context_of(runtime)
    ledger = read_ledger(state.get("ledger", {}))
    raw = state.get("reports", {})
    running = {k: raw[k] for k, rec in ledger.items() if rec.status == "running" and k in raw}
    updates: dict[str, dict[str, Any]] = {}
    for key, report in read_reports(running).items():
        rec = ledger[key]
        if report.status == "needs_review":
            rec.status = "needs_review"
            updates[key] = {"status": rec.status}
            continue
        ok = report.status == "done"
        rec.status, rec.error = ("done", None) if ok else ("failed", report.error)
        updates[key] = {"status": rec.status, "error": rec.error}
        if not ok:
            # The server's log is where an operator looks: every failed step is there.
            log.warning("step %s (%s) failed: %s", key, rec.specialist, rec.error)
            rec.failures = [*rec.failures, str(rec.error)]
            updates[key]["failures"] = rec.failures
    turn = state.get("turn", 0)
    shown = {"ledger": updates, "messages": progress_message(state, updates)}
    if any(r.turn == turn and r.status == "needs_review" for r in ledger.values()):
        # The user decides first; failures and budgets are looked at once the steps go on.
        return Command(goto="approve_steps", update=shown)
    failed = [r for r in ledger.values() if r.turn == turn and r.status == "failed"]
    if spent(state, turn).tokens > ctx.max_run_tokens:
        note = f"stopped: the turn's token budget of {ctx.max_run_tokens} is spent"
        return Command(goto="finalize", update={**shown, "note": note})
    if failed:
        why = "; ".join(f"step {r.id} ({r.specialist}) failed: {r.error}" for r in failed)
        stuck = [r for r in failed if len(r.failures) > 1 and r.failures[-1] == r.failures[-2]]
        if stuck:
            # The same step failing the same way again: another replan would only repeat it.
            names = ", ".join(r.id for r in stuck)
            note = f"gave up, no progress: step {names} failed the same way twice; {why}"
            return Command(goto="finalize", update={**shown, "note": note})
        replans = state.get("replans", 0)
        if replans < ctx.max_replans:
            return Command(
                goto="plan",
                update={**shown, "replan_reason": why, "replans": replans + 1},
            )
        note = f"gave up after {replans} replans: {why}"
        return Command(goto="finalize", update={**shown, "note": note})
    if ready_steps(ledger, turn):
        return Command(goto="dispatch", update=shown)
    return Command(goto="finalize", update=shown)
