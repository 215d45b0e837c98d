"""How nodes reach their models, and what each call cost."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import merge_configs
from langchain_openai.chat_models.base import BaseChatOpenAI
from langgraph.constants import TAG_NOSTREAM
from langgraph.runtime import Runtime

from state.context import Context, Sampling


class ModelFor(Protocol):
    """Resolve the chat model for a role under a run's context."""

    def __call__(self, role: str, context: Context) -> BaseChatModel:
        """Return the chat model for a role."""

    def own(self, role: str, context: Context) -> BaseChatModel | None:
        """Return the model configured for this role itself (never the default), or None."""


def usage_of(message: Any, attempts: int = 1) -> dict[str, int]:
    """Return one model call's usage: every attempt sent, the reply's tokens when it has any.

    A failed attempt (a time-out, a 5xx) is a request the server saw: it counts as a call.
    """
    meta = message.usage_metadata if isinstance(message, AIMessage) else None
    return {
        "llm_calls": max(1, attempts),
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
    # The defaults read the environment: built once per distinct ORCHESTRA_* setting, not
    # once per node (a dozen times a request).
    return default_context(orchestra_settings())


def orchestra_settings() -> frozenset[tuple[Any, Any]]:
    """Return the ORCHESTRA_* variables as the process holds them."""
    # CPython keeps the environment encoded in `_data`: read there, nothing is decoded (a
    # decoded scan of the whole environment at every node cost ~0.5 ms a delegation).
    raw = getattr(os.environ, "_data", None)
    if isinstance(raw, dict) and raw and isinstance(next(iter(raw)), bytes):
        return frozenset((k, v) for k, v in raw.items() if k.startswith(b"ORCHESTRA_"))
    return frozenset((k, v) for k, v in os.environ.items() if k.startswith("ORCHESTRA_"))


@functools.lru_cache(maxsize=8)
def default_context(settings: frozenset[tuple[Any, Any]]) -> Context:
    """Return the default Context under these ORCHESTRA_* variables (nodes never change it)."""
    return Context()


def unstreamed(config: RunnableConfig) -> RunnableConfig:
    """Return the config with LangGraph's no-stream tag: the call stays out of `messages`."""
    return merge_configs(config, {"tags": [TAG_NOSTREAM]})


# A call with no limit or temperature of its own: the model's defaults.
UNSET = Sampling()
OPENAI_API = "api.openai.com"


def sampled(model: BaseChatModel, sampling: Sampling) -> dict[str, Any]:
    """Return a call's output limit and temperature as the model's keyword arguments.

    langchain-openai sends the limit as `max_completion_tokens`, which OpenAI reads; an
    OpenAI-compatible server may read only `max_tokens` (llama.cpp's Python server does, and
    ignores the other), so one at another address gets both.
    """
    kwargs: dict[str, Any] = sampling.kwargs()
    base = getattr(model, "openai_api_base", None) if isinstance(model, BaseChatOpenAI) else None
    if sampling.max_tokens and base and OPENAI_API not in base:
        own = getattr(model, "extra_body", None) or {}
        kwargs["extra_body"] = {**own, "max_tokens": sampling.max_tokens}
    return kwargs


class ToolBound:
    """Models bound to one fixed set of tools (or none), each bound once and the binding reused."""

    def __init__(self, tools: Sequence[dict[str, Any]], **kwargs: Any) -> None:
        # Ready tool dicts: a tool or a pydantic class would be converted again on every bind.
        self.tools, self.kwargs = list(tools), kwargs
        # Kept with the model itself, so an id is never reused by another model.
        self._bound: dict[tuple[int, Sampling], tuple[BaseChatModel, Runnable[Any, Any]]] = {}

    def __call__(self, model: BaseChatModel, sampling: Sampling = UNSET) -> Runnable[Any, Any]:
        """Return the model bound to the tools, with the call's output limit and temperature."""
        key = (id(model), sampling)
        cached = self._bound.get(key)
        if cached is None or cached[0] is not model:
            extra = {**self.kwargs, **sampled(model, sampling)}
            bound = model.bind_tools(self.tools, **extra) if self.tools else model.bind(**extra)
            cached = self._bound[key] = (model, bound)
        return cached[1]
