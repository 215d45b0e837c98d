"""LangSmith tracing for CLI runs: masked, never fatal, flushed with a bounded wait."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tracers import LangChainTracer
from langsmith import Client
from pydantic import BaseModel

from tools.secrets import redact

DEFAULT_PROJECT = "orchestra"
FLUSH_SECONDS = 10.0


def tracing_requested() -> bool:
    """Return True when the environment asks for LangSmith tracing."""
    flag = os.environ.get("LANGSMITH_TRACING") or os.environ.get("LANGCHAIN_TRACING_V2") or ""
    return flag.strip().lower() in {"1", "true", "yes", "on"}


def mask(value: Any) -> Any:
    """Return a copy of a run's inputs, outputs or metadata with every secret masked."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    if isinstance(value, BaseModel):
        # Messages and reports travel as objects; mask what they would serialize to.
        return mask(value.model_dump(mode="json"))
    return value


class Tracing:
    """One CLI process's LangSmith client and tracer, and its single warning."""

    def __init__(self, warn: Callable[[str], None]) -> None:
        self.warn = warn
        self.failed = False
        self.project = os.environ.get("LANGSMITH_PROJECT") or DEFAULT_PROJECT
        # The client's own retries and log lines would print once per batch; we say it once,
        # and give the logger its level back when this run's tracing closes.
        self._logger = logging.getLogger("langsmith")
        self._level = self._logger.level
        self._logger.setLevel(logging.CRITICAL)
        self.client = Client(
            api_url=os.environ.get("LANGSMITH_ENDPOINT") or None,
            api_key=os.environ.get("LANGSMITH_API_KEY") or None,
            hide_inputs=mask,
            hide_outputs=mask,
            hide_metadata=mask,
            timeout_ms=(3_000, 5_000),
            retry_config=retry_policy(),
            tracing_error_callback=self._on_error,
        )

    def _on_error(self, error: Exception) -> None:
        if not self.failed:
            self.failed = True
            self.warn(f"tracing to LangSmith failed ({type(error).__name__}); the run goes on")

    def callbacks(self) -> list[BaseCallbackHandler]:
        """Return the tracer to put in a run's config."""
        return [LangChainTracer(client=self.client, project_name=self.project)]

    def flush(self, seconds: float = FLUSH_SECONDS) -> None:
        """Send pending runs, waiting at most `seconds`, so a short run's trace is not lost."""
        done = threading.Event()

        def send() -> None:
            try:
                self.client.flush()
            except Exception as exc:  # the endpoint is down: the run's result stands
                self._on_error(exc)
            finally:
                done.set()

        threading.Thread(target=send, daemon=True).start()
        if not done.wait(seconds):
            self._on_error(TimeoutError(f"flush took over {seconds:.0f}s"))

    def close(self, seconds: float = FLUSH_SECONDS) -> None:
        """Flush what is pending and hand the langsmith logger its level back."""
        try:
            self.flush(seconds)
        finally:
            self._logger.setLevel(self._level)


def retry_policy() -> Any:
    """Return LangSmith's own retry policy, except that a refused connection is not retried.

    An endpoint that refuses connections is down: retrying it with backoff kept a finished
    command waiting for 20 s. Timeouts, 429 and 5xx are retried as LangSmith retries them.
    """
    from langsmith.utils import LangSmithRetry

    return LangSmithRetry(
        total=3,
        connect=0,
        status_forcelist=[429, 500, 502, 503, 504, 408, 425],
        backoff_factor=0.5,
        raise_on_redirect=False,
        raise_on_status=False,
        respect_retry_after_header=True,
        allowed_methods=None,
    )


def start_tracing(warn: Callable[[str], None]) -> Tracing | None:
    """Return the run's tracing, or None when it is off or cannot start."""
    if not tracing_requested():
        return None
    if not os.environ.get("LANGSMITH_API_KEY"):
        warn("LANGSMITH_TRACING is on but LANGSMITH_API_KEY is not set: not tracing")
        return None
    try:
        return Tracing(warn)
    except Exception as exc:  # a broken tracing setup never stops the run
        warn(f"cannot start LangSmith tracing ({type(exc).__name__}): not tracing")
        return None
