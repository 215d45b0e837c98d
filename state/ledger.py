"""The plan ledger: one record per step and turn, updated as the run goes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

StepStatus = Literal[
    "waiting",
    "running",
    "needs_review",
    "done",
    "failed",
    "reused",
    "dropped",
    # A step its turn left unfinished: a new message came, the run was cancelled or drained.
    "superseded",
    "cancelled",
    "drained",
]
FINISHED: frozenset[str] = frozenset({"done", "reused"})


class StepRecord(BaseModel):
    """A step as the orchestrator tracks it across dispatches and replans."""

    key: str
    turn: int
    id: str
    specialist: str
    objective: str
    depends_on: list[str] = Field(default_factory=list)
    status: StepStatus = "waiting"
    attempts: int = 0
    reused_from: str | None = None
    error: str | None = None
    failures: list[str] = Field(default_factory=list)
    # The user's decisions on the calls the step paused for, sent with its next dispatch.
    decisions: list[dict[str, Any]] | None = None
    # Each time the step stopped before it finished: {status, at, why} (state/stops.py).
    stops: list[dict[str, Any]] = Field(default_factory=list)
    # The ids of the user's memories its brief carries (state/memories.py).
    memories: list[str] = Field(default_factory=list)


def read_ledger(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, StepRecord]:
    """Return the ledger channel's records as StepRecords, keyed by step."""
    return {key: StepRecord(**record) for key, record in raw.items()}


def step_key(turn: int, step_id: str) -> str:
    """Return the thread-unique key of a step: '<turn>.<id>'."""
    return f"{turn}.{step_id}"


def ready_steps(ledger: Mapping[str, StepRecord], turn: int) -> list[StepRecord]:
    """Return this turn's waiting (or drained) steps whose dependencies are all finished."""
    return [
        rec
        for rec in ledger.values()
        if rec.turn == turn
        and rec.status in ("waiting", "drained")
        and all(ledger[d].status in FINISHED for d in rec.depends_on if d in ledger)
    ]
