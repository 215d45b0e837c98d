"""Failure policy, in one place: which faults are retried, how often, and for how long."""

from __future__ import annotations

from typing import Any

from langgraph.graph import StateGraph
from langgraph.types import RetryPolicy, TimeoutPolicy

from nodes.faults import is_transient
from state.context import Context


def set_node_policies(builder: StateGraph[Any, Any, Any, Any], context: Context) -> None:
    """Give every node of a graph the shared retry policy and per-attempt time limit."""
    # LangGraph keeps node defaults per graph, so each graph that is built calls this.
    builder.set_node_defaults(retry_policy=retry_policy(context), timeout=node_timeout(context))


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
