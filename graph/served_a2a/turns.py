"""One A2A message as a run of the graph, and the run's end as the task's state.

A message to a task waiting for input answers it when it holds the decisions, as a data part
`{"decisions": [...]}` (LangChain's HITL format; the Agent Server's `{"resume": ...}` too);
plain text is a new message on the thread, which supersedes the waiting request as in chat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from a2a.helpers import get_data_parts, get_message_text
from a2a.types import Message

# The graphs that converse (`messages` in); any other takes a specialist's brief.
CHAT_GRAPHS = ("orchestrator",)
PROGRESS = "orchestra-progress"


class NotWaitingError(ValueError):
    """Decisions sent to a task that waits for none."""


def decisions_in(message: Message) -> Any | None:
    """Return the resume value a message's data parts hold, if any."""
    for data in get_data_parts(message.parts):
        if isinstance(data, Mapping) and "decisions" in data:
            return {"decisions": data["decisions"]}
        if isinstance(data, Mapping) and "resume" in data:
            return data["resume"]
    return None


def run_payload(graph: str, message: Message, waiting: bool, thread: str) -> dict[str, Any]:
    """Return what `runs.create` is given for a message: a resume, or new input."""
    resume = decisions_in(message)
    if resume is not None:
        if not waiting:
            raise NotWaitingError("the task is not waiting for input; send text instead")
        return {"command": {"resume": resume}}
    text = get_message_text(message)
    if graph in CHAT_GRAPHS:
        return {"input": {"messages": [{"role": "user", "content": text}]}}
    given = next((d["brief"] for d in get_data_parts(message.parts) if "brief" in d), None)
    return {"input": {"brief": given or {"objective": text, "thread_id": thread}}}


def progress_in(chunk: Any) -> str:
    """Return the progress a streamed chunk tells: the turn's progress message, or an agent's."""
    data = getattr(chunk, "data", None)
    # A subgraph's event is named `<mode>|<namespace>`.
    mode = str(getattr(chunk, "event", "")).split("|", 1)[0]
    if mode == "custom" and isinstance(data, Mapping):
        said = data.get("a2a_status") or {}
        return f"{said.get('specialist')}: {said.get('text')}" if said else ""
    if mode != "updates" or not isinstance(data, Mapping):
        return ""
    for change in data.values():
        for message in (change or {}).get("messages", []) if isinstance(change, Mapping) else []:
            if isinstance(message, Mapping) and message.get("name") == PROGRESS:
                return str(message.get("content") or "")
    return ""


def interrupts_of(state: Mapping[str, Any]) -> list[Any]:
    """Return the values of the interrupts a thread's state waits on."""
    found = state.get("interrupts") or [
        i for task in state.get("tasks") or [] for i in task.get("interrupts") or []
    ]
    return [i.get("value") if isinstance(i, Mapping) else i for i in found]


def answer_of(graph: str, values: Mapping[str, Any]) -> str:
    """Return what the run answered: the last reply a person reads, or the step's report."""
    if graph not in CHAT_GRAPHS:
        reports = list((values.get("reports") or {}).values())
        return "\n\n".join(str(r.get("summary") or r.get("error") or "") for r in reports)
    said = [
        m
        for m in values.get("messages") or []
        if m.get("type") == "ai" and m.get("name") != PROGRESS
    ]
    return str(said[-1].get("content") or "") if said else ""


def asked_text(request: Any) -> str:
    """Return an approval request in words, for a client that reads only text."""
    if not isinstance(request, Mapping):
        return str(request)
    actions = request.get("action_requests") or []
    lines = [f"- {a.get('description') or a.get('name')}" for a in actions]
    return "Waiting for your decision (approve, edit or reject):\n" + "\n".join(lines)
