"""Per-delegation overhead as a user sees it: `await graph.ainvoke(...)`, fresh thread per run."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from graph.testing import plan
from graph.testing.policy_model import PolicyModel

WORKERS = ("sql_analyst", "doc_researcher")
RUNS, WARM_UPS = 25, 5
QUESTION = "Give me the two figures."


def policy(role: str, messages: list[BaseMessage]) -> dict[str, Any]:
    """Delegate once to each worker, who answers at once; then answer from what they said."""
    system = next((m.text for m in messages if isinstance(m, SystemMessage)), "")
    if role == "orchestrator" and "the planner" in system:
        return plan(
            *[
                {"id": f"s{i}", "specialist": w, "objective": f"Give figure {i}."}
                for i, w in enumerate(WORKERS, 1)
            ]
        )
    if role == "orchestrator":
        return {"content": "Both figures: 1 and 2."}
    if role == "supervisor":
        handoffs = [
            m
            for m in messages
            if isinstance(m, ToolMessage) and str(m.name or "").startswith("transfer_to_")
        ]
        if len(handoffs) < len(WORKERS):
            return {"tool_calls": [{"name": f"transfer_to_{WORKERS[len(handoffs)]}", "args": {}}]}
        said = [m.text for m in messages if isinstance(m, AIMessage) and m.name in WORKERS]
        return {"content": "Both figures: " + " and ".join(said)}
    return {"content": f"figure from {role}"}


def delegation_model() -> PolicyModel:
    """Return a zero-latency model playing the delegation policy."""
    model = PolicyModel(script={})
    model.use(policy)
    return model


async def run_once(graph: Any, invoke_kwargs: dict[str, Any]) -> float:
    """Return the seconds one request takes on a fresh thread."""
    config = {"configurable": {"thread_id": f"d-{uuid.uuid4().hex[:12]}"}}
    started = time.perf_counter()
    await graph.ainvoke(
        {"messages": [HumanMessage(QUESTION)]}, config, durability="sync", **invoke_kwargs
    )
    return time.perf_counter() - started


async def time_side_by_side(
    contenders: dict[str, tuple[Any, dict[str, Any]]],
    runs: int = RUNS,
    warm_ups: int = WARM_UPS,
) -> dict[str, list[float]]:
    """Return each contender's measured run times, the contenders taking turns run by run.

    Interleaving keeps a passing slowdown of the machine from landing on one contender.
    """
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    for index in range(warm_ups + runs):
        for name, (graph, kwargs) in contenders.items():
            took = await run_once(graph, kwargs)
            if index >= warm_ups:
                seconds[name].append(took)
    return seconds


def per_delegation_ms(seconds: Sequence[float]) -> float:
    """Return the median run's milliseconds per delegation."""
    return round(statistics.median(seconds) * 1000 / len(WORKERS), 2)
