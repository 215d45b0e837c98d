"""Data contracts: graph states, the plan, briefs, reports and the run context."""

from __future__ import annotations

import importlib
from typing import Any

# Where each public name lives; imported on first use, so a command that needs only the
# settings (`orchestra threads`) starts without LangGraph's graph machinery.
_HOMES = {
    "Context": "state.context",
    "OrchestraInput": "state.graph_state",
    "OrchestraOutput": "state.graph_state",
    "OrchestraState": "state.graph_state",
    "SpecialistInput": "state.graph_state",
    "SpecialistOutput": "state.graph_state",
    "SpecialistState": "state.graph_state",
    "Guardrail": "state.guardrail_spec",
    "StepRecord": "state.ledger",
    "step_key": "state.ledger",
    "Plan": "state.plan",
    "PlanStep": "state.plan",
    "Brief": "state.reports",
    "Report": "state.reports",
    "ToolCallRecord": "state.reports",
    "Usage": "state.reports",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'state' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
