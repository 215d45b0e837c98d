"""What an A2A step says to its agent and makes of the answer: messages, approvals, reports.

The agent's `input-required` becomes an approval in LangChain's HITL format: the request the
agent sent as a data part when it speaks that format (as a served Orchestra does), otherwise
one action `<specialist>:input` whose `answer` the user edits. The decisions go back as a data
part `{"decisions": [...]}` beside a text part an agent of any framework can read.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from a2a.helpers import get_data_parts, get_text_parts, new_data_part
from a2a.types import Message, Part, Role, Task, TaskState
from google.protobuf.json_format import ParseDict

from state.a2a_task import RECORD, WAITING, TaskRef
from state.reports import Brief, Report


def message_id(brief: Brief, leg: int) -> str:
    """Return a message's id: the same for the same leg of the same step, so a repeat shows."""
    leg_key = f"orchestra:{brief.thread_id}/{brief.step_key}/{leg}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, leg_key))


def outgoing(brief: Brief, earlier: TaskRef | None) -> Message:
    """Return the message a leg sends: the brief, or the user's answer to the agent's question."""
    leg = len(brief.transcript)
    message = Message(role=Role.ROLE_USER, message_id=message_id(brief, leg))
    if earlier is not None and brief.decisions and earlier.asked is not None:
        # The answer goes to the task that asked for it.
        message.task_id, message.context_id = earlier.task_id, earlier.context_id
        message.parts.extend(answer_parts(earlier.asked, brief.decisions))
        return message
    if earlier is not None:
        # A retried step starts a new task in the same conversation with the agent.
        message.context_id = earlier.context_id
    message.parts.append(Part(text=brief.render()))
    return message


def texts(parts: Sequence[Part]) -> str:
    """Return the text parts, joined."""
    return "\n".join(get_text_parts(parts)).strip()


def is_hitl_request(value: Any) -> bool:
    """Return True for a request in LangChain's HITL format."""
    return isinstance(value, dict) and isinstance(value.get("action_requests"), list)


def input_request(name: str, task: Task) -> dict[str, Any]:
    """Return the approval a waiting task asks for, in LangChain's HITL format."""
    asked = task.status.message
    found = next((v for v in get_data_parts(asked.parts) if is_hitl_request(v)), None)
    if found is not None:
        actions = [
            {**a, "description": f"{name} (A2A agent): {a.get('description') or a['name']}"}
            for a in found["action_requests"]
        ]
        return {"action_requests": actions, "review_configs": found.get("review_configs", [])}
    question = texts(asked.parts) or "The agent needs input to go on."
    action = f"{name}:input"
    return {
        "action_requests": [
            {
                "name": action,
                "args": {"question": question, "answer": ""},
                "description": f"{name} (A2A agent) asks: {question} "
                "(edit `answer` to reply; approve says yes, reject says no)",
            }
        ],
        "review_configs": [
            {"action_name": action, "allowed_decisions": ["approve", "edit", "reject"]}
        ],
    }


def answer_parts(request: Mapping[str, Any], decisions: Sequence[Mapping[str, Any]]) -> list[Part]:
    """Return the parts that answer the agent: the decisions, and what they say in words."""
    said = []
    for decision in decisions:
        if decision["type"] == "edit":
            args = decision.get("edited_action", {}).get("args", {})
            said.append(str(args.get("answer") or args))
        elif decision["type"] == "reject":
            said.append(decision.get("message") or "No.")
        else:
            said.append("Yes, approved.")
    plain = [a for a in request.get("action_requests", []) if a["name"].endswith(":input")]
    # An agent that asked in words reads words; one that asked in HITL reads the decisions.
    parts = [Part(text="\n".join(said))] if plain else []
    return [*parts, new_data_part({"decisions": [dict(d) for d in decisions]})]


def task_record(ref: TaskRef) -> dict[str, Any]:
    """Return the transcript record of a task."""
    return {RECORD: ref.model_dump()}


def state_name(state: int) -> str:
    """Return a task state's name (`TASK_STATE_COMPLETED`)."""
    return str(TaskState.Name(state))


def concluded(name: str, brief: Brief, outcome: Mapping[str, Any], where: str) -> Report:
    """Return the step's report from the agent's final word (or why there is none)."""
    report = Report(step_key=brief.step_key, specialist=name, status="done")
    if "error" in outcome:
        report.status, report.error = "failed", f"{where}: {outcome['error']}"
        sent = outcome.get("task")
        report.transcript = [*brief.transcript, *([task_record(TaskRef(**sent))] if sent else [])]
        return report
    if "message" in outcome:
        reply = ParseDict(outcome["message"], Message(), ignore_unknown_fields=True)
        report.summary = texts(reply.parts)
        return report
    task = ParseDict(outcome["task"], Task(), ignore_unknown_fields=True)
    state = state_name(task.status.state)
    ref = TaskRef(task_id=task.id, context_id=task.context_id, state=state)
    report.remote_thread_id = task.context_id
    said = texts(task.status.message.parts)
    if state == "TASK_STATE_COMPLETED":
        found = [texts(a.parts) for a in task.artifacts]
        report.summary = "\n\n".join(t for t in [*found, said] if t) or "(no text)"
        report.artifacts = [a.name for a in task.artifacts if a.name]
    elif state in WAITING:
        report.status = "needs_review"
        report.review = ref.asked = input_request(name, task)
    else:
        report.status = "failed"
        why = f": {said}" if said else ""
        report.error = f"{where}: the task ended {state.removeprefix('TASK_STATE_').lower()}{why}"
    report.transcript = [*brief.transcript, task_record(ref)]
    return report
