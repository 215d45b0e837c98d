"""The one scripted chat model and its script builders, for tests, demo, notebooks and bench.

A script maps a role (read from the system prompt's "You are <role>") to its replies. Which
reply a request gets depends on what the request holds, never on how many calls came before:
a specialist's request gets the reply at the position of its transcript (the number of model
turns it already holds), keyed `role:step` when the script has such a key; the orchestrator's
requests take the next reply for each new request, and the same one again for a request seen
before. So a call repeated after a restart gets the same reply and shows in `repeats`.

A reply is a dict with `content` and/or `tool_calls` ([{"name", "args"}]), an `AIMessage`, or
a callable of the messages returning either. A fault — `{"raise": exc}` for the in-process
model, `{"status": 500}` or `{"hang": True}` for the scripted server — does not take a
position: faults listed before a reply are played once each, in order, before that reply.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, PrivateAttr

Reply = dict[str, Any] | AIMessage | Callable[[list[BaseMessage]], "dict[str, Any] | AIMessage"]
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


def estimate_tokens(text: str) -> int:
    """Estimate tokens as a quarter of the characters, the usual rule of thumb."""
    return max(1, len(text) // 4)


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

    def __init__(self, replies: Mapping[str, Sequence[Any]]) -> None:
        self.replies = {key: list(entries) for key, entries in replies.items()}
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
        faults: list[Any] = []
        index = 0
        for entry in self.replies.get(key, []):
            if is_fault(entry):
                faults.append(entry)
                continue
            if index == position:
                return faults, entry
            faults, index = [], index + 1
        return faults, None


@dataclass(frozen=True)
class ScriptedCall:
    """One call the scripted model answered: who asked, with what, offering which tools."""

    role: str
    step: str
    position: int
    messages: list[BaseMessage]
    tool_names: list[str]
    input_tokens: int
    repeat: bool = False
    fault: bool = False


class ScriptedChatModel(BaseChatModel):
    """A stand-in for a real model that answers from a script, by what each request holds."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: Mapping[str, Sequence[Any]] = Field(default_factory=dict)
    calls: list[ScriptedCall] = Field(default_factory=list)
    _engine: Script = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        """Build the script engine once the fields are set."""
        self._engine = Script(self.script)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": "scripted"}

    def calls_for(self, role: str) -> list[ScriptedCall]:
        """Return the calls made for one role, in order."""
        return [c for c in self.calls if c.role == role]

    @property
    def repeats(self) -> list[ScriptedCall]:
        """Return the calls whose request had already been answered once: repeated work."""
        return [c for c in self.calls if c.repeat]

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer tools; the script decides which to call."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def with_structured_output(self, schema: Any, *, include_raw: bool = False, **kwargs: Any):
        """Return structured output through a tool call named after the schema."""
        kwargs.pop("method", None)
        kwargs.pop("strict", None)
        return super().with_structured_output(schema, include_raw=include_raw, **kwargs)

    def choose(self, messages: list[BaseMessage], digest: str) -> Choice:
        """Return the scripted reply for a request (the benchmark's model overrides this)."""
        return self._engine.choose(messages, digest)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = kwargs.get("tools") or []
        tool_names = [t["function"]["name"] for t in tools]
        input_tokens = estimate_tokens("".join(m.text for m in messages) + json.dumps(tools))
        choice = self.choose(list(messages), fingerprint(messages, tool_names))
        reply = choice.entry(list(messages)) if callable(choice.entry) else choice.entry
        call = ScriptedCall(
            choice.role,
            choice.step,
            choice.position,
            list(messages),
            tool_names,
            input_tokens,
            repeat=choice.repeat,
            fault=is_fault(reply),
        )
        self.calls.append(call)
        if isinstance(reply, dict) and "raise" in reply:
            raise reply["raise"]
        message = as_message(reply, choice.role, choice.position)
        out_tokens = estimate_tokens(
            message.text + json.dumps([c["args"] for c in message.tool_calls])
        )
        message.usage_metadata = {
            "input_tokens": input_tokens,
            "output_tokens": out_tokens,
            "total_tokens": input_tokens + out_tokens,
        }
        message.response_metadata = {"model_name": "scripted", "role": choice.role}
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Replaying a script never blocks, so skip the default hop to a worker thread.
        return self._generate(messages, stop, None, **kwargs)


def as_message(reply: dict[str, Any] | AIMessage, role: str, position: int) -> AIMessage:
    """Turn a scripted reply into an AIMessage with well-formed tool calls."""
    if isinstance(reply, AIMessage):
        return reply.model_copy(deep=True)
    calls = [
        {
            "name": call["name"],
            "args": call.get("args", {}),
            "id": call.get("id") or f"call_{role}_{position}_{i}_{uuid.uuid4().hex[:6]}",
            "type": "tool_call",
        }
        for i, call in enumerate(reply.get("tool_calls", []))
    ]
    return AIMessage(content=reply.get("content", ""), tool_calls=calls)


def plan(*steps: dict[str, Any]) -> dict[str, Any]:
    """Return a planner reply: the `Plan` tool call with these steps."""
    return {"tool_calls": [{"name": "Plan", "args": {"steps": list(steps)}}]}


def step(sid: str, specialist: str, objective: str, *deps: str, **extra: Any) -> dict[str, Any]:
    """Return one plan step."""
    return {
        "id": sid,
        "specialist": specialist,
        "objective": objective,
        "depends_on": list(deps),
        **extra,
    }


def call(name: str, **args: Any) -> dict[str, Any]:
    """Return a reply that calls one tool."""
    return {"tool_calls": [{"name": name, "args": args}]}


def answer(text: str) -> dict[str, Any]:
    """Return a text reply."""
    return {"content": text}


def last_tool_text(messages: Sequence[BaseMessage]) -> str:
    """Return the content of the most recent tool result in a request."""
    return next(m.text for m in reversed(messages) if isinstance(m, ToolMessage))
