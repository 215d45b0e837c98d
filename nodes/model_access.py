"""How nodes reach their models, and what each call cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import merge_configs
from langgraph.constants import TAG_NOSTREAM
from langgraph.runtime import Runtime

from state.context import Context


class ModelFor(Protocol):
    """Resolve the chat model for a role under a run's context."""

    def __call__(self, role: str, context: Context) -> BaseChatModel:
        """Return the chat model for a role."""

    def own(self, role: str, context: Context) -> BaseChatModel | None:
        """Return the model configured for this role itself (never the default), or None."""


def usage_of(message: Any) -> dict[str, int]:
    """Return one model call's usage, from the message's usage metadata when it has any."""
    meta = message.usage_metadata if isinstance(message, AIMessage) else None
    return {
        "llm_calls": 1,
        "input_tokens": int(meta["input_tokens"]) if meta else 0,
        "output_tokens": int(meta["output_tokens"]) if meta else 0,
    }


def context_of(runtime: Runtime[Context]) -> Context:
    """Return the run's context, or the defaults when the caller passed none."""
    ctx = runtime.context
    if isinstance(ctx, Context):
        return ctx
    if isinstance(ctx, dict):
        return Context(**{k: v for k, v in ctx.items() if k in Context.__dataclass_fields__})
    return Context()


def unstreamed(config: RunnableConfig) -> RunnableConfig:
    """Return the config with LangGraph's no-stream tag: the call stays out of `messages`."""
    return merge_configs(config, {"tags": [TAG_NOSTREAM]})


class ToolBound:
    """Models bound to one fixed set of tools, each bound once and the binding reused."""

    def __init__(self, tools: Sequence[dict[str, Any]], **kwargs: Any) -> None:
        # Ready tool dicts: a tool or a pydantic class would be converted again on every bind.
        self.tools, self.kwargs = list(tools), kwargs
        # Kept with the model itself, so an id is never reused by another model.
        self._bound: dict[int, tuple[BaseChatModel, Runnable[Any, Any]]] = {}

    def __call__(self, model: BaseChatModel) -> Runnable[Any, Any]:
        """Return the model bound to the tools."""
        cached = self._bound.get(id(model))
        if cached is None or cached[0] is not model:
            cached = self._bound[id(model)] = (model, model.bind_tools(self.tools, **self.kwargs))
        return cached[1]
