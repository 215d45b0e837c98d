"""The script engine: which reply a request gets, read from what the request holds."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from graph.testing.memory_play import remembered

_ROLE = re.compile(r"^You are (\w+)")
_STEP = re.compile(r"^Step (\S+):")


class ScriptExhaustedError(RuntimeError):
    """The script has no reply for a request."""


def role_of(messages: Sequence[BaseMessage]) -> str:
    """Return the role a conversation is for, read from its system prompt's first words."""
    for message in messages:
        if isinstance(message, SystemMessage):
            match = _ROLE.match(message.text.lstrip())
            return match.group(1) if match else "default"
    return "default"


def step_of(messages: Sequence[BaseMessage]) -> str:
    """Return the step id of a specialist's brief ("Step <id>: ..."), or ''."""
    first = next((m for m in messages if isinstance(m, HumanMessage)), None)
    match = _STEP.match(first.text) if first is not None else None
    return match.group(1) if match else ""


def is_fault(entry: Any) -> bool:
    """Return True for a scripted fault: an exception to raise, an HTTP error, a hang."""
    if not isinstance(entry, dict):
        return False
    return "raise" in entry or bool(entry.get("hang")) or int(entry.get("status", 200)) != 200


def fingerprint(messages: Sequence[BaseMessage], tools: Any = None) -> str:
    """Return a digest of what a request holds: texts, tool calls and the tools offered."""
    parts = [
        (m.type, m.text, [(c["name"], c["args"]) for c in getattr(m, "tool_calls", [])])
        for m in messages
    ]
    text = json.dumps([parts, tools or []], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()


@dataclass(frozen=True)
class Choice:
    """The reply a script chose for a request, and whether the request was seen before."""

    role: str
    step: str
    position: int
    entry: Any
    repeat: bool


class Script:
    """Chooses each request's reply from what the request holds (thread-safe)."""

    def __init__(self, replies: Mapping[str, Sequence[Any] | Callable[..., Any]]) -> None:
        self.replies: dict[str, list[Any] | Callable[..., Any]] = {
            key: entries if callable(entries) else list(entries) for key, entries in replies.items()
        }
        # Unless scripted, the memory role keeps what the question plainly states.
        self.replies.setdefault("memory", remembered)
        self._lock = threading.Lock()
        self._faults_played: dict[tuple[str, int], int] = {}
        self._positions: dict[tuple[str, str], int] = {}
        self._answered: set[str] = set()

    def choose(self, messages: Sequence[BaseMessage], digest: str) -> Choice:
        """Return the reply (or the next unplayed fault) for a request."""
        role, step = role_of(messages), step_of(messages)
        key = f"{role}:{step}" if f"{role}:{step}" in self.replies else role
        with self._lock:
            if step:
                # A specialist: its transcript says how far it has got.
                position = sum(isinstance(m, AIMessage) for m in messages)
            else:
                seen = sum(1 for k, _ in self._positions if k == key)
                position = self._positions.setdefault((key, digest), seen)
            faults, reply = self._slot(key, position)
            played = self._faults_played.get((key, position), 0)
            if played < len(faults):
                self._faults_played[(key, position)] = played + 1
                return Choice(role, step, position, faults[played], False)
            repeat = digest in self._answered
            self._answered.add(digest)
        if reply is None:
            where = f"role '{role}'" + (f", step '{step}'" if step else "")
            raise ScriptExhaustedError(f"the script has no reply {position + 1} for {where}")
        return Choice(role, step, position, reply, repeat)

    def _slot(self, key: str, position: int) -> tuple[list[Any], Any]:
        """Return the faults before the reply at a position, and the reply (None past the end)."""
        entries = self.replies.get(key, [])
        if callable(entries):
            # One callable answers every request of its role, however many come.
            return [], entries
        faults: list[Any] = []
        index = 0
        for entry in entries:
            if is_fault(entry):
                faults.append(entry)
                continue
            if index == position:
                return faults, entry
            faults, index = [], index + 1
        return faults, None
