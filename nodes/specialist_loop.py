"""A specialist's own loop: read the brief, model <-> tools, then report."""

from __future__ import annotations

import json
import time
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.errors import NodeError
from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.model_access import ModelFor, context_of, usage_of
from nodes.specialist_tools import make_tool_node
from nodes.specialists.spec import SpecialistSpec
from nodes.specialists.workspace import Workspace
from state.context import Context
from state.graph_state import SpecialistInput, SpecialistState
from state.reports import Brief, Report, ToolCallRecord, Usage

REPEAT_LIMIT = 3

__all__ = ["make_model_node", "make_report_node", "make_tool_node", "open_brief"]


def _brief(state: SpecialistInput, spec: SpecialistSpec) -> Brief:
    """Return the state's brief, filled in for a specialist run alone (e.g. in Studio)."""
    brief = Brief(**state["brief"])
    return brief if brief.specialist else brief.model_copy(update={"specialist": spec.name})


def open_brief(spec: SpecialistSpec):
    """Return the node that starts a specialist from its prompt and its brief alone."""

    async def read_brief(state: SpecialistState) -> dict[str, Any]:
        """Start the specialist's own conversation: its system prompt and the brief."""
        brief = _brief(state, spec)
        return {
            "brief": brief.model_dump(),
            "messages": [SystemMessage(spec.prompt), HumanMessage(brief.render())],
            "iterations": 0,
            "started_at": time.time(),
        }

    return read_brief


def make_model_node(spec: SpecialistSpec, model_for: ModelFor):
    """Return the node that asks the specialist's model for its next move."""

    async def call_model(
        state: SpecialistState, runtime: Runtime[Context], config: RunnableConfig
    ) -> dict[str, Any]:
        """Call the model with this specialist's tools only."""
        brief = _brief(state, spec)
        tools = spec.make_tools(Workspace.current(), brief)
        model = model_for(spec.role, context_of(runtime)).bind_tools(list(tools))
        reply = await model.ainvoke(state["messages"], config)
        attempt = runtime.execution_info.node_attempt if runtime.execution_info else 1
        return {
            "messages": [reply],
            "iterations": state.get("iterations", 0) + 1,
            "usage": usage_of(reply),
            "model_attempts": attempt,
        }

    return call_model


def iteration_budget(spec: SpecialistSpec, state: SpecialistState) -> int:
    """Return the step's iteration budget: the brief's, capped by the spec's own."""
    budget = int(state["brief"].get("max_iterations", 6))
    return min(budget, spec.max_iterations) if spec.max_iterations else budget


def repeated_call(state: SpecialistState) -> str | None:
    """Return the name of a tool call the model has now made REPEAT_LIMIT times, if any."""
    seen: dict[str, int] = {}
    for message in state.get("messages", []):
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                key = call["name"] + json.dumps(call["args"], sort_keys=True)
                seen[key] = seen.get(key, 0) + 1
                if seen[key] >= REPEAT_LIMIT:
                    return call["name"]
    return None


def make_router(spec: SpecialistSpec):
    """Return the edge after the model: run the tools, or stop and report."""

    def route_after_model(state: SpecialistState) -> Literal["tools", "report"]:
        """Go to the tools while the model asks for them and the budget and guards allow."""
        last = state["messages"][-1]
        wants_tools = isinstance(last, AIMessage) and bool(last.tool_calls)
        within = state.get("iterations", 0) < iteration_budget(spec, state)
        return "tools" if wants_tools and within and not repeated_call(state) else "report"

    return route_after_model


def make_report_node(spec: SpecialistSpec):
    """Return the node that turns the specialist's conversation into its Report."""

    async def report(state: SpecialistState) -> dict[str, Any]:
        """Summarise the outcome, artifacts and sources of the step."""
        brief = _brief(state, spec)
        messages = state.get("messages", [])
        last = messages[-1]
        artifacts: list[str] = []
        sources: list[str] = []
        for message in messages:
            if isinstance(message, ToolMessage) and isinstance(message.artifact, dict):
                artifacts += [
                    a for a in message.artifact.get("artifacts", []) if a not in artifacts
                ]
                sources += [s for s in message.artifact.get("sources", []) if s not in sources]
        status: Literal["done", "failed", "over_budget"] = "done"
        error = None
        if isinstance(last, AIMessage) and last.tool_calls:
            name = repeated_call(state)
            if name:
                status, error = (
                    "failed",
                    f"stalled: called {name} with the same arguments {REPEAT_LIMIT} times",
                )
            else:
                budget = iteration_budget(spec, state)
                status, error = "over_budget", f"iteration budget of {budget} model turns exhausted"
        result = Report(
            step_key=brief.step_key,
            specialist=spec.name,
            status=status,
            summary=last.text if isinstance(last, AIMessage) else "",
            artifacts=artifacts,
            sources=sources,
            usage=Usage(**state.get("usage", {})),
            tools_called=[ToolCallRecord(**t) for t in state.get("tools_called", [])],
            model_attempts=state.get("model_attempts", 0),
            seconds=round(time.time() - state.get("started_at", time.time()), 3),
            error=error,
        )
        return {"reports": {brief.step_key: result.model_dump()}}

    return report


async def failed_report(state: SpecialistInput, error: NodeError) -> Command[Literal["review"]]:
    """Turn a specialist's final failure into a failed Report, so the orchestrator replans."""
    brief = Brief(**state["brief"])
    reason = f"{type(error.error).__name__}: {error.error}".splitlines()[0][:500]
    result = Report(
        step_key=brief.step_key, specialist=brief.specialist, status="failed", error=reason
    )
    # A handler's writes do not follow the failed node's edges, so it routes explicitly.
    return Command(goto="review", update={"reports": {brief.step_key: result.model_dump()}})
