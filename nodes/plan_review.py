"""Plan sign-off: with `review_plan`, the user approves, edits or rejects a plan before it runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain.agents.middleware.human_in_the_loop import ActionRequest
from langgraph.runtime import Runtime
from langgraph.types import Command
from pydantic import ValidationError

from nodes.hitl import Edit, Reject, ask_review, review_config
from nodes.model_access import context_of
from nodes.plan_request import ledger_updates
from nodes.plan_rules import plan_errors
from nodes.progress import progress_message
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import FINISHED, read_ledger
from state.plan import Plan

EXECUTE_PLAN = "execute_plan"


def make_plan_review_node(registry: Sequence[SpecialistSpec]):
    """Return the node that asks the user to sign off this turn's plan."""
    names = [spec.name for spec in registry]

    def approve_plan(
        state: OrchestraState, runtime: Runtime[Context]
    ) -> Command[Literal["dispatch", "plan"]]:
        """Pause with the plan as an `execute_plan` action; go on as the user decides."""
        ctx = context_of(runtime)
        turn = state.get("turn", 0)
        this_turn = {
            r.id: r for r in read_ledger(state.get("ledger", {})).values() if r.turn == turn
        }
        done_ids = [i for i, r in this_turn.items() if r.status in FINISHED]
        steps = [
            {
                "id": r.id,
                "specialist": r.specialist,
                "objective": r.objective,
                "depends_on": [d.split(".", 1)[1] for d in r.depends_on],
            }
            for r in this_turn.values()
            if r.status == "waiting"
        ]

        def check(_: str, args: dict[str, Any]) -> None:
            try:
                edited = Plan(**args)
            except ValidationError as exc:
                raise ValueError(f"the edited plan is not a plan: {exc}") from None
            errors = plan_errors(
                edited, specialists=names, max_steps=ctx.max_steps, done_ids=done_ids
            )
            if errors:
                raise ValueError("the edited plan is invalid: " + "; ".join(errors))

        action = ActionRequest(
            name=EXECUTE_PLAN,
            args={"steps": steps},
            description=f"Run this plan of {len(steps)} step(s)? Approve, edit the steps, "
            "or reject with what to change.",
        )
        config = review_config(EXECUTE_PLAN, True)
        assert config is not None
        decision = ask_review([action], [config], check)[0]
        if isinstance(decision, Reject):
            why = "the user rejected the plan" + (
                f": {decision.message}" if decision.message else ""
            )
            return Command(goto="plan", update={"replan_reason": why})
        if isinstance(decision, Edit):
            edited = Plan(**decision.edited_action.args)
            updates = ledger_updates(edited, turn, this_turn, state.get("reports", {}))
            return Command(
                goto="dispatch",
                update={"ledger": updates, "messages": progress_message(state, updates)},
            )
        return Command(goto="dispatch")

    return approve_plan
