"""The plan node: the orchestrator decides the steps, validated, repaired once."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import RunControl, Runtime
from langgraph.types import Command

from nodes.archive_access import Archives
from nodes.calls import model_call
from nodes.dispatch import Launch
from nodes.earlier import history_reports, offered_reports, reused_card
from nodes.faces import Body, Call, both, both_faces, off_loop
from nodes.failed_calls import failed_call, filing, kept_if_failed
from nodes.guards.asking import pending_review
from nodes.guards.at_plan import (
    Question,
    TurnAt,
    blocked_plan,
    guard_plan,
    guard_question,
    refusal,
)
from nodes.guards.screen import GuardrailError, Guards
from nodes.memory import Memories, recalled, render_recalled
from nodes.menu import Menu
from nodes.model_access import ModelFor, context_of, unstreamed, usage_of
from nodes.notices import told
from nodes.plan_request import (
    PlanTurn,
    ledger_updates,
    menu_traced,
    parsed_plan,
    render_request,
    steps_to_archive,
    turn_update,
)
from nodes.plan_rules import plan_errors
from nodes.plan_tool import PlanBinding, plan_result
from nodes.progress import progress_message, question_of
from nodes.prompts import PLANNER_PROMPT
from nodes.specialists.spec import SpecialistSpec
from nodes.superseding import aleftovers, carrying, is_new_turn, leftovers, starting
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import FINISHED, read_ledger
from state.updates import changes


class PlanError(ValueError):
    """The orchestrator could not produce a valid plan, even after one repair."""


def make_plan_node(
    model_for: ModelFor,
    registry: Sequence[SpecialistSpec],
    archives: Archives,
    guards: Guards,
    memories: Memories,
):
    """Return the plan node for a registry of specialists."""
    names = [spec.name for spec in registry]
    menus = Menu(registry)
    # One per graph: bounded by the models this graph's resolver hands out.
    structured_planner = PlanBinding()

    def prepare(
        state: OrchestraState,
        ctx: Context,
        archived: dict[str, dict[str, Any]],
        used: list[dict[str, Any]],
    ) -> tuple[list[BaseMessage], PlanTurn]:
        """Return the planner's messages and what this plan call is about."""
        need = state.get("menu_need") or ""
        continuing = not is_new_turn(state)
        turn = state.get("turn", 0) + (0 if continuing else 1)
        ledger = read_ledger(state.get("ledger", {}))
        this_turn = {r.id: r for r in ledger.values() if r.turn == turn}
        stale = {k: r for k, r in ledger.items() if r.turn != turn}
        done_ids = [i for i, r in this_turn.items() if r.status in FINISHED]
        question = question_of(list(state.get("messages", [])))
        offered = offered_reports(archived, question, turn, ctx.recalled_reports)
        request = render_request(state, turn, ledger, offered, render_recalled(used))
        # Asked for more: the best matches for what it needs, beside what it was shown.
        shown = (state.get("menu") or {}).get("names", []) if need else []
        menu = menus.choose(f"{question} {need}", ctx, also=shown)
        prompt = PLANNER_PROMPT.format(menu=menus.render(menu), max_steps=ctx.max_steps)
        messages: list[BaseMessage] = [SystemMessage(prompt), HumanMessage(request)]
        job = PlanTurn(turn, continuing, done_ids, this_turn, offered, stale, menu, used)
        if not continuing and memories.on(ctx):
            job.memory = {"turn": turn, "used": used}
        return messages, job

    def conclude(
        state: OrchestraState,
        ctx: Context,
        config: RunnableConfig,
        job: PlanTurn,
        result: dict[str, Any],
        asked: Question,
        control: RunControl | None = None,
    ) -> Command[Any] | Launch:
        """Check the plan and enter it in the ledger, or send it back once for repair."""
        turn = job.turn
        usage = usage_of(result["raw"], result.get("attempts", 1))
        new_plan, why = parsed_plan(result)
        offered = job.menu.record(turn)
        # What every way out of this node carries: the screened question, the turn's trips.
        carry = asked.carry(job.continuing)
        again = {
            **carry,
            **job.memory_update(),
            "turn": turn,
            "orchestrator_usage": {str(turn): usage},
            "status": "running",
        }
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
                update={**again, "menu_need": new_plan.need[:300], "menu": offered},
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
                memories=[m["id"] for m in job.used],
            )
        if errors:
            if state.get("plan_error"):
                raise PlanError("the orchestrator's plan is invalid: " + "; ".join(errors))
            return Command(goto="plan", update={**again, "plan_error": "; ".join(errors)})
        assert new_plan is not None
        gate = guard_plan(guards, new_plan, question_of(asked.messages), turn, config)
        carry = asked.carry(job.continuing, gate.events)
        if gate.blocked:
            return blocked_plan(TurnAt(state, ctx, job.turn, job.stale, usage, carry), gate)
        updates = ledger_updates(new_plan, turn, job.this_turn, job.offered)
        reports = {
            key: reused_card(job.offered[rec["reused_from"]], key)
            for key, rec in updates.items()
            if rec.get("status") == "reused"
        }
        update: dict[str, Any] = {
            **carry,
            **job.memory_update(),
            **turn_update(state, job.turn, job.stale, updates, reports, usage),
            "plan_error": None,
            "replan_reason": None,
            # Kept while an `ask` waits: a rejection after a retry ends the turn.
            "guard_feedback": state.get("guard_feedback") if gate.asks or gate.error else None,
            "status": "running",
            "note": "",
            "messages": [
                *carry.get("messages", []),
                *progress_message(state, updates, turn=turn),
            ],
            "menu": offered,
            "menu_need": None,
        }
        if not job.continuing:
            update["replans"] = 0
            update["turn_started_at"] = time.time()
        pending = any(r.get("status") == "waiting" for r in updates.values())
        update = changes(state, update)
        if gate.error and not pending:
            raise GuardrailError(gate.error)  # nothing to enter: the check stops the run here
        if pending and gate.error:
            unchecked = {"stage": "plan", "text": gate.text, "unchecked": True}
            return Command(goto="guard_review", update={**update, "guard_pending": unchecked})
        if pending and gate.asks:
            waiting = pending_review("plan", gate.text, gate.asks)
            return Command(goto="guard_review", update={**update, "guard_pending": waiting})
        if pending and ctx.review_plan:
            return Command(goto="approve_plan", update=update)
        if pending:
            return Launch(state, update, control)
        return Command(goto="finalize", update=update)

    def screened(state: OrchestraState, config: RunnableConfig) -> Question:
        """Return a new turn's question after the input guardrails (they may pause here)."""
        if not is_new_turn(state):
            return Question(state)
        return guard_question(guards, state, state.get("turn", 0) + 1, config)

    def refused(state: OrchestraState, ctx: Context, asked: Question) -> Command[Any]:
        """End a new turn whose question a guardrail refused: nothing runs."""
        stale = read_ledger(state.get("ledger", {}))
        turn = state.get("turn", 0) + 1
        carry = asked.carry(continuing=False)
        return refusal(TurnAt(state, ctx, turn, stale, {}, carry), str(asked.refusal))

    def plan(state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Ask the orchestrator model for a plan, check it, and enter it in the ledger."""
        ctx = context_of(runtime)
        archive = archives(runtime, config)
        # A new message on an unfinished turn settles it first (nodes/superseding.py).
        left = yield Call(lambda: leftovers(archive, state), lambda: aleftovers(archive, state))
        settled = starting(state, left, config)
        asked = screened(settled.state, config)
        state = settled.state
        for key, item in settled.refiled.items():
            yield both(archive, "put_report", key, item)
        if asked.refusal is not None:
            stale = read_ledger(state.get("ledger", {}))
            yield both(archive, "put_steps", steps_to_archive(state, stale))
            yield both(archive, "put_trips", state.get("turn", 0), state.get("guardrails") or [])
            return carrying(refused(state, ctx, asked), settled.update)
        for key in settled.closed:
            yield both(archive, "drop_stop", key)
        state = asked.state
        fresh = is_new_turn(state)
        if fresh and state.get("memory"):
            # The last turn's memories (used, written) join its other records in the Archive.
            yield both(archive, "put_memory", state["memory"])
        question = question_of(list(state.get("messages", [])))
        used = yield recalled(memories(runtime, config, ctx), state, question, ctx, fresh)
        # A thread's first plan has no earlier report to look up.
        archived = (
            history_reports((yield both(archive, "steps")), state) if state.get("turn") else {}
        )
        if archived or len(registry) > ctx.menu_threshold:
            # Retrieval queries SQLite (FTS5): off the event loop, like any blocking call.
            messages, job = yield off_loop(prepare, state, ctx, archived, used)
        else:
            messages, job = prepare(state, ctx, archived, used)
        # The names it may plan with: its menu, and the specialists of this turn's steps;
        # the memories a step may carry: those the planner is shown.
        offered = [*job.menu.names, *(r.specialist for r in job.this_turn.values())]
        shown = [m["id"] for m in job.used]
        model = model_for("orchestrator", ctx)
        planner = structured_planner(model, offered, ctx, list(job.offered), shown)
        # The plan is a structured tool call: a chat client has nothing to read in it.
        traced = menu_traced(unstreamed(config), job)
        call = model_call(planner, messages, traced, ctx, "planner", told(state, job.turn))
        done = yield kept_if_failed(call, archive, (job.turn, "plan", "planner"))
        yield both(archive, "put_steps", steps_to_archive(state, job.stale))
        if not job.continuing:
            yield both(archive, "put_trips", state.get("turn", 0), state.get("guardrails") or [])
        yield both(archive, "put_menu", job.turn, job.menu.record(job.turn))
        limit = ctx.sampling("plan").max_tokens
        result = {**plan_result(done.value, limit), "attempts": done.attempts}
        try:
            out = conclude(state, ctx, config, job, result, asked, runtime.control)
        except PlanError as exc:
            # The rejected plan's call is counted, though this node's update never lands.
            spent = usage_of(done.value, done.attempts)
            why = [*done.faults, str(exc)]
            yield filing(archive, failed_call(job.turn, "plan", "planner", why, spent))
            raise
        out = carrying(out, settled.update)
        return out.command() if isinstance(out, Launch) else out

    return both_faces("plan", plan)
