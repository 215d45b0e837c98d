"""The floor under the delegation benchmark: the leanest durable orchestrator LangGraph allows.

Plan (one model call) -> one node per worker, run in parallel -> answer (one model call), each
worker's model and tool calls LangGraph tasks (so a resumed run replays them instead of calling
again), on the same scripted model and no-op tools as every contender. It has none of
Orchestra's ledger, reports, guardrails, budgets or reviews: what it costs is what LangGraph
itself costs, and the step from it to Orchestra is what Orchestra's structure costs.
"""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any

from langchain_core.messages import AnyMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.func import task
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Send
from typing_extensions import TypedDict

from benchmarks.delegation import NOOP_TOOLS, WORKERS, worker_prompt
from graph.testing.policy_model import PolicyModel


class Answers(TypedDict, total=False):
    """What a worker hands back."""

    answers: Annotated[list[str], operator.add]


class Lean(Answers, total=False):
    """The lean orchestrator's whole state."""

    messages: Annotated[list[AnyMessage], add_messages]
    objective: str


def lean_orchestrator(
    model: PolicyModel, subgraphs: bool = False, review: bool = False, checkpointer: Any = None
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Return the floor graph, in memory unless given a checkpointer (e.g. the pooled Postgres).

    `subgraphs` runs each worker as a one-node subgraph; `review` adds a node between the steps
    and the answer (as Orchestra's review did).
    """
    tools = {t.name: t for t in NOOP_TOOLS}
    bound = model.bind_tools(NOOP_TOOLS)

    @task
    async def call_model(messages: list[BaseMessage]) -> Any:
        return await bound.ainvoke(messages)

    @task
    async def call_tool(call: dict[str, Any]) -> Any:
        return await tools[call["name"]].ainvoke({**call, "type": "tool_call"})

    async def plan(state: Lean) -> Command[Any]:
        planner = SystemMessage("You are orchestrator, the planner.")
        await model.ainvoke([planner, *state["messages"]])
        sends = [Send(w, {"objective": f"Give figure {i}."}) for i, w in enumerate(WORKERS, 1)]
        return Command(goto=sends)

    def worker(name: str) -> Any:
        async def work(state: Lean) -> dict[str, Any]:
            brief = HumanMessage(state["objective"])
            messages: list[Any] = [SystemMessage(worker_prompt(name)), brief]
            while (reply := await call_model(messages)).tool_calls:
                messages += [reply, *await asyncio.gather(*map(call_tool, reply.tool_calls))]
            return {"answers": [reply.text]}

        if not subgraphs:
            return work
        inner = StateGraph(Lean, output_schema=Answers)
        inner.add_node("work", work)
        inner.add_edge(START, "work")
        return inner.compile(name=name)

    async def answer(state: Lean) -> dict[str, Any]:
        final = await model.ainvoke([SystemMessage("You are orchestrator."), *state["messages"]])
        return {"messages": [final]}

    async def looked_over(state: Lean) -> dict[str, Any]:
        return {}

    builder = StateGraph(Lean)
    builder.add_node("plan", plan, destinations=WORKERS)
    after = "review" if review else "answer"
    for name in WORKERS:
        builder.add_node(name, worker(name))
        builder.add_edge(name, after)
    if review:
        builder.add_node("review", looked_over)
        builder.add_edge("review", "answer")
    builder.add_node("answer", answer)
    builder.add_edge(START, "plan")
    builder.add_edge("answer", END)
    return builder.compile(checkpointer=checkpointer or InMemorySaver())
