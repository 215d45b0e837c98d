"""Run configuration read through `runtime.context`: models per role and the budgets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields


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
