"""Guardrails inside a step: on each tool result before the model reads it, and on the report.

A tool result an `ask` guardrail stops stays in the step's transcript, marked pending; the
step pauses for the orchestrator to ask, and its model node settles the result with the
user's decisions before its next call. A report that asks waits the same way, and the
orchestrator's review node settles it (nodes/step_review.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig

from nodes.guards.asking import apply_decisions, pending_review
from nodes.guards.checks import Finding, Scope
from nodes.guards.screen import HELD_CHARS, Guards, blocked_text
from nodes.hitl import DECISIONS
from state.reports import Brief, Report

PENDING = "guardrail_pending"


def turn_of(step_key: str) -> int:
    """Return the turn a step key belongs to ('2.count' -> 2)."""
    head = step_key.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


@dataclass
class Outputs:
    """A step's tool results after the tool-output guardrails."""

    events: list[dict[str, Any]] = field(default_factory=list)
    # The HITL request for the results an `ask` guardrail stopped, if any.
    review: dict[str, Any] | None = None


def guard_outputs(
    guards: Guards,
    brief: Brief,
    messages: Sequence[ToolMessage],
    config: RunnableConfig,
    classify: Callable[[str], Finding | None] | None = None,
) -> Outputs:
    """Screen tool results in place: rewrite, block (the original held), or mark pending."""
    out = Outputs()
    if not guards.at("tool_output"):
        return out
    scope = Scope(step=brief.step_key, classify=classify)
    turn, actions, configs = turn_of(brief.step_key), [], []
    for message in messages:
        if not isinstance(message.content, str) or message.status == "error":
            continue
        screened = guards.screen("tool_output", message.content, scope, config)
        out.events += screened.events(turn, brief.step_key)
        if screened.blocked:
            message.content = blocked_text(screened.blocked)
        elif screened.asks:
            pending = pending_review("tool_output", screened.text, screened.asks)
            message.additional_kwargs[PENDING] = pending["action_requests"]
            actions += pending["action_requests"]
            configs += pending["review_configs"]
            message.content = screened.text
        else:
            message.content = screened.text
    if actions:
        out.review = {"action_requests": actions, "review_configs": configs}
    return out


def settle_outputs(messages: Sequence[BaseMessage], brief: Brief) -> list[dict[str, Any]]:
    """Apply the user's decisions to the tool results the step paused on, in place."""
    pending = [
        m for m in messages if isinstance(m, ToolMessage) and m.additional_kwargs.get(PENDING)
    ]
    if not pending or not brief.decisions:
        return []
    decisions = DECISIONS.validate_python(brief.decisions)
    events: list[dict[str, Any]] = []
    for message in pending:
        requests = message.additional_kwargs.pop(PENDING)
        mine, decisions = decisions[: len(requests)], decisions[len(requests) :]
        answered = apply_decisions(
            str(message.content), requests, mine, turn_of(brief.step_key), brief.step_key
        )
        message.content = answered.rejected or answered.text
        events += answered.events
    return events


def guard_report(
    guards: Guards,
    brief: Brief,
    made: dict[str, dict[str, Any]],
    messages: Sequence[BaseMessage],
    config: RunnableConfig,
) -> dict[str, dict[str, Any]]:
    """Screen a finished step's summary: rewrite it, fail the step, or have it wait."""
    report = Report(**made[brief.step_key])
    if report.status != "done" or not guards.at("report"):
        return made
    # What the step's figures may come from: its brief, its inputs, its tool results.
    sources = [
        brief.objective,
        *(r.summary for r in brief.inputs),
        *(m.text for m in messages if isinstance(m, ToolMessage)),
    ]
    scope = Scope(reports=sources, step=brief.step_key)
    screened = guards.screen("report", report.summary, scope, config)
    if not screened.trips:
        return made
    events = [*report.guardrails, *screened.events(turn_of(brief.step_key), brief.step_key)]
    update: dict[str, Any] = {"summary": screened.text, "guardrails": events}
    if screened.blocked:
        error = blocked_text(screened.blocked)
        update.update(status="failed", error=error, summary="")
    elif screened.asks:
        review = pending_review("report", screened.text, screened.asks)
        update.update(status="needs_review", review=review)
    return {brief.step_key: report.model_copy(update=update).model_dump()}


def settle_report(report: Mapping[str, Any], decisions: Sequence[Any], turn: int) -> dict[str, Any]:
    """Return a waiting report's card as the user's decisions on its guardrails leave it."""
    requests = (report.get("review") or {}).get("action_requests", [])
    answered = apply_decisions(
        str(report.get("summary", "")), requests, decisions, turn, str(report.get("step_key"))
    )
    events = [*report.get("guardrails", []), *answered.events]
    if answered.rejected:
        held = str(report.get("summary", ""))[:HELD_CHARS]
        events[-1] = {**events[-1], "held": held}
        return {
            **report,
            "status": "failed",
            "summary": "",
            "error": answered.rejected,
            "review": None,
            "guardrails": events,
        }
    return {
        **report,
        "status": "done",
        "summary": answered.text,
        "review": None,
        "guardrails": events,
    }
