"""Data contracts: graph states, the plan, briefs, reports and the run context."""

from state.context import Context
from state.graph_state import (
    OrchestraInput,
    OrchestraOutput,
    OrchestraState,
    SpecialistInput,
    SpecialistOutput,
    SpecialistState,
)
from state.ledger import StepRecord, step_key
from state.plan import Plan, PlanStep
from state.reports import Brief, Report, ToolCallRecord, Usage

__all__ = [
    "Brief",
    "Context",
    "OrchestraInput",
    "OrchestraOutput",
    "OrchestraState",
    "Plan",
    "PlanStep",
    "Report",
    "SpecialistInput",
    "SpecialistOutput",
    "SpecialistState",
    "StepRecord",
    "ToolCallRecord",
    "Usage",
    "step_key",
]
