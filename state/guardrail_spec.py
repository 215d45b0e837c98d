"""Guardrails declared as data: which check runs at which stage, and what it does on a trip.

One entry of a team file's `guardrails:` list, or a `Guardrail(...)` given to `build_graph`.
The shape follows LangChain's `PIIMiddleware` (one detector per PII type, a strategy name)
and the OpenAI Agents SDK's guardrails (a check beside what it guards, with a tripwire).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from state.ids import EntryName

Stage = Literal["input", "plan", "tool_output", "report", "answer"]
CheckKind = Literal["pii", "prompt_injection", "grounded_numbers", "specialists", "regex", "python"]
Action = Literal["block", "redact", "mask", "hash", "ask", "flag"]

# LangChain's built-in PII detectors (langchain.agents.middleware.pii).
PII_TYPES = ("email", "credit_card", "ip", "mac_address", "url")
# The actions that rewrite the text: LangChain's strategies, on the spans a check finds.
REWRITES: tuple[Action, ...] = ("redact", "mask", "hash")
# Checks that find spans in a text (so they can rewrite it), and where each check can run.
SPAN_CHECKS = ("pii", "regex")
STAGES_OF: dict[str, tuple[str, ...]] = {
    "pii": ("input", "tool_output", "report", "answer"),
    "regex": ("input", "plan", "tool_output", "report", "answer"),
    "prompt_injection": ("input", "tool_output", "report"),
    "grounded_numbers": ("report", "answer"),
    "specialists": ("plan",),
    "python": ("input", "plan", "tool_output", "report", "answer"),
}


class Guardrail(BaseModel):
    """One declared guardrail: a name, the stage it guards, its check and its action."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: EntryName
    stage: Stage
    check: CheckKind
    action: Action = "block"
    pii: str | None = Field(default=None, description="A LangChain PII type, for check: pii.")
    pattern: str | None = Field(default=None, description="A regular expression (check: regex).")
    allow: list[str] | None = Field(default=None, description="Specialists a plan may use.")
    deny: list[str] | None = Field(default=None, description="Specialists a plan may not use.")
    function: str | Callable[..., Any] | None = Field(
        default=None, description="`module:function` (or, in Python, the callable) to run."
    )

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a regular expression ({exc})"
                ) from None
        return pattern

    @model_validator(mode="after")
    def _consistent(self) -> Guardrail:
        """Refuse a check without what it needs, at a stage or with an action it cannot do."""
        needs = {"pii": "pii", "regex": "pattern", "python": "function"}
        for check, key in needs.items():
            given = getattr(self, key) is not None
            if given != (self.check == check):
                what = "needs" if self.check == check else "takes no"
                raise ValueError(f"check {self.check} {what} `{key}`")
        if self.check == "pii" and self.pii not in PII_TYPES:
            raise ValueError(f"unknown PII type {self.pii!r}; one of: {', '.join(PII_TYPES)}")
        if self.check == "specialists" and (self.allow is None) == (self.deny is None):
            raise ValueError("check specialists needs exactly one of `allow` and `deny`")
        if self.check != "specialists" and (self.allow is not None or self.deny is not None):
            raise ValueError("only check specialists takes `allow` or `deny`")
        if self.stage not in STAGES_OF[self.check]:
            where = ", ".join(STAGES_OF[self.check])
            raise ValueError(f"check {self.check} runs at stage {where}, not {self.stage}")
        if self.action in REWRITES and self.check not in SPAN_CHECKS:
            raise ValueError(
                f"action {self.action} rewrites what a check finds: only pii and regex find "
                f"spans, not {self.check}"
            )
        if self.action in REWRITES and self.stage == "plan":
            raise ValueError(f"action {self.action} cannot rewrite a plan; use block, ask or flag")
        return self


class GuardrailEvent(BaseModel):
    """A guardrail that tripped: which, where, what it did, and why."""

    name: str
    stage: Stage
    action: Action
    turn: int = 0
    step: str | None = None
    detail: str = ""
    # What the user decided, for an `ask` guardrail.
    decision: str | None = None
    # The text a block or a rejection kept from going on, held for review (truncated).
    held: str | None = None


def check_unique(guardrails: list[Guardrail]) -> list[Guardrail]:
    """Return the guardrails, refusing a name used twice."""
    seen: set[str] = set()
    for guard in guardrails:
        if guard.name in seen:
            raise ValueError(f"guardrail name '{guard.name}' is used twice")
        seen.add(guard.name)
    return guardrails
