"""The guard_review node: the user decides on an `ask` guardrail at the plan or the answer.

It holds no model call, so the pause repeats nothing: the plan waits with its steps entered
and not launched, the answer waits written and not shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import Command
from pydantic import ValidationError

from nodes.finalize import closing, screened_answer
from nodes.guards.asking import ask_pending, pending_review
from nodes.guards.at_plan import PlanGate, TurnAt, blocked_plan, screen_plan
from nodes.guards.screen import Guards
from nodes.memory import Memories
from nodes.model_access import context_of
from nodes.plan_request import ledger_updates
from nodes.plan_rules import plan_errors
from nodes.progress import progress_message, question_of
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import FINISHED, read_ledger
from state.plan import Plan


def parse_plan(text: str) -> Plan:
    """Return the plan an edited `{"steps": [...]}` text holds."""
    try:
        return Plan(**json.loads(text))
    except (json.JSONDecodeError, TypeError, ValidationError) as exc:
        raise ValueError(f"the edited text is not a plan's JSON ({exc})") from None


def make_guard_review_node(registry: Sequence[SpecialistSpec], guards: Guards, memories: Memories):
    """Return the node that asks about a plan or an answer an `ask` guardrail stopped.

    It also checks again a plan or an answer whose check raised where it was written: the
    error stops the run here, after the model's reply is kept, so `resume` runs the checks
    and does not ask the model again.
    """
    names = [spec.name for spec in registry]

    def guard_review(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> Command[Any]:
        """Pause for the user's decisions, then go on as they say."""
        ctx = context_of(runtime)
        pending = dict(state.get("guard_pending") or {})
        if pending.get("unchecked") and pending.get("stage") == "answer":
            cleared = {"guard_pending": None}
            text, reply_id = pending["text"], pending.get("id")
            remember = memories.after(state, ctx)
            return screened_answer(
                guards, state, ctx, text, reply_id, config, remember=remember, **cleared
            )
        turn = state.get("turn", 0)
        this_turn = {
            r.id: r for r in read_ledger(state.get("ledger", {})).values() if r.turn == turn
        }
        done_ids = [i for i, r in this_turn.items() if r.status in FINISHED]

        def check_plan(_: str, args: dict[str, Any]) -> None:
            errors = plan_errors(
                parse_plan(str(args["text"])),
                specialists=names,
                max_steps=ctx.max_steps,
                done_ids=done_ids,
            )
            if errors:
                raise ValueError("the edited plan is invalid: " + "; ".join(errors))

        stage = pending.get("stage")
        waiting = [r for r in this_turn.values() if r.status == "waiting"]
        found: list[dict[str, Any]] = []
        if pending.get("unchecked"):
            # A plan whose check raised in the plan node, entered and not launched.
            question = question_of(list(state.get("messages", [])))
            gate = screen_plan(guards, pending["text"], question, turn, config)
            found = gate.events
            if gate.blocked:
                dropped = {r.key: {"status": "dropped"} for r in waiting}
                carry = {"guardrails": found, "ledger": dropped, "guard_pending": None}
                return blocked_plan(TurnAt(state, ctx, turn, {}, {}, carry), gate)
            if not gate.asks:
                passed = {"guardrails": found, "guard_pending": None, "guard_feedback": None}
                return Command(goto="dispatch", update=passed)
            pending = pending_review("plan", gate.text, gate.asks)
        answered = ask_pending(pending, turn, check=check_plan if stage == "plan" else None)
        events = {"guardrails": [*found, *answered.events]}
        if stage == "answer":
            text = answered.text
            if answered.rejected:
                text = f"The answer was withheld: {answered.rejected}."
            remember = memories.after(state, ctx)
            return closing(state, ctx, text, pending.get("id"), remember, **events)
        if answered.rejected:
            dropped = {r.key: {"status": "dropped"} for r in waiting}
            gate = PlanGate(blocked=answered.rejected)
            carry = {**events, "ledger": dropped, "guard_pending": None}
            return blocked_plan(TurnAt(state, ctx, turn, {}, {}, carry), gate)
        if answered.text == pending.get("text"):
            settled = {**events, "guard_pending": None, "guard_feedback": None}
            return Command(goto="dispatch", update=settled)
        edited = parse_plan(answered.text)
        updates = ledger_updates(edited, turn, this_turn, state.get("reports", {}))
        update = {
            **events,
            "guard_pending": None,
            "guard_feedback": None,
            "ledger": updates,
            "messages": progress_message(state, updates),
        }
        return Command(goto="dispatch", update=update)

    return guard_review
