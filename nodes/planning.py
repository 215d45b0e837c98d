"""The plan node: the orchestrator decides the steps, validated, repaired once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.runtime import Runtime
from langgraph.types import Command, Overwrite
from pydantic import ValidationError

from nodes.archive_access import Archives
from nodes.calls import acall_model, call_model
from nodes.dispatch import Launch
from nodes.earlier import offered_reports, render_offered, render_summary, reused_card
from nodes.faces import both_faces
from nodes.model_access import ModelFor, context_of, unstreamed, usage_of
from nodes.plan_rules import plan_errors
from nodes.progress import progress_message, question_of
from nodes.prompts import PLANNER_PROMPT, PLANNER_REQUEST
from nodes.specialists.spec import SpecialistSpec, planner_menu
from state.context import Context
from state.graph_state import OrchestraState, merge_records
from state.ledger import FINISHED, StepRecord, read_ledger, step_key
from state.plan import Plan
from state.usage import add_turn_usage, folded


class PlanError(ValueError):
    """The orchestrator could not produce a valid plan, even after one repair."""


class StructuredPlanners:
    """The orchestrator's models with `Plan` as structured output, bound once per model."""

    def __init__(self) -> None:
        # Kept with the model itself, so an id is never reused by another model.
        self._bound: dict[int, tuple[BaseChatModel, Runnable[Any, Any]]] = {}

    def __call__(self, model: BaseChatModel) -> Runnable[Any, Any]:
        """Return the model bound to the Plan schema."""
        cached = self._bound.get(id(model))
        if cached is None or cached[0] is not model:
            # Function calling is what every OpenAI-compatible server supports.
            # The schema as a ready tool dict: a pydantic class would be converted to JSON
            # schema again on every call (a measurable share of a step's overhead).
            bound = model.with_structured_output(
                PLAN_TOOL, method="function_calling", include_raw=True
            )
            cached = self._bound[id(model)] = (model, bound)
        return cached[1]


PLAN_TOOL = convert_to_openai_tool(Plan)


def parsed_plan(result: dict[str, Any]) -> tuple[Plan | None, str]:
    """Return the Plan a structured reply holds, or None and why it is not one."""
    if result.get("parsed") is None:
        return None, str(result.get("parsing_error") or "no plan in the reply")
    try:
        return Plan.model_validate(result["parsed"]), ""
    except ValidationError as exc:
        return None, str(exc)


@dataclass
class PlanTurn:
    """What one plan call is about: the turn, and what is already done or reusable."""

    turn: int
    continuing: bool
    done_ids: list[str]
    reusable: list[str]
    this_turn: dict[str, StepRecord]
    offered: dict[str, dict[str, Any]]
    # Records of earlier turns still in the state: archived as this turn starts.
    stale: dict[str, StepRecord]


def make_plan_node(model_for: ModelFor, registry: Sequence[SpecialistSpec], archives: Archives):
    """Return the plan node for a registry of specialists."""
    names = [spec.name for spec in registry]
    menu = planner_menu(registry)
    # One per graph: bounded by the models this graph's resolver hands out.
    structured_planner = StructuredPlanners()

    def prepare(
        state: OrchestraState, ctx: Context, archived: dict[str, dict[str, Any]]
    ) -> tuple[list[BaseMessage], PlanTurn]:
        """Return the planner's messages and what this plan call is about."""
        continuing = bool(state.get("replan_reason") or state.get("plan_error"))
        turn = state.get("turn", 0) + (0 if continuing else 1)
        ledger = read_ledger(state.get("ledger", {}))
        this_turn = {r.id: r for r in ledger.values() if r.turn == turn}
        stale = {k: r for k, r in ledger.items() if r.turn != turn}
        done_ids = [i for i, r in this_turn.items() if r.status in FINISHED]
        question = question_of(list(state.get("messages", [])))
        offered = offered_reports(archived, question, turn, ctx.recalled_reports)
        request = _render_request(state, turn, ledger, offered)
        messages: list[BaseMessage] = [
            SystemMessage(PLANNER_PROMPT.format(menu=menu, max_steps=ctx.max_steps)),
            HumanMessage(request),
        ]
        job = PlanTurn(turn, continuing, done_ids, list(offered), this_turn, offered, stale)
        return messages, job

    def conclude(
        state: OrchestraState,
        ctx: Context,
        config: RunnableConfig,
        job: PlanTurn,
        result: dict[str, Any],
    ) -> Command[Any] | Launch:
        """Check the plan and enter it in the ledger, or send it back once for repair."""
        turn = job.turn
        usage = usage_of(result["raw"])
        new_plan, why = parsed_plan(result)
        if new_plan is None:
            errors = [f"the reply was not a valid Plan: {why}"]
        else:
            errors = plan_errors(
                new_plan,
                specialists=names,
                max_steps=ctx.max_steps,
                done_ids=job.done_ids,
                reusable=job.reusable,
            )
        if errors:
            if state.get("plan_error"):
                raise PlanError("the orchestrator's plan is invalid: " + "; ".join(errors))
            return Command(
                goto="plan",
                update={
                    "turn": turn,
                    "plan_error": "; ".join(errors),
                    "orchestrator_usage": {str(turn): usage},
                    "status": "running",
                },
            )
        assert new_plan is not None
        updates = ledger_updates(new_plan, turn, job.this_turn, job.offered)
        reports = {
            key: reused_card(job.offered[rec["reused_from"]], key)
            for key, rec in updates.items()
            if rec.get("status") == "reused"
        }
        update: dict[str, Any] = {
            "turn": turn,
            "ledger": updates,
            "reports": reports,
            "plan_error": None,
            "replan_reason": None,
            "orchestrator_usage": {str(turn): usage},
            "status": "running",
            "note": "",
            "messages": progress_message(state, updates, turn=turn),
        }
        if job.stale:
            # A new turn: the earlier turn's steps leave the state for the Archive, so a
            # checkpoint holds one turn however long the thread grows.
            current = {k: v for k, v in state.get("ledger", {}).items() if k not in job.stale}
            update["ledger"] = Overwrite(merge_records(current, updates))
            update["reports"] = Overwrite(reports)
            update["orchestrator_usage"] = Overwrite(
                add_turn_usage(folded(state, turn), {str(turn): usage})
            )
        if not job.continuing:
            update["replans"] = 0
            update["turn_started_at"] = time.time()
        pending = any(r.get("status") == "waiting" for r in updates.values())
        if pending and ctx.review_plan:
            return Command(goto="approve_plan", update=update)
        if pending:
            return Launch(state, update, ctx, config)
        return Command(goto="finalize", update=update)

    def plan(state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig) -> Any:
        """Ask the orchestrator model for a plan, check it, and enter it in the ledger."""
        ctx = context_of(runtime)
        archive = archives(runtime, config)
        # A thread's first plan has no earlier report to look up.
        messages, job = prepare(state, ctx, archive.reports() if state.get("turn") else {})
        planner = structured_planner(model_for("orchestrator", ctx))
        # The plan is a structured tool call: a chat client has nothing to read in it.
        done = call_model(lambda: planner.invoke(messages, unstreamed(config)), ctx, "planner")
        archive.put_steps(steps_to_archive(state, job))
        out = conclude(state, ctx, config, job, done.value)
        return out.run(archive, "review") if isinstance(out, Launch) else out

    async def aplan(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> Any:
        """Ask the orchestrator model for a plan (async face)."""
        ctx = context_of(runtime)
        archive = archives(runtime, config)
        # Retrieval queries SQLite (FTS5): off the event loop, like any blocking call.
        archived = await archive.areports() if state.get("turn") else {}
        if archived:
            messages, job = await asyncio.to_thread(prepare, state, ctx, archived)
        else:
            messages, job = prepare(state, ctx, archived)
        planner = structured_planner(model_for("orchestrator", ctx))
        done = await acall_model(
            lambda: planner.ainvoke(messages, unstreamed(config)), ctx, "planner"
        )
        await archive.aput_steps(steps_to_archive(state, job))
        out = conclude(state, ctx, config, job, done.value)
        return await out.arun(archive, "review") if isinstance(out, Launch) else out

    return both_faces("plan", plan, aplan)


def steps_to_archive(state: OrchestraState, job: PlanTurn) -> dict[str, dict[str, Any]]:
    """Return the earlier turns' steps to archive: each record with its report card."""
    cards = state.get("reports", {})
    return {
        key: {"record": rec.model_dump(), "report": cards.get(key)}
        for key, rec in job.stale.items()
    }


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
        )
        if step.reuse is not None and step.reuse in reports:
            record.status, record.reused_from = "reused", step.reuse
        updates[record.key] = record.model_dump()
    planned = {step.id for step in plan.steps}
    for step_id, old in this_turn.items():
        if step_id not in planned and old.status not in FINISHED:
            updates[old.key] = {"status": "dropped"}
    return updates


def _render_request(
    state: OrchestraState,
    turn: int,
    ledger: dict[str, StepRecord],
    offered: dict[str, dict[str, Any]],
) -> str:
    """Render what the planner sees: the summary, relevant reports, this turn's ledger."""
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
    return PLANNER_REQUEST.format(
        history=render_summary(state.get("summary", "")),
        reports=render_offered(offered),
        ledger=ledger_text,
        request=request,
        repair=repair,
    )
