"""Per-delegation overhead as a user sees it: `await graph.ainvoke(...)`, fresh thread per run.

Three systems over the same two workers, each worker holding the same three no-op tools and
calling one of them once before it answers: Orchestra, langgraph-supervisor (hand-offs), and
the tool-calling supervisor (`create_agent` with each worker behind a tool, as deepagents'
`task`). One request delegates to both workers; the model answers at once.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Sequence
from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool, tool

from benchmarks.recorder import CallRecorder
from benchmarks.runner import union_length
from graph.testing import plan
from graph.testing.policy_model import PolicyModel
from nodes.specialists.spec import SpecialistSpec

WORKERS = ("alpha", "beta")
RUNS, WARM_UPS = 25, 5
QUESTION = "Give me the two figures."
HANDOFF, ASK = "transfer_to_", "ask_"


@tool
def noop_read(key: str = "") -> str:
    """Read nothing (a no-op tool)."""
    return "ok"


@tool
def noop_write(key: str = "") -> str:
    """Write nothing (a no-op tool)."""
    return "ok"


@tool
def noop_check(key: str = "") -> str:
    """Check nothing (a no-op tool)."""
    return "ok"


NOOP_TOOLS: list[BaseTool] = [noop_read, noop_write, noop_check]


def worker_prompt(name: str) -> str:
    """Return a worker's system prompt (its first words name its role for the script)."""
    return f"You are {name}, a worker who reads one figure with its tools."


def noop_team() -> list[SpecialistSpec]:
    """Return the workers as Orchestra specialists."""
    return [SpecialistSpec(w, f"Reads figure {w}.", worker_prompt(w), NOOP_TOOLS) for w in WORKERS]


def _worker(messages: list[BaseMessage]) -> dict[str, Any]:
    """Call noop_read once, then answer: the same move whoever runs the worker."""
    since = max(
        (
            i
            for i, m in enumerate(messages)
            if isinstance(m, ToolMessage) and str(m.name or "").startswith(HANDOFF)
        ),
        default=-1,
    )
    read = any(isinstance(m, ToolMessage) and m.name == "noop_read" for m in messages[since + 1 :])
    if not read:
        return {"tool_calls": [{"name": "noop_read", "args": {"key": "figure"}}]}
    return {"content": "figure 1"}


def policy(role: str, messages: list[BaseMessage]) -> dict[str, Any]:
    """Delegate once to each worker, who calls one no-op tool and answers; then answer."""
    system = next((m.text for m in messages if isinstance(m, SystemMessage)), "")
    if role == "orchestrator" and "the planner" in system:
        steps = [
            {"id": f"s{i}", "specialist": w, "objective": f"Give figure {i}."}
            for i, w in enumerate(WORKERS, 1)
        ]
        return plan(*steps)
    if role == "orchestrator":
        return {"content": "Both figures: 1 and 1."}
    if role in ("supervisor", "boss"):
        prefix = HANDOFF if role == "supervisor" else ASK
        done = [
            m for m in messages if isinstance(m, ToolMessage) and str(m.name).startswith(prefix)
        ]
        if len(done) < len(WORKERS):
            target = f"{prefix}{WORKERS[len(done)]}"
            args = {} if role == "supervisor" else {"task": "Give a figure."}
            return {"tool_calls": [{"name": target, "args": args}]}
        return {"content": "Both figures: 1 and 1."}
    return _worker(messages)


def delegation_model() -> PolicyModel:
    """Return a zero-latency model playing the delegation policy."""
    model = PolicyModel(script={})
    model.use(policy)
    return model


def langgraph_supervisor(model: PolicyModel) -> Any:
    """Return langgraph-supervisor's graph over the workers (hand-off tools), uncompiled."""
    from langgraph_supervisor import create_supervisor

    workers: list[Any] = [
        create_agent(model, tools=NOOP_TOOLS, system_prompt=worker_prompt(w), name=w)
        for w in WORKERS
    ]
    return create_supervisor(workers, model=model, prompt="You are supervisor, who delegates.")


def tool_calling_supervisor(model: PolicyModel, checkpointer: Any) -> Any:
    """Return LangChain's tool-calling supervisor: each worker an agent behind a tool."""

    def ask_tool(name: str) -> BaseTool:
        agent = create_agent(model, tools=NOOP_TOOLS, system_prompt=worker_prompt(name), name=name)

        async def ask(task: str) -> str:
            out = await agent.ainvoke({"messages": [HumanMessage(task)]})
            return str(out["messages"][-1].text)

        return StructuredTool.from_function(
            coroutine=ask, name=f"{ASK}{name}", description=f"Ask {name} for a figure."
        )

    tools = [ask_tool(w) for w in WORKERS]
    return create_agent(
        model, tools=tools, system_prompt="You are boss, who delegates.", checkpointer=checkpointer
    )


async def run_once(graph: Any, invoke_kwargs: dict[str, Any], busy: bool = False) -> float:
    """Return the seconds one request takes on a fresh thread (less its model and tool time).

    With `busy`, the time spent inside model calls and no-op tools (as LangChain's callbacks
    see them, overlaps counted once) is taken off: what is left is the framework's.
    """
    recorder = CallRecorder()
    config: dict[str, Any] = {"configurable": {"thread_id": f"d-{uuid.uuid4().hex[:12]}"}}
    if busy:
        config["callbacks"] = [recorder]
    started = time.perf_counter()
    await graph.ainvoke(
        {"messages": [HumanMessage(QUESTION)]}, config, durability="sync", **invoke_kwargs
    )
    took = time.perf_counter() - started
    work = [(c.start, c.end) for c in recorder.models]
    work += [(t.start, t.end) for t in recorder.tools if t.name.startswith("noop_")]
    return took - union_length(work)


async def time_side_by_side(
    contenders: dict[str, tuple[Any, dict[str, Any]]],
    runs: int = RUNS,
    warm_ups: int = WARM_UPS,
    busy: bool = False,
) -> dict[str, list[float]]:
    """Return each contender's measured run times, the contenders taking turns run by run.

    Interleaving keeps a passing slowdown of the machine from landing on one contender.
    """
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    for index in range(warm_ups + runs):
        for name, (graph, kwargs) in contenders.items():
            took = await run_once(graph, kwargs, busy)
            if index >= warm_ups:
                seconds[name].append(took)
    return seconds


def per_delegation_ms(seconds: Sequence[float]) -> float:
    """Return the median run's milliseconds per delegation."""
    return round(statistics.median(seconds) * 1000 / len(WORKERS), 2)
