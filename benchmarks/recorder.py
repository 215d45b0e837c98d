"""Record every model and tool call of a run through LangChain callbacks, for any model."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from langchain_core.outputs import LLMResult

from graph.testing import estimate_tokens, role_of

_STEP = re.compile(r"^Step (\S+):")


@dataclass(frozen=True)
class ModelCall:
    """One model call: who, offered how many tools, with how big a prompt, when, and whether ok."""

    role: str
    kind: str
    tools: int
    input_tokens: int
    start: float
    end: float
    ok: bool
    key: str
    group: str
    step: str


@dataclass(frozen=True)
class ToolRun:
    """One tool execution and where it ran."""

    name: str
    start: float
    end: float
    group: str


def conversation_key(role: str, messages: list[BaseMessage]) -> str:
    """Return a key equal for two calls with the same role and conversation.

    Tool results count by tool name and status only: they name files numbered per run.
    """
    parts: list[Any] = [role]
    for m in messages:
        if isinstance(m, ToolMessage):
            parts.append(["tool", m.name, m.status])
        elif isinstance(m, AIMessage):
            parts.append(["ai", m.text, [[c["name"], c["args"]] for c in m.tool_calls]])
        else:
            parts.append([m.type, m.text])
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _kind(role: str, system: str) -> str:
    if role == "orchestrator":
        return "planner" if "the planner" in system else "finalizer"
    if role in ("single_agent", "supervisor"):
        return role
    return "specialist"


def _group(metadata: dict[str, Any] | None) -> str:
    """Return the top-level task a callback ran in (one Send to a specialist, say)."""
    ns = str((metadata or {}).get("langgraph_checkpoint_ns", "") or "")
    return ns.split("|")[0]


class CallRecorder(BaseCallbackHandler):
    """Collect model calls and tool runs with their wall-clock intervals."""

    run_inline = True

    def __init__(self) -> None:
        self.models: list[ModelCall] = []
        self.tools: list[ToolRun] = []
        self._open: dict[UUID, dict[str, Any]] = {}

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Note the call's role, prompt, offered tools and start time."""
        msgs = messages[0]
        role = role_of(msgs)
        system = next((m.text for m in msgs if isinstance(m, SystemMessage)), "")
        tools = (kwargs.get("invocation_params") or {}).get("tools") or []
        first_human = next((m.text for m in msgs if m.type == "human"), "")
        step = _STEP.match(first_human)
        self._open[run_id] = {
            "role": role,
            "kind": _kind(role, system),
            "tools": len(tools),
            "estimate": estimate_tokens("".join(m.text for m in msgs) + json.dumps(tools)),
            "start": time.perf_counter(),
            "key": conversation_key(role, msgs),
            "group": _group(metadata),
            "step": step.group(1) if step else "",
        }

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a completed call, taking the model's own token count when it gives one."""
        call = self._open.pop(run_id, None)
        if call is None:
            return
        message = getattr(response.generations[0][0], "message", None)
        usage = getattr(message, "usage_metadata", None) or {}
        self._close(call, ok=True, tokens=int(usage.get("input_tokens") or call["estimate"]))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a failed call."""
        call = self._open.pop(run_id, None)
        if call is not None:
            self._close(call, ok=False, tokens=call["estimate"])

    def _close(self, call: dict[str, Any], *, ok: bool, tokens: int) -> None:
        call.pop("estimate", None)
        self.models.append(ModelCall(**call, input_tokens=tokens, end=time.perf_counter(), ok=ok))

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Note a tool's start."""
        name = str(serialized.get("name") or kwargs.get("name") or "")
        self._open[run_id] = {"name": name, "start": time.perf_counter(), "group": _group(metadata)}

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a tool run."""
        self._end_tool(run_id)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Close a failed tool run."""
        self._end_tool(run_id)

    def _end_tool(self, run_id: UUID) -> None:
        run = self._open.pop(run_id, None)
        if run is not None:
            self.tools.append(ToolRun(**run, end=time.perf_counter()))

    def completed(self) -> list[ModelCall]:
        """Return the calls that returned a reply."""
        return [c for c in self.models if c.ok]

    def repeated(self) -> int:
        """Return how many completed calls repeat an earlier completed call exactly."""
        seen: set[str] = set()
        repeats = 0
        for c in self.completed():
            repeats += c.key in seen
            seen.add(c.key)
        return repeats
