"""One scripted policy per task, played as Orchestra, as a single agent, or as a supervisor.

The policy decides the same moves in every architecture (the same tool calls with the same
arguments, the same answer built from the same tool results); only who makes them differs.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import openai
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage

from graph.testing.builders import plan
from graph.testing.tasks import ANSWER, Step, Task

_STEP = re.compile(r"^Step (\S+):")
SUMMARY_CHARS = 900


def outage() -> openai.InternalServerError:
    """Return the transient fault the model raises: an HTTP 500 from the model server."""
    request = httpx.Request("POST", "http://model.invalid/v1/chat/completions")
    response = httpx.Response(500, request=request)
    return openai.InternalServerError("injected 500 from the model", response=response, body=None)  # type: ignore[arg-type]


def summary(step: Step, tool_text: str) -> str:
    """Return a step's answer: its last tool result, labelled with the step id."""
    return f"[{step.id}] " + tool_text.split("\n(saved as")[0].strip()[:SUMMARY_CHARS]


def _tool_results(messages: list[BaseMessage]) -> list[ToolMessage]:
    """Return the tool results of real tools, leaving out handoffs."""
    return [
        m
        for m in messages
        if isinstance(m, ToolMessage) and not str(m.name or "").startswith("transfer_")
    ]


def _tool_call(step: Step, move: int) -> dict[str, Any]:
    return {"tool_calls": [dict(step.calls[move])]}


class Policy:
    """The moves that solve one task, with its injected fault, for any architecture."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.failures_left = task.fault.times if task.fault else 0

    def __call__(self, role: str, messages: list[BaseMessage]) -> dict[str, Any]:
        """Return the reply for a call, or a fault to raise."""
        system = next((m.text for m in messages if isinstance(m, SystemMessage)), "")
        if role == "orchestrator":
            return self._orchestrator(system, messages)
        if role == "single_agent":
            return self._single(messages)
        if role == "supervisor":
            return self._supervisor(messages)
        if "transfer_to_" + role in {m.name for m in messages if isinstance(m, ToolMessage)}:
            return self._worker(role, messages)
        return self._specialist(messages)

    def _faulty(self, step: str, move: int) -> bool:
        fault = self.task.fault
        if fault and fault.step == step and fault.move == move and self.failures_left > 0:
            self.failures_left -= 1
            return True
        return False

    def _reply(self, step: Step, move: int, results: list[ToolMessage]) -> dict[str, Any]:
        """Return a step's next move: its next tool call, or its summary."""
        if self._faulty(step.id, move):
            return {"raise": outage()}
        if move < len(step.calls):
            return _tool_call(step, move)
        return {"content": summary(step, results[-1].text if results else "nothing found")}

    def _answer(self, text: str) -> dict[str, Any]:
        if self._faulty(ANSWER, 0):
            return {"raise": outage()}
        return {"content": self.task.answer or text}

    def _orchestrator(self, system: str, messages: list[BaseMessage]) -> dict[str, Any]:
        if "the planner" in system:
            steps = [
                {
                    "id": s.id,
                    "specialist": s.specialist,
                    "objective": s.objective,
                    "depends_on": list(s.depends_on),
                }
                for s in self.task.steps
            ]
            return plan(*steps)
        return self._answer(messages[-1].text.split("Reports:\n", 1)[-1].strip())

    def _specialist(self, messages: list[BaseMessage]) -> dict[str, Any]:
        match = _STEP.match(messages[1].text)
        step = self.task.step(match.group(1) if match else self.task.steps[0].id)
        results = _tool_results(messages)
        return self._reply(step, len(results), results)

    def _single(self, messages: list[BaseMessage]) -> dict[str, Any]:
        results = _tool_results(messages)
        done = 0
        for step in self.task.steps:
            if len(results) < done + len(step.calls):
                return self._reply(step, len(results) - done, results)
            done += len(step.calls)
        ends = [
            sum(len(s.calls) for s in self.task.steps[: i + 1]) - 1
            for i in range(len(self.task.steps))
        ]
        texts = [summary(s, results[e].text) for s, e in zip(self.task.steps, ends, strict=True)]
        return self._answer("\n\n".join(texts))

    def _supervisor(self, messages: list[BaseMessage]) -> dict[str, Any]:
        handoffs = [
            m
            for m in messages
            if isinstance(m, ToolMessage) and str(m.name or "").startswith("transfer_to_")
        ]
        if len(handoffs) < len(self.task.steps):
            target = self.task.steps[len(handoffs)].specialist
            return {"tool_calls": [{"name": f"transfer_to_{target}", "args": {}}]}
        names = {s.specialist for s in self.task.steps}
        answers = [
            m.text
            for m in messages
            if isinstance(m, AIMessage) and m.name in names and not m.tool_calls
        ]
        return self._answer("\n\n".join(answers))

    def _worker(self, role: str, messages: list[BaseMessage]) -> dict[str, Any]:
        handoff = f"transfer_to_{role}"
        marks = [
            i for i, m in enumerate(messages) if isinstance(m, ToolMessage) and m.name == handoff
        ]
        mine = [s for s in self.task.steps if s.specialist == role]
        step = mine[min(len(marks), len(mine)) - 1]
        results = _tool_results(messages[marks[-1] + 1 :])
        return self._reply(step, len(results), results)
