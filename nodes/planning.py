"""The plan node: the orchestrator decides the steps, validated, repaired once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import Command, Overwrite

from nodes.archive_access import Archives
from nodes.calls import acall_model, call_model
from nodes.dispatch import Launch
from nodes.earlier import offered_reports, reused_card
from nodes.faces import both_faces
from nodes.menu import Menu, MenuChoice
from nodes.model_access import ModelFor, context_of, unstreamed, usage_of
from nodes.plan_request import (
    StructuredPlanners,
    ledger_updates,
    menu_traced,
    parsed_plan,
    render_request,
    steps_to_archive,
)
from nodes.plan_rules import plan_errors
from nodes.progress import progress_message, question_of
from nodes.prompts import PLANNER_PROMPT
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import OrchestraState, merge_records
from state.ledger import FINISHED, StepRecord, read_ledger
from state.usage import add_turn_usage, folded


class PlanError(ValueError):
    """The orchestrator could not produce a valid plan, even after one repair."""


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


def make_plan_node(model_for: ModelFor, registry: Sequence[SpecialistSpec], archives: Archives):
    """Return the plan node for a registry of specialists."""
    names = [spec.name for spec in registry]
    menus = Menu(registry)
    # One per graph: bounded by the models this graph's resolver hands out.
    structured_planner = StructuredPlanners()

    def prepare(
        state: OrchestraState, ctx: Context, archived: dict[str, dict[str, Any]]
    ) -> tuple[list[BaseMessage], PlanTurn]:
        """Return the planner's messages and what this plan call is about."""
        need = state.get("menu_need") or ""
        continuing = bool(state.get("replan_reason") or state.get("plan_error") or need)
        turn = state.get("turn", 0) + (0 if continuing else 1)
        ledger = read_ledger(state.get("ledger", {}))
        this_turn = {r.id: r for r in ledger.values() if r.turn == turn}
        stale = {k: r for k, r in ledger.items() if r.turn != turn}
        done_ids = [i for i, r in this_turn.items() if r.status in FINISHED]
        question = question_of(list(state.get("messages", [])))
        offered = offered_reports(archived, question, turn, ctx.recalled_reports)
        request = render_request(state, turn, ledger, offered)
        # Asked for more: the best matches for what it needs, beside what it was shown.
        shown = (state.get("menu") or {}).get("names", []) if need else []
        menu = menus.choose(f"{question} {need}", ctx, also=shown)
        prompt = PLANNER_PROMPT.format(menu=menus.render(menu), max_steps=ctx.max_steps)
        messages: list[BaseMessage] = [SystemMessage(prompt), HumanMessage(request)]
        job = PlanTurn(turn, continuing, done_ids, this_turn, offered, stale, menu)
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
        offered = job.menu.record(turn)
        if (
            new_plan is not None
            and new_plan.need
            and not new_plan.steps
            and job.menu.narrowed
            and not state.get("menu_need")
        ):
            # Once per plan: show it the specialists that fit what it says it needs.
            return Command(
                goto="plan",
                update={
                    "turn": turn,
                    "menu_need": new_plan.need[:300],
                    "menu": offered,
                    "orchestrator_usage": {str(turn): usage},
                    "status": "running",
                },
            )
        if new_plan is None:
            errors = [f"the reply was not a valid Plan: {why}"]
        else:
            errors = plan_errors(
                new_plan,
                specialists=names,
                max_steps=ctx.max_steps,
                done_ids=job.done_ids,
                reusable=list(job.offered),
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
            "menu": offered,
            "menu_need": None,
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
        traced = menu_traced(unstreamed(config), job.menu)
        done = call_model(lambda: planner.invoke(messages, traced), ctx, "planner")
        archive.put_steps(steps_to_archive(state, job.stale))
        archive.put_menu(job.turn, job.menu.record(job.turn))
        out = conclude(state, ctx, config, job, done.value)
        return out.run(archive, "review") if isinstance(out, Launch) else out

    async def aplan(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> Any:
        """Ask the orchestrator model for a plan (async face)."""
        ctx = context_of(runtime)
        archive = archives(runtime, config)
        archived = await archive.areports() if state.get("turn") else {}
        if archived or len(registry) > ctx.menu_threshold:
            # Retrieval queries SQLite (FTS5): off the event loop, like any blocking call.
            messages, job = await asyncio.to_thread(prepare, state, ctx, archived)
        else:
            messages, job = prepare(state, ctx, archived)
        planner = structured_planner(model_for("orchestrator", ctx))
        traced = menu_traced(unstreamed(config), job.menu)
        done = await acall_model(lambda: planner.ainvoke(messages, traced), ctx, "planner")
        await archive.aput_steps(steps_to_archive(state, job.stale))
        await archive.aput_menu(job.turn, {"names": job.menu.names, "ms": job.menu.ms})
        out = conclude(state, ctx, config, job, done.value)
        return await out.arun(archive, "review") if isinstance(out, Launch) else out

    return both_faces("plan", plan, aplan)
