"""Run configuration read through `runtime.context`: models per role and the budgets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


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

    def model_for(self, role: str) -> str:
        """Return the configured `provider:model` string for a role, or ''."""
        if role == "orchestrator" and self.orchestrator_model:
            return self.orchestrator_model
        return (
            self.specialist_models.get(role)
            or _env(f"ORCHESTRA_MODEL_{role.upper()}")
            or self.model
        )
