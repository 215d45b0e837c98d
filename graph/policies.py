"""Failure policy, in one place: which faults are retried, how often, and for how long."""

from __future__ import annotations

from langgraph.types import RetryPolicy, TimeoutPolicy

from nodes.faults import is_transient
from state.context import Context


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
