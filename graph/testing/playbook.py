"""Many scripted tasks played at once: each call goes to the task its request is about.

The benchmark swaps one task's policy in at a time; an evaluation runs many examples at
once, on several threads and architectures. A Playbook reads which task a request belongs
to — the orchestrator's from the request it is asked, a specialist's from its step id, a
baseline's from the conversation's last question — and plays that task's policy on the
current turn alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from graph.testing.memory_play import remembered
from graph.testing.policy import SUMMARY_CHARS, Policy
from graph.testing.script import ScriptExhaustedError, step_of
from graph.testing.tasks import Task

_CURRENT, _REPAIR = "Current request:\n", "\n\nYour previous plan"
_FINAL, _REPORTS = "Request: ", "\n\nReports:\n"


def current_request(messages: Sequence[BaseMessage], role: str) -> str:
    """Return the question a request is about: the user's latest, as the role was shown it."""
    last = next((m.text for m in reversed(messages) if isinstance(m, HumanMessage)), "")
    if role != "orchestrator":
        return last
    if _CURRENT in last:  # the planner: summary, reports, ledger, then the request
        return last.split(_CURRENT, 1)[1].split(_REPAIR, 1)[0].strip()
    if _REPORTS in last:  # the finalizer: summary, the request, then the reports
        return last.split(_REPORTS, 1)[0].rsplit(_FINAL, 1)[-1].strip()
    # A direct answer: the rolling summary (if any), a blank line, then the question.
    return last.rsplit("\n\n", 1)[-1].strip()


def this_turn(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """Return the system prompt and the conversation from the latest question on."""
    start = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=0)
    system = [m for m in messages[:start] if isinstance(m, SystemMessage)]
    return [*system, *messages[start:]]


class Playbook:
    """A policy over many tasks, routed by question and by step id."""

    def __init__(self, tasks: Sequence[Task]) -> None:
        self.by_question: dict[str, Task] = {}
        self.by_step: dict[str, Task] = {}
        for task in tasks:
            self.by_question[task.question] = task
            for step in task.steps:
                other = self.by_step.get(step.id)
                if other is not None and other.step(step.id) != step:
                    raise ValueError(f"step id '{step.id}' names two different steps")
                self.by_step[step.id] = task

    def __call__(self, role: str, messages: list[BaseMessage]) -> dict[str, Any]:
        """Return the reply of the task the request is about."""
        if role == "summarizer":
            # Shorter notes: the latest part of what it was asked to shorten.
            return {"content": messages[-1].text[-SUMMARY_CHARS // 2 :]}
        if role == "memory":
            return remembered(messages)
        step = step_of(messages)
        if step:
            task = self.by_step.get(step)
            if task is None:
                raise ScriptExhaustedError(f"the stand-in has no play for step '{step}'")
            return Policy(task)(role, messages)
        question = current_request(messages, role)
        task = self.by_question.get(question)
        if task is None:
            raise ScriptExhaustedError(f"the stand-in has no play for {question[:80]!r}")
        return Policy(task)(role, this_turn(messages))
