"""Guardrails where the orchestrator plans: on the question (input) and on the plan itself."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END
from langgraph.types import Command, Overwrite

from nodes.guards.asking import ask_about
from nodes.guards.checks import Scope
from nodes.guards.screen import GuardrailError, Guards, Trip, blocked_text
from nodes.plan_request import turn_update
from nodes.summary import close_turn
from state.context import Context
from state.graph_state import OrchestraState
from state.guardrail_spec import REWRITES
from state.ledger import StepRecord
from state.plan import Plan

REFUSAL = "I can't help with this request: {reason}."
PRESCREENED = "guardrails"


def refusal_message(reason: str) -> AIMessage:
    """Return the answer of a turn a guardrail refused: it names the guardrail and why."""
    return AIMessage(content=REFUSAL.format(reason=reason), name="orchestra")


@dataclass
class Question:
    """The user's question after the input guardrails: as it goes on, or refused."""

    state: OrchestraState
    update: dict[str, Any] = field(default_factory=dict)
    refusal: str | None = None

    @property
    def messages(self) -> list[Any]:
        """Return the thread's messages, the question as screened."""
        return list(self.state.get("messages", []))

    def carry(self, continuing: bool, more: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Return what the plan node's update carries: the rewritten question, the trips.

        A new turn's first update replaces the last turn's trips; a later one adds to them.
        """
        events = [*self.update.get("guardrails", []), *(more or [])]
        out: dict[str, Any] = {k: v for k, v in self.update.items() if k == "messages"}
        if not continuing:
            out["guardrails"] = Overwrite(events)
        elif events:
            out["guardrails"] = events
        return out


def guard_question(
    guards: Guards, state: OrchestraState, turn: int, config: RunnableConfig
) -> Question:
    """Screen a new turn's question; `ask` pauses here, before any model call of the turn."""
    messages = list(state.get("messages", []))
    where = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].type == "human"), -1)
    if where < 0 or not guards.at("input"):
        return Question(state)
    asked = messages[where]
    question = asked.text
    screened = guards.screen("input", question, Scope(question=question), config)
    # A caller that rewrote the question before sending it (the command line) says so on it.
    sent = [{**e, "turn": turn} for e in asked.additional_kwargs.get(PRESCREENED, [])]
    events, text = [*sent, *screened.events(turn)], screened.text
    refusal = blocked_text(screened.blocked) if screened.blocked else None
    if refusal is None and screened.asks:
        answered = ask_about(text, screened.asks, turn)
        events, text, refusal = [*events, *answered.events], answered.text, answered.rejected
    update: dict[str, Any] = {"guardrails": events} if events else {}
    if text == question:
        return Question(state, update, refusal)
    # The same id replaces the message: later checkpoints and every model see the new text.
    replaced = HumanMessage(content=text, id=asked.id)
    update["messages"] = [replaced]
    messages[where] = replaced
    return Question({**state, "messages": messages}, update, refusal)


@dataclass
class PlanGate:
    """A plan after the plan guardrails: passed, blocked, or waiting for the user."""

    events: list[dict[str, Any]] = field(default_factory=list)
    blocked: str | None = None
    asks: list[Trip] = field(default_factory=list)
    text: str = ""
    # A check raised on it: the plan is checked again in guard_review.
    error: str | None = None


def plan_text(plan: Plan) -> str:
    """Return a plan as the text its guardrails read and an `ask` shows: its steps as JSON."""
    steps = [s.model_dump(exclude_none=True, exclude_defaults=True) for s in plan.steps]
    return json.dumps({"steps": steps}, indent=1)


def guard_plan(
    guards: Guards, plan: Plan, question: str, turn: int, config: RunnableConfig
) -> PlanGate:
    """Screen a valid plan: which specialists it uses, what its objectives say."""
    if not guards.at("plan"):
        return PlanGate()
    text = plan_text(plan)
    try:
        return screen_plan(guards, text, question, turn, config)
    except GuardrailError as exc:
        # Checked again in guard_review once the plan is entered: there the error stops the
        # run, and resume checks again without asking the planner again.
        return PlanGate(text=text, error=str(exc))


def screen_plan(
    guards: Guards, text: str, question: str, turn: int, config: RunnableConfig
) -> PlanGate:
    """Run the plan guardrails over a plan's text (its steps as JSON)."""
    steps = json.loads(text)["steps"]
    scope = Scope(question=question, specialists=[s["specialist"] for s in steps])
    screened = guards.screen("plan", text, scope, config)
    blocked = blocked_text(screened.blocked) if screened.blocked else None
    return PlanGate(screened.events(turn), blocked, screened.asks, text)


def is_continuing(state: OrchestraState) -> bool:
    """Return True when the plan node is asked again within a turn (a replan, a repair)."""
    return bool(
        state.get("replan_reason")
        or state.get("plan_error")
        or state.get("guard_feedback")
        or state.get("menu_need")
    )


@dataclass
class TurnAt:
    """Where a turn stands when a guardrail ends it or sends its plan back."""

    state: OrchestraState
    ctx: Context
    turn: int
    # The earlier turn's records still in the state (a new turn archives them).
    stale: Mapping[str, StepRecord]
    usage: dict[str, int]
    # What the node's update carries besides: the screened question, trips, ledger changes.
    carry: dict[str, Any]


def refusal(at: TurnAt, reason: str) -> Command[Any]:
    """End the turn with a refusal that names the guardrail: no step runs."""
    answer = refusal_message(reason)
    filed, _ = close_turn(at.state, at.ctx, answer.text)
    ledger = dict(at.carry.get("ledger") or {})
    update = {
        **at.carry,
        **turn_update(at.state, at.turn, at.stale, ledger, {}, at.usage),
        **filed,
        "messages": [*at.carry.get("messages", []), *filed["messages"], answer],
        "status": "done",
        "note": "",
        "plan_error": None,
        "replan_reason": None,
        "guard_feedback": None,
        "guard_pending": None,
    }
    return Command(goto=END, update=update)


def blocked_plan(at: TurnAt, gate: PlanGate) -> Command[Any]:
    """Send a blocked plan back to the planner once, with why; refuse the turn after that."""
    assert gate.blocked is not None
    if at.state.get("guard_feedback"):
        return refusal(at, gate.blocked)
    spent = {str(at.turn): at.usage}
    again = {**at.carry, "turn": at.turn, "orchestrator_usage": spent, "status": "running"}
    return Command(goto="plan", update={**again, "guard_feedback": gate.blocked})


def prescreened(guards: Guards, question: str) -> HumanMessage:
    """Return the question as a caller sends it, the input rewrites applied before sending.

    Applied where the question is made, the rewritten text is all the thread's checkpoints
    and the trace ever hold; the trips ride on the message, and the plan node records them.
    """
    rewrites = Guards([g for g in guards.at("input") if g.action in REWRITES])
    screened = rewrites.screen("input", question, Scope(question=question))
    events = screened.events(0)
    return HumanMessage(screened.text, additional_kwargs={PRESCREENED: events} if events else {})
