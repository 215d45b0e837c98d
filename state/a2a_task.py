"""An A2A agent's step: the task it runs on the agent, as the step's checkpoint keeps it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from state.graph_state import SpecialistInput, SpecialistOutput

# What a step's transcript holds for an A2A agent: one record per task it sent.
RECORD = "a2a_task"
# Task states the agent has stopped in: for good, or until it is answered.
FINISHED = {"TASK_STATE_COMPLETED", "TASK_STATE_FAILED", "TASK_STATE_CANCELED"}
FINISHED |= {"TASK_STATE_REJECTED"}
WAITING = {"TASK_STATE_INPUT_REQUIRED", "TASK_STATE_AUTH_REQUIRED"}


@dataclass(frozen=True)
class A2AAgent:
    """An agent a team file names: where its card was found, and the card (JSON)."""

    url: str
    card: dict[str, Any] = field(default_factory=dict)
    # The variable holding its credential, read when a step calls it.
    key_env: str = ""

    def credentials(self) -> dict[str, str]:
        """Return the headers that present this process's credential to the agent."""
        key = os.environ.get(self.key_env, "") if self.key_env else ""
        return {"Authorization": f"Bearer {key}"} if key else {}


class TaskRef(BaseModel):
    """A task on the agent: its id, its context (the agent's conversation), its last state."""

    task_id: str
    context_id: str
    state: str = "TASK_STATE_SUBMITTED"
    # What the agent asked when it stopped for input (the step's HITL request).
    asked: dict[str, Any] | None = None


class A2AStepState(SpecialistInput, SpecialistOutput, total=False):
    """An A2A step's working state: the task sent, and what the agent answered."""

    task: dict[str, Any]
    # The agent's final word: {"task": <Task JSON>} or {"message": <Message JSON>}.
    outcome: dict[str, Any]
    # The status texts the agent streamed, in order.
    statuses: list[str]


def last_task(transcript: list[dict[str, Any]]) -> TaskRef | None:
    """Return the last task a step's earlier legs sent, if any."""
    found = [item[RECORD] for item in transcript if RECORD in item]
    return TaskRef(**found[-1]) if found else None
