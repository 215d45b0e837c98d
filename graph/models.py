"""Model resolution: a chat model per role, from code, the Context, or the environment."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel

from state.context import Context

ModelSpec = BaseChatModel | str


class ModelConfigError(ValueError):
    """A model cannot be set up: no model named, unknown provider, missing key or package."""


class ModelResolver:
    """Resolve the chat model for a role: code's choice first, then configuration."""

    def __init__(
        self,
        models: Mapping[str, ModelSpec] | None = None,
        pinned: Mapping[str, str] | None = None,
    ) -> None:
        self.models = dict(models or {})
        # `provider:model` strings a team file pins per role.
        self.pinned = dict(pinned or {})
        # One client per model string and endpoint for this graph; no process-wide cache.
        self._loaded: dict[tuple[str, str], BaseChatModel] = {}
        self._lock = threading.Lock()

    def own(self, role: str, context: Context) -> BaseChatModel | None:
        """Return the model configured for this role itself (never the default), or None."""
        chosen = self.models.get(role) or self.pinned.get(role) or context.own_model(role)
        return self._loaded_model(chosen, role) if chosen else None

    def __call__(self, role: str, context: Context) -> BaseChatModel:
        """Return the chat model for a role under a run's context."""
        chosen = (
            self.models.get(role)
            or self.models.get("default")
            or self.pinned.get(role)
            or context.model_for(role)
        )
        return self._loaded_model(chosen, role)

    def _loaded_model(self, chosen: ModelSpec | None, role: str) -> BaseChatModel:
        """Return a model instance as given, or loaded once from its `provider:model`."""
        if isinstance(chosen, BaseChatModel):
            return chosen
        if not chosen:
            raise ModelConfigError(
                f"no model configured for role '{role}': set ORCHESTRA_MODEL=provider:model "
                "(e.g. openai:gpt-4.1-mini), or run `orchestra demo` for the scripted stand-in"
            )
        key = (chosen, os.environ.get("OPENAI_BASE_URL", ""))
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = load_model(chosen, role)
            return self._loaded[key]


def load_model(name: str, role: str = "default") -> BaseChatModel:
    """Load a `provider:model` string through init_chat_model."""
    provider, sep, model = name.partition(":")
    if not sep or not provider or not model:
        raise ModelConfigError(
            f"model '{name}' for role '{role}' is not of the form provider:model "
            "(e.g. openai:gpt-4.1-mini)"
        )
    kwargs: dict[str, Any] = {}
    if provider == "openai":
        # One retry layer: Orchestra's per-call retry (nodes/calls.py), counted in the ledger.
        kwargs.update(max_retries=0, stream_usage=True)
        if os.environ.get("OPENAI_BASE_URL"):
            kwargs["base_url"] = os.environ["OPENAI_BASE_URL"]
    try:
        chat = init_chat_model(model, model_provider=provider, **kwargs)
    except ImportError as exc:
        raise ModelConfigError(
            f"provider '{provider}' (role '{role}') needs a package that is not installed: "
            f"{exc}".splitlines()[0]
        ) from None
    except ValueError as exc:
        raise ModelConfigError(
            f"unknown model provider '{provider}' in '{name}' (role '{role}')"
        ) from exc
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "api_key" in text.lower() or "api key" in text.lower():
            text = f"{provider.upper()}_API_KEY is not set"
        raise ModelConfigError(f"cannot set up model '{name}' for role '{role}': {text}") from None
    return chat
