"""A turn's steps scheduled as their inputs arrive: which start now, and what they reported.

The dispatch node runs every step of a turn itself; this is its bookkeeping, with no waiting
in it. A step starts the moment its last dependency's report is in, never waiting for steps
it does not depend on. A failed step, one waiting on the user, or a spent budget starts
nothing more: the steps running finish and the orchestrator decides (nodes/review.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import RunControl

from nodes.review import budget_spent
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import read_ledger, ready_steps
from state.records import merge_records
from state.reports import Brief, Carried, Report
from state.stops import drain_asked, drained
from state.updates import apply_update


@dataclass
class Start:
    """A step to start: its brief, and whether it continues its earlier leg's transcript."""

    brief: Brief
    continuing: bool


class Scheduler:
    """The turn's ledger as its steps start and report, and the writes that say so."""

    def __init__(
        self,
        state: OrchestraState,
        ctx: Context,
        config: RunnableConfig,
        control: RunControl | None = None,
    ) -> None:
        self.state, self.ctx, self.control = state, ctx, control
        self.turn = state.get("turn", 0)
        self.records = read_ledger(state.get("ledger", {}))
        self.reports: dict[str, dict[str, Any]] = dict(state.get("reports", {}))
        self.thread_id = str(config.get("configurable", {}).get("thread_id", ""))
        used = (state.get("memory") or {}).get("used") or []
        self.remembered = {str(m["id"]): str(m["text"]) for m in used}
        # The ledger and report writes made so far, as the node's update will carry them.
        self.changes: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, dict[str, Any]] = {}
        self.running: set[str] = set()
        # Set once a step fails, waits on the user, or the budget is spent.
        self.halted = False

    @property
    def draining(self) -> str | None:
        """Return why a drain was asked for, if one was: no step starts under it."""
        return drain_asked(self.control)

    def ready(self) -> list[Start]:
        """Return the steps to start now, each marked running (or drained, under a drain)."""
        if self.halted:
            return []
        room = self.ctx.max_parallel - len(self.running)
        waiting = [r for r in ready_steps(self.records, self.turn) if r.key not in self.running]
        starts = []
        draining = self.draining
        for rec in waiting[: max(room, 0)]:
            if draining is not None:
                # Marked, not started: the run stops before the next dispatch starts them.
                self._mark(rec.key, **drained(draining))
                continue
            starts.append(self._start(rec.key))
        return starts

    def _mark(self, key: str, **change: Any) -> None:
        """Record a ledger change, in the node's update and in the ledger read here."""
        self.changes[key] = {**self.changes.get(key, {}), **change}
        self.records[key] = self.records[key].model_copy(update=change)

    def _start(self, key: str) -> Start:
        rec = self.records[key]
        earlier = self.reports.get(key) if rec.attempts else None
        # A step continues its earlier leg (a retry, or the calls the user just reviewed)
        # when the same specialist takes it; another one starts afresh.
        same = earlier is not None and earlier.get("specialist") == rec.specialist
        attempt = rec.attempts if rec.decisions else rec.attempts + 1
        brief = Brief(
            step_key=rec.key,
            step_id=rec.id,
            specialist=rec.specialist,
            objective=rec.objective,
            # Only the reports this step depends on: never the conversation or others.
            inputs=[Report(**self.reports[d]) for d in rec.depends_on if d in self.reports],
            max_iterations=self.ctx.specialist_iterations,
            thread_id=self.thread_id,
            attempt=attempt,
            decisions=rec.decisions or [],
            defer_review=True,
            carried=Carried.from_report(Report(**earlier)) if same and earlier else Carried(),
            failure=rec.failures[-1] if rec.failures and not same else "",
            memories=[self.remembered[m] for m in rec.memories if m in self.remembered],
        )
        self._mark(key, status="running", attempts=attempt, error=None, decisions=None)
        self.running.add(key)
        return Start(brief, same)

    def finished(self, key: str, update: Mapping[str, Any]) -> None:
        """Take a step's report in: its dependents become ready, or nothing more starts."""
        self.running.discard(key)
        self.changes = merge_records(self.changes, update.get("ledger"))
        cards = update.get("reports") or {}
        self.cards.update(cards)
        self.reports.update(cards)
        status = str((cards.get(key) or {}).get("status", "failed"))
        # Scheduling reads the step as finished; the ledger's own status is decided at the end.
        self.records[key] = self.records[key].model_copy(update={"status": status})
        if status != "done" or budget_spent(self.merged(), self.ctx, self.turn):
            self.halted = True

    def stopped(self, key: str, exc: BaseException) -> None:
        """Take in a step that stopped without a report (a pause, a drain): nothing more starts."""
        self.running.discard(key)
        self.halted = True

    def merged(self) -> OrchestraState:
        """Return the state as the writes so far would leave it."""
        return apply_update(self.state, self.update())  # type: ignore[return-value]

    def update(self) -> dict[str, Any]:
        """Return the node's writes so far: ledger changes and report cards."""
        out: dict[str, Any] = {}
        if self.changes:
            out["ledger"] = dict(self.changes)
        if self.cards:
            out["reports"] = dict(self.cards)
        return out
