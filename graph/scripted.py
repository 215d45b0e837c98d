"""A scripted chat model: replays replies keyed by role and turn, with no network."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, PrivateAttr

Reply = dict[str, Any] | AIMessage | Callable[[list[BaseMessage]], "dict[str, Any] | AIMessage"]
_ROLE = re.compile(r"^You are (\w+)")


class ScriptExhaustedError(RuntimeError):
    """The script has no reply left for a role."""


def role_of(messages: Sequence[BaseMessage]) -> str:
    """Return the role a conversation is for, read from its system prompt's first words."""
    for message in messages:
        if isinstance(message, SystemMessage):
            match = _ROLE.match(message.text)
            return match.group(1) if match else "default"
    return "default"


def estimate_tokens(text: str) -> int:
    """Estimate tokens as a quarter of the characters, the usual rule of thumb."""
    return max(1, len(text) // 4)


@dataclass(frozen=True)
class ScriptedCall:
    """One call the scripted model answered: who asked, with what, offering which tools."""

    role: str
    turn: int
    messages: list[BaseMessage]
    tool_names: list[str]
    input_tokens: int


class ScriptedChatModel(BaseChatModel):
    """A stand-in for a real model that replays a script keyed by role and turn.

    `script` maps a role (read from the system prompt's "You are <role>") to the replies
    for its successive calls. A reply is a dict with `content` and/or `tool_calls`
    ([{"name", "args"}]), an `AIMessage`, a callable of the messages returning either, or
    `{"raise": exception}` to fail that call.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: Mapping[str, Sequence[Any]] = Field(default_factory=dict)
    calls: list[ScriptedCall] = Field(default_factory=list)
    _turns: dict[str, int] = PrivateAttr(default_factory=dict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": "scripted"}

    def calls_for(self, role: str) -> list[ScriptedCall]:
        """Return the calls made for one role, in order."""
        return [c for c in self.calls if c.role == role]

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

    def _next_reply(self, role: str) -> tuple[int, Any]:
        with self._lock:
            turn = self._turns.get(role, 0)
            self._turns[role] = turn + 1
        replies = self.script.get(role, ())
        if turn >= len(replies):
            raise ScriptExhaustedError(
                f"the scripted model has no reply {turn + 1} for role '{role}'"
            )
        return turn, replies[turn]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        role = role_of(messages)
        tools = kwargs.get("tools") or []
        tool_names = [t["function"]["name"] for t in tools]
        prompt_text = "".join(m.text for m in messages) + json.dumps(tools)
        input_tokens = estimate_tokens(prompt_text)
        turn, reply = self._next_reply(role)
        self.calls.append(ScriptedCall(role, turn, list(messages), tool_names, input_tokens))
        if callable(reply):
            reply = reply(list(messages))
        if isinstance(reply, dict) and "raise" in reply:
            raise reply["raise"]
        message = _as_message(reply, role, turn)
        out_text = message.text + json.dumps([c["args"] for c in message.tool_calls])
        message.usage_metadata = {
            "input_tokens": input_tokens,
            "output_tokens": estimate_tokens(out_text),
            "total_tokens": input_tokens + estimate_tokens(out_text),
        }
        message.response_metadata = {"model_name": "scripted", "role": role, "turn": turn}
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


def _as_message(reply: dict[str, Any] | AIMessage, role: str, turn: int) -> AIMessage:
    """Turn a scripted reply into an AIMessage with well-formed tool calls."""
    if isinstance(reply, AIMessage):
        return reply.model_copy(deep=True)
    calls = [
        {
            "name": call["name"],
            "args": call.get("args", {}),
            "id": call.get("id") or f"call_{role}_{turn}_{i}_{uuid.uuid4().hex[:6]}",
            "type": "tool_call",
        }
        for i, call in enumerate(reply.get("tool_calls", []))
    ]
    return AIMessage(content=reply.get("content", ""), tool_calls=calls)
