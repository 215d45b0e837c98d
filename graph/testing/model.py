"""The scripted chat model: a LangChain chat model that plays a script, with no network."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, PrivateAttr

from graph.testing.script import Choice, Script, fingerprint, is_fault


def estimate_tokens(text: str) -> int:
    """Estimate tokens as a quarter of the characters, the usual rule of thumb."""
    return max(1, len(text) // 4)


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

    script: Mapping[str, Any] = Field(default_factory=dict)
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
    """Turn a scripted reply into an AIMessage; arguments given as bad JSON stay invalid."""
    if isinstance(reply, AIMessage):
        return reply.model_copy(deep=True)
    calls, invalid = [], []
    for i, call in enumerate(reply.get("tool_calls", [])):
        ident = call.get("id") or f"call_{role}_{position}_{i}_{uuid.uuid4().hex[:6]}"
        args = call.get("args", {})
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except json.JSONDecodeError as exc:
                # What a provider's parser does with unparsable arguments.
                invalid.append({"name": call["name"], "args": args, "id": ident, "error": str(exc)})
                continue
        calls.append({"name": call["name"], "args": args, "id": ident, "type": "tool_call"})
    return AIMessage(
        content=reply.get("content", ""),
        tool_calls=calls,
        invalid_tool_calls=[{**c, "type": "invalid_tool_call"} for c in invalid],
    )
