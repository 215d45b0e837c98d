"""Graph states: the orchestrator's, a specialist's, and their public faces."""

from __future__ import annotations

import operator
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from state.records import merge_records
from state.usage import add_turn_usage


def add_usage(left: dict[str, int] | None, right: dict[str, int] | None) -> dict[str, int]:
    """Sum usage counters."""
    total = dict(left or {})
    for name, value in (right or {}).items():
        total[name] = total.get(name, 0) + value
    return total


class OrchestraInput(TypedDict):
    """What a caller sends: the conversation's new message(s)."""

    messages: Annotated[list[AnyMessage], add_messages]


class OrchestraOutput(TypedDict, total=False):
    """What a caller gets back."""

    messages: Annotated[list[AnyMessage], add_messages]
    ledger: Annotated[dict[str, dict[str, Any]], merge_records]
    reports: Annotated[dict[str, dict[str, Any]], merge_records]
    status: str
    note: str
    # The planner's last menu: {"turn", "names", "ms"} (nodes/menu.py).
    menu: dict[str, Any]
    # This turn's guardrail trips at the orchestrator's stages (state/guardrail_spec.py);
    # a step's own trips (tool output, its report) are in its report.
    guardrails: Annotated[list[dict[str, Any]], operator.add]
    # This turn's memories (state/memories.py): {"turn", "used", "wrote", "forgot"}, each
    # memory as {id, text, kind, thread_id}; earlier turns' are in the thread's Archive.
    memory: dict[str, Any]


class OrchestraState(OrchestraOutput, total=False):
    """The orchestrator's whole state; it alone owns control flow."""

    turn: int
    turn_started_at: float
    # The id of the question this turn answers: a newer one in `messages` starts a new turn.
    asked: str
    # The rolling summary of the turns before this one (nodes/summary.py).
    summary: str
    # What the planner asked for more of (a large team's menu), once per plan.
    menu_need: str | None
    replan_reason: str | None
    replans: int
    plan_error: str | None
    # Why a guardrail refused the last plan: the planner is asked once more with it.
    guard_feedback: str | None
    # What an `ask` guardrail waits on at the plan or the answer (nodes/guards/review.py).
    guard_pending: dict[str, Any] | None
    orchestrator_usage: Annotated[dict[str, dict[str, int]], add_turn_usage]
    # What the memory call extracted (a MemoryUpdate), until it is stored.
    memory_notes: dict[str, Any] | None


class SpecialistInput(TypedDict):
    """A specialist's input: its brief alone."""

    brief: dict[str, Any]


class SpecialistOutput(TypedDict, total=False):
    """A specialist's output: its report, keyed by step."""

    reports: dict[str, dict[str, Any]]


class SpecialistState(SpecialistInput, SpecialistOutput, total=False):
    """A specialist's own working state, never seen by other specialists."""

    messages: Annotated[list[AnyMessage], add_messages]
    iterations: int
    usage: Annotated[dict[str, int], add_usage]
    model_attempts: Annotated[int, operator.add]
    tools_called: Annotated[list[dict[str, Any]], operator.add]
    # Guardrail trips on this step's tool output, for its report.
    guard_events: Annotated[list[dict[str, Any]], operator.add]
    started_at: float
