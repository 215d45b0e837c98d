"""Asking the user about `ask` guardrails, in LangChain's human-in-the-loop format.

Each trip is one action request `guardrail:NAME` with args `{stage, text, reason}`: approve
lets the text through, edit replaces it (`edited_action.args.text`), reject blocks it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain.agents.middleware.human_in_the_loop import ActionRequest, ReviewConfig

from nodes.guards.screen import ASK_PREFIX, HELD_CHARS, Trip
from nodes.hitl import Decision, Edit, EditCheck, Reject, ask_review
from state.guardrail_spec import GuardrailEvent


def edited_text(name: str, args: dict[str, Any]) -> None:
    """Refuse an edit of a guardrail request that does not give the new text."""
    if name.startswith(ASK_PREFIX) and not isinstance(args.get("text"), str):
        raise ValueError(f"an edit of '{name}' gives the new text as args.text (a string)")


@dataclass
class Answered:
    """A text after the user's decisions on the guardrails that asked about it."""

    text: str
    events: list[dict[str, Any]] = field(default_factory=list)
    # The first rejection, if any: the text is blocked.
    rejected: str | None = None


def apply_decisions(
    text: str,
    requests: Sequence[Mapping[str, Any]],
    decisions: Sequence[Decision],
    turn: int,
    step: str | None = None,
) -> Answered:
    """Return the text as the decisions on its `guardrail:NAME` requests leave it."""
    out = Answered(text)
    for request, decision in zip(requests, decisions, strict=True):
        args = request.get("args", {})
        event = GuardrailEvent(
            name=str(request["name"]).removeprefix(ASK_PREFIX),
            stage=args.get("stage", "input"),
            action="ask",
            turn=turn,
            step=step,
            detail=str(args.get("reason", ""))[:500],
            decision=decision.type,
        )
        if isinstance(decision, Reject):
            said = f": {decision.message}" if decision.message else ""
            why = f"blocked by guardrail {event.name}: {event.detail} (rejected by the user{said})"
            event.held = out.text[:HELD_CHARS]
            out.rejected = out.rejected or why
        elif isinstance(decision, Edit):
            out.text = str(decision.edited_action.args["text"])
        out.events.append(event.model_dump(exclude_none=True))
    return out


def ask_about(
    text: str,
    asks: Sequence[Trip],
    turn: int,
    step: str | None = None,
    check: EditCheck | None = None,
) -> Answered:
    """Pause for the user's decisions on the trips (an interrupt), then apply them."""
    return ask_pending(pending_review(asks[0].guard.stage, text, asks), turn, step, check)


def ask_pending(
    pending: Mapping[str, Any], turn: int, step: str | None = None, check: EditCheck | None = None
) -> Answered:
    """Ask about a pending review (an interrupt), then apply the decisions to its text."""
    actions = [ActionRequest(**a) for a in pending["action_requests"]]  # type: ignore[typeddict-item]
    configs = [ReviewConfig(**c) for c in pending["review_configs"]]  # type: ignore[typeddict-item]

    def checked(name: str, args: dict[str, Any]) -> None:
        edited_text(name, args)
        if check is not None:
            check(name, args)

    decisions = ask_review(actions, configs, checked)
    return apply_decisions(pending["text"], pending["action_requests"], decisions, turn, step)


def pending_review(stage: str, text: str, asks: Sequence[Trip]) -> dict[str, Any]:
    """Return what the guard_review node asks about: the text and each trip's request."""
    requests = [trip.request(text) for trip in asks]
    return {
        "stage": stage,
        "text": text,
        "action_requests": [dict(a) for a, _ in requests],
        "review_configs": [dict(c) for _, c in requests],
    }
