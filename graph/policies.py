"""Failure policy, in one place: which faults are retried, how often, and for how long."""

from __future__ import annotations

import asyncio

import httpx
import openai
from langgraph.errors import NodeTimeoutError
from langgraph.types import RetryPolicy, TimeoutPolicy

from state.context import Context


def is_transient(exc: BaseException) -> bool:
    """Return True for faults worth retrying: time-outs, 429, 5xx, dropped connections."""
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    if isinstance(exc, openai.APIConnectionError | openai.APITimeoutError):
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    if isinstance(exc, httpx.TransportError | NodeTimeoutError | asyncio.TimeoutError):
        return True
    return isinstance(exc, ConnectionError | TimeoutError)


def retry_policy(context: Context) -> RetryPolicy:
    """Return the retry policy every model-calling node uses."""
    return RetryPolicy(
        max_attempts=max(1, context.retry_attempts),
        initial_interval=0.2,
        backoff_factor=2.0,
        max_interval=10.0,
        retry_on=is_transient,
    )


def no_retry() -> RetryPolicy:
    """Return a policy that never retries: for nodes whose inner nodes already did."""
    return RetryPolicy(max_attempts=1)


def node_timeout(context: Context) -> TimeoutPolicy:
    """Return the per-attempt wall-clock limit of a node."""
    return TimeoutPolicy(run_timeout=context.node_timeout_s)
