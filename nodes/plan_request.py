"""What the planner is asked, and how its answer enters the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import merge_configs
from langgraph.types import Overwrite
from pydantic import ValidationError

from nodes.earlier import render_offered, render_summary
from nodes.menu import MenuChoice
from nodes.progress import question_of
from nodes.prompts import PLANNER_REQUEST
from state.graph_state import OrchestraState
from state.ledger import FINISHED, StepRecord, step_key
from state.plan import Plan
from state.records import merge_records
from state.usage import add_turn_usage, folded


@dataclass
class PlanTurn:
    """What one plan call is about: the turn, and what is already done or reusable."""

    turn: int
    continuing: bool
    done_ids: list[str]
    this_turn: dict[str, StepRecord]
    # The earlier reports the planner was shown: the ones it may reuse, by key.
    offered: dict[str, dict[str, Any]]
    # Records of earlier turns still in the state: archived as this turn starts.
    stale: dict[str, StepRecord]
    menu: MenuChoice
    # The user's memories the planner is shown ({id, text, kind, thread_id}), and what the
    # plan writes of them (a new turn's record; None when memory is off or it continues).
    used: list[dict[str, Any]] = field(default_factory=list)
    memory: dict[str, Any] | None = None

    def memory_update(self) -> dict[str, Any]:
        """Return the state update that records this turn's recalled memories, if any."""
        return {"memory": self.memory} if self.memory is not None else {}


def parsed_plan(result: dict[str, Any]) -> tuple[Plan | None, str]:
    """Return the Plan a structured reply holds, or None and why it is not one."""
    if result.get("parsed") is None:
        return None, str(result.get("parsing_error") or "no plan in the reply")
    try:
        return Plan.model_validate(result["parsed"]), ""
    except ValidationError as exc:
        return None, str(exc)


def menu_traced(config: RunnableConfig, job: PlanTurn) -> RunnableConfig:
    """Return the planner call's config with what it was offered, for the trace."""
    menu, memories = job.menu, [m["id"] for m in job.used]
    offered = {"menu": menu.names, "menu_ms": menu.ms, "memories": memories}
    return merge_configs(config, {"metadata": offered})


def steps_to_archive(
    state: OrchestraState, stale: Mapping[str, StepRecord]
) -> dict[str, dict[str, Any]]:
    """Return the earlier turns' steps to archive: each record with its report card."""
    cards = state.get("reports", {})
    return {
        key: {"record": rec.model_dump(), "report": cards.get(key)} for key, rec in stale.items()
    }


def turn_update(
    state: OrchestraState,
    turn: int,
    stale: Mapping[str, StepRecord],
    updates: dict[str, dict[str, Any]],
    reports: dict[str, dict[str, Any]],
    usage: dict[str, int],
) -> dict[str, Any]:
    """Return a plan's ledger, reports and usage; a new turn overwrites the last one's."""
    update: dict[str, Any] = {
        "turn": turn,
        "ledger": updates,
        "reports": reports,
        "orchestrator_usage": {str(turn): usage} if usage else {},
    }
    if stale:
        # A new turn: the earlier turn's steps leave the state for the Archive, so a
        # checkpoint holds one turn however long the thread grows.
        current = {k: v for k, v in state.get("ledger", {}).items() if k not in stale}
        update["ledger"] = Overwrite(merge_records(current, updates))
        update["reports"] = Overwrite(reports)
        update["orchestrator_usage"] = Overwrite(
            add_turn_usage(folded(state, turn), {str(turn): usage} if usage else {})
        )
    return update


def ledger_updates(
    plan: Plan, turn: int, this_turn: dict[str, StepRecord], reports: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Return ledger changes for a (re)plan: new steps wait, finished ones are kept."""
    updates: dict[str, dict[str, Any]] = {}
    for step in plan.steps:
        old = this_turn.get(step.id)
        if old is not None and old.status in FINISHED:
            continue
        record = StepRecord(
            key=step_key(turn, step.id),
            turn=turn,
            id=step.id,
            specialist=step.specialist,
            objective=step.objective,
            depends_on=[step_key(turn, d) for d in step.depends_on],
            attempts=old.attempts if old else 0,
            failures=old.failures if old else [],
            memories=step.memories,
        )
        if step.reuse is not None and step.reuse in reports:
            record.status, record.reused_from = "reused", step.reuse
        updates[record.key] = record.model_dump()
    planned = {step.id for step in plan.steps}
    for step_id, old in this_turn.items():
        if step_id not in planned and old.status not in FINISHED:
            updates[old.key] = {"status": "dropped"}
    return updates


def render_request(
    state: OrchestraState,
    turn: int,
    ledger: dict[str, StepRecord],
    offered: dict[str, dict[str, Any]],
    memories: str = "",
) -> str:
    """Render what the planner sees: memories, the summary, relevant reports, the ledger."""
    request = question_of(list(state.get("messages", [])))
    ledger_text = ""
    current = [r for r in ledger.values() if r.turn == turn]
    if current and state.get("replan_reason"):
        lines = [
            f"- {r.id} ({r.specialist}) {r.status}: {r.objective}"
            + (f" — error: {r.error}" if r.error else "")
            for r in current
        ]
        ledger_text = (
            "Replanning. Steps of this request so far (done steps are kept; reuse their ids "
            "in depends_on; a failed step may be retried under its id or replaced):\n"
            + "\n".join(lines)
            + f"\nWhy: {state['replan_reason']}\n\n"
        )
    repair = ""
    if state.get("plan_error"):
        repair = (
            f"\n\nYour previous plan was invalid: {state['plan_error']}. Return a corrected plan."
        )
    if state.get("guard_feedback"):
        repair += (
            f"\n\nYour previous plan was refused ({state['guard_feedback']}). Return a plan "
            "that this guardrail allows, or no steps."
        )
    return PLANNER_REQUEST.format(
        memories=memories,
        history=render_summary(state.get("summary", "")),
        reports=render_offered(offered),
        ledger=ledger_text,
        request=request,
        repair=repair,
    )
