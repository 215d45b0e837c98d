"""Screening a text at one stage: every guardrail of that stage, in the order declared.

Rewrites apply one after another; the first block stops the rest; `ask` trips are returned
for the node to ask about (where a pause repeats nothing); every trip is an event and, in a
traced run, a child run `guardrail:NAME` with its stage and action as metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain.agents.middleware.human_in_the_loop import ActionRequest, ReviewConfig
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.runnables.config import merge_configs

from nodes.guards.checks import Finding, Scope, run_check
from state.guardrail_spec import REWRITES, Guardrail, GuardrailEvent, Stage

HELD_CHARS = 2000
ASK_PREFIX = "guardrail:"


class GuardrailError(RuntimeError):
    """A guardrail's own check failed: the run stops, resumable, with its name."""


@dataclass
class Trip:
    """One guardrail that tripped on a text, and what it found."""

    guard: Guardrail
    finding: Finding

    def event(self, turn: int, step: str | None, held: str | None = None) -> GuardrailEvent:
        """Return the trip as the event the state and the views record."""
        return GuardrailEvent(
            name=self.guard.name,
            stage=self.guard.stage,
            action=self.guard.action,
            turn=turn,
            step=step,
            detail=self.finding.reason[:500],
            held=held[:HELD_CHARS] if held else None,
        )

    def request(self, text: str) -> tuple[ActionRequest, ReviewConfig]:
        """Return the trip as a HITL action request `guardrail:NAME` and its review config."""
        name = ASK_PREFIX + self.guard.name
        action = ActionRequest(
            name=name,
            args={"stage": self.guard.stage, "text": text, "reason": self.finding.reason},
            description=f"guardrail {self.guard.name} ({self.guard.stage}): "
            f"{self.finding.reason}. Approve lets the text through, edit replaces it, "
            "reject blocks it.",
        )
        config = ReviewConfig(action_name=name, allowed_decisions=["approve", "edit", "reject"])
        return action, config


@dataclass
class Screened:
    """A text after one stage's guardrails: rewritten, blocked, or waiting to be asked about."""

    text: str
    original: str = ""
    trips: list[Trip] = field(default_factory=list)
    blocked: Trip | None = None
    asks: list[Trip] = field(default_factory=list)

    def events(self, turn: int, step: str | None = None) -> list[dict[str, Any]]:
        """Return every trip but those still to be asked about, as events."""
        held = self.original if self.blocked else None
        return [
            t.event(turn, step, held if t is self.blocked else None).model_dump(exclude_none=True)
            for t in self.trips
            if t not in self.asks
        ]


def blocked_text(trip: Trip) -> str:
    """Return what stands in for a blocked text, naming the guardrail and its reason."""
    return f"blocked by guardrail {trip.guard.name}: {trip.finding.reason}"


class Guards:
    """A graph's declared guardrails, by stage."""

    def __init__(self, guardrails: Sequence[Guardrail] = ()) -> None:
        self.all = list(guardrails)

    def at(self, stage: Stage) -> list[Guardrail]:
        """Return the guardrails of one stage, in the order declared."""
        return [g for g in self.all if g.stage == stage]

    def screen(
        self,
        stage: Stage,
        text: str,
        scope: Scope,
        config: RunnableConfig | None = None,
    ) -> Screened:
        """Run a stage's guardrails over a text; rewrites apply in turn, a block stops them."""
        out = Screened(text=text, original=text)
        for guard in self.at(stage):
            try:
                finding = run_check(guard, out.text, scope)
            except Exception as exc:  # the user's check, or a bad reference to it
                raise GuardrailError(
                    f"guardrail {guard.name} ({guard.check}) failed: {type(exc).__name__}: {exc}"
                ) from exc
            if finding is None:
                continue
            trip = Trip(guard, finding)
            out.trips.append(trip)
            traced(trip, config)
            if guard.action in REWRITES:
                out.text = rewrite(out.text, finding, guard)
            elif guard.action == "ask":
                out.asks.append(trip)
            elif guard.action == "block":
                out.blocked = trip
                break
        return out


def rewrite(text: str, finding: Finding, guard: Guardrail) -> str:
    """Return the text with what the check found rewritten by LangChain's strategy."""
    # LangChain's own strategies (PIIMiddleware's), applied to this check's spans.
    from langchain.agents.middleware._redaction import apply_strategy

    spans = sorted(finding.spans, key=lambda m: m["start"])
    return apply_strategy(text, spans, guard.action)  # type: ignore[arg-type]


def traced(trip: Trip, config: RunnableConfig | None) -> None:
    """Record a trip as a child run `guardrail:NAME` of the node's run (when traced)."""
    if not config or not config.get("callbacks"):
        return
    guard = trip.guard
    child = merge_configs(
        config,
        {
            "run_name": ASK_PREFIX + guard.name,
            "tags": ["guardrail", "langsmith:nostream"],
            "metadata": {"stage": guard.stage, "action": guard.action, "check": guard.check},
        },
    )
    RunnableLambda(tripped).invoke(trip.finding.reason, child)


def tripped(reason: str) -> dict[str, Any]:
    """Return what a tripped guardrail's run records as its output."""
    return {"tripped": True, "reason": reason}
