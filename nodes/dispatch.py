"""Launching steps: a brief per ready step, sent to its specialist, all at once.

The plan and review nodes launch the steps they make ready in their own update (a separate
dispatch superstep cost a checkpoint per launch); the dispatch node remains for the review
nodes, which pause.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import RunControl, Runtime
from langgraph.types import Command, Overwrite, Send

from nodes.archive_access import Archives
from nodes.faces import Body, both, both_faces
from nodes.model_access import context_of
from nodes.progress import is_progress, progress_message
from state.archive import Archive
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import FINISHED, StepRecord, read_ledger
from state.records import merge_records
from state.reports import Brief, Carried, Report
from state.stops import drained_by, stop
from state.updates import apply_update


def ready_steps(ledger: Mapping[str, StepRecord], turn: int) -> list[StepRecord]:
    """Return this turn's waiting (or drained) steps whose dependencies are all finished."""
    return [
        rec
        for rec in ledger.values()
        if rec.turn == turn
        and rec.status in ("waiting", "drained")
        and all(ledger[d].status in FINISHED for d in rec.depends_on if d in ledger)
    ]


def plus(change: Any, more: dict[str, dict[str, Any]]) -> Any:
    """Return the update with more records merged into it, keeping an Overwrite one."""
    if isinstance(change, Overwrite):
        return Overwrite(merge_records(change.value, more))
    return merge_records(change or {}, more)


class Launch:
    """The steps an update makes ready, their briefs, and the update that marks them running."""

    def __init__(
        self,
        state: OrchestraState,
        update: dict[str, Any],
        ctx: Context,
        config: RunnableConfig,
        control: RunControl | None = None,
    ) -> None:
        self.update = dict(update)
        # A drain asked for: no step starts; the ready ones are marked and wait in dispatch,
        # where the run stops (LangGraph drains before the next superstep) and resume starts.
        self.draining = control.drain_reason if control and control.drain_requested else None
        turn = self.update.get("turn", state.get("turn", 0))
        keyed = {k: v for k, v in self.update.items() if k in ("ledger", "reports")}
        applied = apply_update(state, keyed)
        ledger, reports = applied.get("ledger") or {}, applied.get("reports") or {}
        thread_id = str(config.get("configurable", {}).get("thread_id", ""))
        # The texts of the memories the planner was shown this turn, by id.
        used = (self.update.get("memory") or state.get("memory") or {}).get("used") or []
        remembered = {str(m["id"]): str(m["text"]) for m in used}
        self.sends: list[Send] = []
        self.continuing: list[str] = []
        running: dict[str, dict[str, Any]] = {}
        for rec in ready_steps(read_ledger(ledger), turn)[: ctx.max_parallel]:
            if self.draining is not None:
                running[rec.key] = {
                    "status": "drained",
                    "stops": [stop("drained", drained_by(self.draining))],
                }
                continue
            earlier = reports.get(rec.key) if rec.attempts else None
            # A step continues its earlier leg (a retry, or the calls the user just
            # reviewed) when the same specialist takes it; another one starts afresh.
            same = earlier is not None and earlier.get("specialist") == rec.specialist
            attempt = rec.attempts if rec.decisions else rec.attempts + 1
            brief = Brief(
                step_key=rec.key,
                step_id=rec.id,
                specialist=rec.specialist,
                objective=rec.objective,
                # Only the reports this step depends on: never the conversation or others.
                inputs=[Report(**reports[d]) for d in rec.depends_on if d in reports],
                max_iterations=ctx.specialist_iterations,
                thread_id=thread_id,
                attempt=attempt,
                decisions=rec.decisions or [],
                defer_review=True,
                carried=Carried.from_report(Report(**earlier)) if same and earlier else Carried(),
                failure=rec.failures[-1] if rec.failures and not same else "",
                memories=[remembered[m] for m in rec.memories if m in remembered],
            )
            self.sends.append(Send(rec.specialist, {"brief": brief.model_dump()}))
            if same:
                self.continuing.append(rec.key)
            running[rec.key] = {
                "status": "running",
                "attempts": attempt,
                "error": None,
                "decisions": None,
            }
        if running:
            self.update["ledger"] = plus(self.update.get("ledger"), running)
            shown = {"turn": turn, "ledger": merge_records(ledger, running)}
            self.update["messages"] = [
                *self._kept_messages(),
                *progress_message(shown, turn=turn),
            ]

    def _kept_messages(self) -> list[Any]:
        """Return the update's messages other than its progress message (replaced here)."""
        return [m for m in self.update.get("messages", []) if not is_progress(m)]

    def with_transcripts(self, earlier: Mapping[str, Mapping[str, Any] | None]) -> list[Send]:
        """Return the sends, each continuing step given its earlier leg's transcript."""
        sends = []
        for send in self.sends:
            key = str(send.arg["brief"]["step_key"])
            found = earlier.get(key)
            if found:
                brief = {**send.arg["brief"], "transcript": found.get("transcript", [])}
                send = Send(send.node, {"brief": brief})
            sends.append(send)
        return sends

    def command(self, sends: list[Send], otherwise: str) -> Command[Any]:
        """Return the Command that launches the sends, or goes to `otherwise` if none."""
        if self.draining is not None:
            return Command(update=self.update, goto="dispatch")
        return Command(update=self.update, goto=sends or otherwise)

    def launched(self, archive: Archive, otherwise: str) -> Body:
        """Return the Command, the continuing steps' transcripts read from the Archive."""
        earlier = {}
        for key in self.continuing:
            earlier[key] = yield both(archive, "report", key)
        return self.command(self.with_transcripts(earlier), otherwise)


def make_dispatch_node(archives: Archives):
    """Return the dispatch node: launch what is ready after a review pause."""

    def dispatch(state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Send a brief per ready step; the rest wait their turn."""
        launch = Launch(state, {}, context_of(runtime), config, runtime.control)
        return (yield from launch.launched(archives(runtime, config), "review"))

    return both_faces("dispatch", dispatch)
