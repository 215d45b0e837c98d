"""The dispatch node: it runs the turn's steps itself, each the moment its inputs are ready.

Every ready step's specialist subgraph is invoked from here, side by side (nodes/step_runs.py),
and a step whose last dependency reports starts at once, whatever unrelated steps are doing:
there is no superstep between a report and its dependent. Once no step runs, the node merges
the reports into the ledger and decides what comes next (nodes/review.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import var_child_runnable_config
from langgraph.runtime import RunControl, Runtime
from langgraph.types import Command, Overwrite

from nodes.archive_access import Archives
from nodes.faces import Body, Call, both, both_faces
from nodes.model_access import context_of
from nodes.progress import is_progress, progress_message
from nodes.review import decide
from nodes.scheduling import Scheduler, Start
from nodes.specialist.stopping import task_of
from nodes.step_runs import arun_steps, run_steps, step_config
from state.context import Context
from state.graph_state import OrchestraState, SpecialistInput
from state.ledger import read_ledger, ready_steps
from state.records import merge_records
from state.stops import drain_asked, drained
from state.updates import apply_update

StepNode = Callable[[SpecialistInput, Runtime[Context], RunnableConfig], Body]


def plus(change: Any, more: dict[str, dict[str, Any]]) -> Any:
    """Return the update with more records merged into it, keeping an Overwrite one."""
    if isinstance(change, Overwrite):
        return Overwrite(merge_records(change.value, more))
    return merge_records(change or {}, more)


class Launch:
    """An update that makes steps ready, going to dispatch; under a drain, they are marked."""

    def __init__(
        self, state: OrchestraState, update: dict[str, Any], control: RunControl | None = None
    ) -> None:
        self.update = dict(update)
        # A drain asked for: no step starts; the ready ones are marked and wait in dispatch,
        # where the run stops (LangGraph drains before the next superstep) and resume starts.
        draining = drain_asked(control)
        if draining is None:
            return
        turn = self.update.get("turn", state.get("turn", 0))
        keyed = {k: v for k, v in self.update.items() if k in ("ledger", "reports")}
        ledger = apply_update(state, keyed).get("ledger") or {}
        marked = {rec.key: drained(draining) for rec in ready_steps(read_ledger(ledger), turn)}
        if marked:
            self.update["ledger"] = plus(self.update.get("ledger"), marked)
            shown = {"turn": turn, "ledger": merge_records(ledger, marked)}
            kept = [m for m in self.update.get("messages", []) if not is_progress(m)]
            self.update["messages"] = [*kept, *progress_message(shown, turn=turn)]

    def command(self) -> Command[Any]:
        """Return the Command that hands the ready steps to dispatch."""
        return Command(update=self.update, goto="dispatch")


def finished_records(cards: Mapping[str, dict[str, Any]], task: str) -> dict[str, Any]:
    """Return the records of steps that finished in a dispatch the run stopped in."""
    at = time.time()
    return {
        key: {"stops": [], "report": card, "task": task, "time": at, "finished": True}
        for key, card in cards.items()
    }


def started_event(start: Start, inner: RunnableConfig) -> dict[str, Any]:
    """Return the `custom` stream event that says a step started, and where it streams."""
    brief = start.brief
    return {
        "orchestra": "started",
        "text": f"{brief.step_id} started ({brief.specialist}, attempt {brief.attempt})",
        "step_key": brief.step_key,
        "step_id": brief.step_id,
        "specialist": brief.specialist,
        "attempt": brief.attempt,
        "namespace": (inner.get("configurable") or {}).get("checkpoint_ns", ""),
    }


def make_dispatch_node(archives: Archives, steps: Mapping[str, StepNode]):
    """Return the dispatch node: run each step as its inputs arrive, then decide."""

    def dispatch(state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Run the turn's ready steps side by side, then merge their reports and decide."""
        ctx, archive = context_of(runtime), archives(runtime, config)
        turn = Scheduler(state, ctx, config, runtime.control)

        def body_of(start: Start) -> Body:
            brief = start.brief.model_dump()
            key, name = start.brief.step_key, start.brief.specialist
            if start.continuing:
                # The earlier leg's transcript, which the state's report card leaves out.
                found = yield both(archive, "report", key)
                brief["transcript"] = (found or {}).get("transcript", [])
            inner = step_config(config, name, key)
            # A client's progress: the step started (the ledger says so when dispatch ends).
            runtime.stream_writer(started_event(start, inner))
            # A nested run merges in the ambient config (the node's): make it the step's.
            # Each step runs in a thread or task of its own, with a context of its own.
            var_child_runnable_config.set(inner)
            return (yield from steps[name]({"brief": brief}, runtime, inner))

        try:
            yield Call(lambda: run_steps(turn, body_of), lambda: arun_steps(turn, body_of))
        except BaseException:
            # The node's writes are lost with it: what finished is told where views look,
            # and a resume finds each finished step's checkpoint done, with no call again.
            yield both(archive, "put_stops", finished_records(turn.cards, task_of(config)))
            raise
        merged = turn.merged()
        out = decide(merged, ctx)
        update = dict(out.update or {})
        update["ledger"] = merge_records(turn.changes, update.get("ledger"))
        if turn.cards:
            update["reports"] = turn.cards
        if "messages" not in update or not update["messages"]:
            update["messages"] = progress_message(merged)
        return Command(goto=out.goto, update=update)

    return both_faces("dispatch", dispatch)
