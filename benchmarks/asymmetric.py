"""The asymmetric plan: a dependent step starts when its own input is ready, not its siblings'.

s1 (a quick SQL step) and s2 (a slow document search it has nothing to do with) start
together; s3 (analysis of s1's figure) depends on s1 only. Each specialist answers after a
latency of its own. The ideal wall time has s3 start the moment s1 reports: the plan, then
the longer of s1 + s3 and s2, then the answer. Measured: s3's start after s1's report, and
the request's wall time against that ideal.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatResult
from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.delegation import NOOP_TOOLS
from graph import build_graph
from graph.testing import plan, role_of, step
from graph.testing.policy_model import PolicyModel
from nodes.specialists.spec import SpecialistSpec

# Seconds per model call, by role: the SQL step quick, the document search slow.
LATENCY_S = {"orchestrator": 0.05, "sql_analyst": 0.1, "doc_researcher": 0.6, "data_analyst": 0.6}
STEPS = (
    step("s1", "sql_analyst", "Count 2025 orders."),
    step("s2", "doc_researcher", "Find what the memos say about returns."),
    step("s3", "data_analyst", "Compute revenue per order from the count.", "s1"),
)
RUNS = 5


def ideal_s() -> float:
    """Return the wall time had s3 started the moment s1 reported: the critical path."""
    lat = LATENCY_S
    branch = max(lat["sql_analyst"] + lat["data_analyst"], lat["doc_researcher"])
    return 2 * lat["orchestrator"] + branch


def barrier_s() -> float:
    """Return the wall time had s3 waited for s2 too (a superstep barrier)."""
    lat = LATENCY_S
    first = max(lat["sql_analyst"], lat["doc_researcher"])
    return 2 * lat["orchestrator"] + first + lat["data_analyst"]


class TimedModel(PolicyModel):
    """The policy model answering each role after its own latency, every call timed."""

    spans: list[tuple[str, float, float]] = []

    async def _agenerate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        role = role_of(messages)
        started = time.perf_counter()
        await asyncio.sleep(LATENCY_S.get(role, 0.0))
        out = await super()._agenerate(messages, *args, **kwargs)
        self.spans.append((role, started, time.perf_counter()))
        return out


def policy(role: str, messages: list[BaseMessage]) -> dict[str, Any]:
    """Plan the three steps; every specialist answers at once; then answer."""
    system = next((m.text for m in messages if isinstance(m, SystemMessage)), "")
    if role == "orchestrator" and "the planner" in system:
        return plan(*STEPS)
    if role == "orchestrator":
        return {"content": "Revenue per order: 28.6."}
    return {"content": f"{role} done."}


def team() -> list[SpecialistSpec]:
    """Return the three specialists, each with the no-op tools."""
    names = ("sql_analyst", "doc_researcher", "data_analyst")
    return [SpecialistSpec(n, f"The {n}.", f"You are {n}.", NOOP_TOOLS) for n in names]


async def run_once(graph: Any, model: TimedModel) -> dict[str, float]:
    """Return one request's wall time and s3's start after s1's report."""
    model.spans = []
    config = {"configurable": {"thread_id": f"a-{uuid.uuid4().hex[:12]}"}}
    started = time.perf_counter()
    await graph.ainvoke({"messages": [HumanMessage("Revenue per order?")]}, config)
    wall = time.perf_counter() - started
    s1_end = max(end for role, _, end in model.spans if role == "sql_analyst")
    s3_start = min(start for role, start, _ in model.spans if role == "data_analyst")
    return {"wall_s": wall, "start_delay_s": s3_start - s1_end}


async def asymmetric_pass(runs: int = RUNS) -> dict[str, Any]:
    """Return the asymmetric plan's median wall time and start delay, with the ideal."""
    model = TimedModel(script={})
    model.use(policy)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=team(), memory=False)
    await run_once(graph, model)  # warm-up
    measured = [await run_once(graph, model) for _ in range(runs)]
    wall = statistics.median(m["wall_s"] for m in measured)
    return {
        "latency_s": dict(LATENCY_S),
        "wall_s": round(wall, 3),
        "ideal_s": round(ideal_s(), 3),
        "barrier_s": round(barrier_s(), 3),
        "ratio_to_ideal": round(wall / ideal_s(), 3),
        "start_delay_s": round(max(m["start_delay_s"] for m in measured), 4),
        "runs": runs,
    }


def render(row: dict[str, Any]) -> list[str]:
    """Return the RESULTS.md lines of the asymmetric plan."""
    lat = ", ".join(f"{k} {v:g} s" for k, v in row["latency_s"].items())
    return [
        "",
        "Asymmetric plan (s1 quick SQL, s2 slow document search, s3 depends on s1 only; "
        f"per model call: {lat}):",
        "",
        "| wall s | ideal (s3 at once) s | with a superstep barrier s | wall / ideal | "
        "s3's start after s1's report, s (worst) |",
        "|---|---|---|---|---|",
        f"| {row['wall_s']:.2f} | {row['ideal_s']:.2f} | {row['barrier_s']:.2f} | "
        f"{row['ratio_to_ideal']:.2f} | {row['start_delay_s']:.3f} |",
    ]


def targets(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the asymmetric plan's targets: a prompt start, a wall near the ideal."""
    return [
        {
            "target": "a dependent step starts ≤ 0.3 s after its last dependency reports",
            "value": row["start_delay_s"],
            "pass": row["start_delay_s"] <= 0.3,
        },
        {
            "target": "asymmetric plan wall time ≤ 1.15 × ideal (s3 started at once)",
            "value": row["ratio_to_ideal"],
            "pass": row["ratio_to_ideal"] <= 1.15,
        },
    ]


if __name__ == "__main__":
    print(asyncio.run(asymmetric_pass()))
