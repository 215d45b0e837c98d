"""What comes after a turn's steps: merge their reports into the ledger, then decide.

The dispatch node (nodes/dispatch.py) ends with it: approve the calls steps paused on,
replan around a failed step, stop on a spent budget, or finalize.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from langgraph.types import Command

from nodes.faults import failure_signature
from nodes.progress import progress_message
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import FINISHED, StepRecord, read_ledger, ready_steps
from state.reports import read_reports
from state.usage import spent

log = logging.getLogger("orchestra.review")


def decide(
    state: OrchestraState, ctx: Context
) -> Command[Literal["approve_steps", "plan", "finalize", "dispatch"]]:
    """Mark finished steps done or failed, then say what comes next."""
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
    over = budget_spent(state, ctx, turn)
    if over:
        finished = [r.id for r in ledger.values() if r.turn == turn and r.status in FINISHED]
        note = f"stopped: {over}; finished: {', '.join(finished) or 'no step'}"
        return Command(goto="finalize", update={**shown, "note": note})
    if failed:
        why = describe(failed)
        stuck = [
            r
            for r in failed
            if len(r.failures) > 1
            and failure_signature(r.failures[-1]) == failure_signature(r.failures[-2])
        ]
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
        # Steps a drain kept from starting: the run stops before dispatch starts them.
        return Command(goto="dispatch", update=shown)
    return Command(goto="finalize", update=shown)


def describe(failed: list[StepRecord]) -> str:
    """Say what failed, each distinct failure once."""
    seen: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for rec in failed:
        signature = failure_signature(rec.error)
        seen.setdefault(signature, []).append(f"{rec.id} ({rec.specialist})")
        errors.setdefault(signature, str(rec.error))
    return "; ".join(
        f"step {', '.join(steps)} failed: {errors[signature]}" for signature, steps in seen.items()
    )


def budget_spent(state: OrchestraState, ctx: Context, turn: int) -> str:
    """Say which budget is spent, if one is: the turn's tokens, calls or time, the thread's."""
    used = spent(state, turn)
    if used.tokens > ctx.max_run_tokens:
        return f"the turn's token budget of {ctx.max_run_tokens} is spent ({used.tokens} used)"
    if used.llm_calls > ctx.max_turn_calls:
        return f"the turn's budget of {ctx.max_turn_calls} model calls is spent"
    started = state.get("turn_started_at")
    if started and time.time() - started > ctx.max_turn_seconds:
        return f"the turn's time budget of {ctx.max_turn_seconds:g}s is spent"
    if ctx.max_thread_tokens and spent(state).tokens > ctx.max_thread_tokens:
        return f"the thread's token budget of {ctx.max_thread_tokens} is spent"
    return ""
