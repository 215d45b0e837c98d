"""Run configuration read through `runtime.context`: models per role and the budgets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any

# What each kind of call may write, in tokens, unless a setting or the team file says more:
# a plan (up to max_steps steps), a specialist's turn (a query, code, or its summary), the
# answer, the rolling summary, a memory. Reasoning models count their thinking in it too.
MAX_TOKENS = {"plan": 2048, "step": 4096, "answer": 4096, "summary": 1024, "memory": 1024}
MAX_TOKENS_ENV, TEMPERATURE_ENV = "ORCHESTRA_MAX_TOKENS_", "ORCHESTRA_TEMPERATURE_"


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _parse(name: str, raw: str, kind: type) -> bool | int | float:
    """Read one setting's text as its field's type, or say what is wrong with it."""
    if kind is bool:
        if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
            raise ValueError(f"ORCHESTRA_{name.upper()}: expected true or false, got {raw!r}")
        return raw.lower() in ("1", "true", "yes")
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"ORCHESTRA_{name.upper()}: expected a number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"ORCHESTRA_{name.upper()}: must not be negative, got {raw!r}")
    return value


def _per_role(prefix: str, kind: type) -> dict[str, Any]:
    """Read `<prefix><ROLE>` variables into a mapping by role (e.g. plan, sql_analyst)."""
    found: dict[str, Any] = {}
    for name, raw in os.environ.items():
        if name.startswith(prefix) and raw.strip():
            role = name.removeprefix(prefix).lower()
            found[role] = _parse(name.removeprefix("ORCHESTRA_"), raw.strip(), kind)
    return found


@dataclass(kw_only=True)
class Context:
    """Models per role and the run's budgets; every field is editable in Studio."""

    model: str = field(
        default_factory=lambda: _env("ORCHESTRA_MODEL"),
        metadata={"description": "provider:model used by every role without its own."},
    )
    orchestrator_model: str = field(
        default_factory=lambda: _env("ORCHESTRA_MODEL_ORCHESTRATOR"),
        metadata={"description": "provider:model for planning and the final answer."},
    )
    specialist_models: dict[str, str] = field(
        default_factory=dict,
        metadata={"description": "provider:model per specialist name, e.g. sql_analyst."},
    )
    max_steps: int = field(default=8, metadata={"description": "Most steps one plan may have."})
    max_replans: int = field(
        default=2, metadata={"description": "Replans allowed per turn after a failed step."}
    )
    specialist_iterations: int = field(
        default=6, metadata={"description": "Most model turns a specialist takes per step."}
    )
    max_parallel: int = field(
        default=4, metadata={"description": "Most specialist steps running at once."}
    )
    max_run_tokens: int = field(
        default=400_000, metadata={"description": "Token budget per turn, all calls summed."}
    )
    max_turn_calls: int = field(
        default=200, metadata={"description": "Model calls allowed per turn, all roles summed."}
    )
    max_turn_seconds: float = field(
        default=1800.0, metadata={"description": "Wall-clock budget per turn, in seconds."}
    )
    max_thread_tokens: int = field(
        default=0,
        metadata={"description": "Token budget for the whole thread; 0 means none."},
    )
    retry_attempts: int = field(
        default=3,
        metadata={"description": "Attempts per model call on transient faults (429, 5xx)."},
    )
    model_timeout_s: float = field(
        default=120.0, metadata={"description": "Wall-clock limit per model call attempt."}
    )
    tool_timeout_s: float = field(
        default=120.0, metadata={"description": "Wall-clock limit per tool call."}
    )
    review_plan: bool = field(
        default=False,
        metadata={"description": "Pause after planning for the user to sign the plan off."},
    )
    recalled_reports: int = field(
        default=4,
        metadata={"description": "Earlier reports the planner is shown, the most relevant."},
    )
    summary_chars: int = field(
        default=800,
        metadata={"description": "Longest rolling summary of earlier turns, in characters."},
    )
    menu_threshold: int = field(
        default=12,
        metadata={"description": "Above this many specialists, the planner sees a chosen few."},
    )
    menu_size: int = field(
        default=8,
        metadata={
            "description": "How many specialists a large team's menu offers (plus always-on)."
        },
    )
    chat_turns: int = field(
        default=2,
        metadata={"description": "Turns kept word for word in the thread's messages."},
    )
    memory: bool = field(
        default=True,
        metadata={"description": "Remember what matters about the user across threads."},
    )
    recalled_memories: int = field(
        default=6,
        metadata={"description": "Most memories the planner is shown, the most relevant."},
    )
    memory_tokens: int = field(
        default=300,
        metadata={"description": "Token budget of the memories in the planner's request."},
    )
    memory_findings: bool = field(
        default=False,
        metadata={
            "description": "Also remember after turns that only asked questions (their "
            "findings), not only after the user said something; costs a model call a turn."
        },
    )
    memory_ttl_days: float = field(
        default=0.0,
        metadata={"description": "Days a memory lives after it was last learned; 0 for ever."},
    )
    max_tokens: dict[str, int] = field(
        default_factory=lambda: _per_role(MAX_TOKENS_ENV, int),
        metadata={
            "description": "Most tokens a call may write, by role: plan, step, answer, "
            "summary, memory, or a specialist's name (its steps)."
        },
    )
    temperature: dict[str, float] = field(
        default_factory=lambda: _per_role(TEMPERATURE_ENV, float),
        metadata={"description": "Sampling temperature by role, where set (else the model's)."},
    )
    strict_plans: bool = field(
        default=True,
        metadata={
            "description": "Send the Plan tool strict where the provider supports it (OpenAI)."
        },
    )

    @classmethod
    def from_env(cls, **overrides: object) -> Context:
        """Return the defaults with any `ORCHESTRA_<FIELD>` set in the environment applied."""
        values: dict[str, object] = {}
        for spec in fields(cls):
            raw = _env(f"ORCHESTRA_{spec.name.upper()}")
            if raw and isinstance(spec.default, bool | int | float):
                values[spec.name] = _parse(spec.name, raw, type(spec.default))
        return cls(**{**values, **overrides})  # type: ignore[arg-type]

    def own_model(self, role: str) -> str:
        """Return the `provider:model` configured for this role itself, or ''."""
        if role == "orchestrator" and self.orchestrator_model:
            return self.orchestrator_model
        return self.specialist_models.get(role) or _env(f"ORCHESTRA_MODEL_{role.upper()}")

    def model_for(self, role: str) -> str:
        """Return the configured `provider:model` string for a role, or ''."""
        return self.own_model(role) or self.model

    def sampling(self, kind: str, role: str = "", declared: Sampling | None = None) -> Sampling:
        """Return a call's output limit and temperature: the role's, the team file's, the kind's.

        `kind` is plan, step, answer, summary or memory; `role` a specialist's name for steps;
        `declared` what the team file gives that specialist.
        """
        declared = declared or Sampling()
        limit = (
            declared.max_tokens
            or self.max_tokens.get(role)
            or self.max_tokens.get(kind)
            or MAX_TOKENS.get(kind)
        )
        heats = (declared.temperature, self.temperature.get(role), self.temperature.get(kind))
        return Sampling(limit, next((t for t in heats if t is not None), None))


@dataclass(frozen=True)
class Sampling:
    """A model call's output limit and temperature (None: the model's own)."""

    max_tokens: int | None = None
    temperature: float | None = None

    def kwargs(self) -> dict[str, int | float]:
        """Return the call's keyword arguments: only what is set."""
        out: dict[str, int | float] = {}
        if self.max_tokens:
            out["max_tokens"] = self.max_tokens
        if self.temperature is not None:
            out["temperature"] = self.temperature
        return out
