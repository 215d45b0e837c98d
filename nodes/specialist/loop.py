"""A specialist's own loop: model <-> tools from its prompt and brief, ending in a Report."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    messages_from_dict,
    messages_to_dict,
)
from langchain_core.runnables import RunnableConfig
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.errors import NodeError
from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.faults import is_transient
from nodes.model_access import ModelFor, context_of, usage_of
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import SpecialistInput, SpecialistState, add_usage
from state.reports import Brief, Report, ReportStatus, ToolCallRecord, Usage

REPEAT_LIMIT = 3


def step_brief(state: SpecialistInput, spec: SpecialistSpec) -> Brief:
    """Return the state's brief, filled in for a specialist run alone (e.g. in Studio)."""
    brief = Brief(**state["brief"])
    return brief if brief.specialist else brief.model_copy(update={"specialist": spec.name})


def opening(spec: SpecialistSpec, brief: Brief) -> list[BaseMessage]:
    """Return the specialist's first messages: its prompt, its brief, and a retried transcript."""
    # A retried step continues the failed attempt's conversation instead of redoing it.
    earlier = messages_from_dict(brief.transcript) if brief.transcript else []
    return [SystemMessage(spec.prompt), HumanMessage(brief.render()), *earlier]


def iteration_budget(spec: SpecialistSpec, brief: Brief) -> int:
    """Return the step's iteration budget: the brief's, capped by the spec's own."""
    return min(brief.max_iterations, spec.max_iterations or brief.max_iterations)


def repeated_call(messages: Sequence[BaseMessage]) -> str | None:
    """Return the name of a tool call the model has now made REPEAT_LIMIT times, if any."""
    seen: dict[str, int] = {}
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                key = call["name"] + json.dumps(call["args"], sort_keys=True)
                seen[key] = seen.get(key, 0) + 1
                if seen[key] >= REPEAT_LIMIT:
                    return call["name"]
    return None


def make_model_node(spec: SpecialistSpec, model_for: ModelFor):
    """Return the node that asks the model for its next move, and reports when it is done."""
    # The schemas the model is offered, derived once (the hidden step argument left out).
    schemas = [convert_to_openai_tool(t) for t in spec.tools]

    async def call_model(
        state: SpecialistState, runtime: Runtime[Context], config: RunnableConfig
    ) -> dict[str, Any]:
        """Call the model with this specialist's tools only; write the Report at the end."""
        ctx = context_of(runtime)
        brief = step_brief(state, spec)
        new: list[BaseMessage] = [] if state.get("messages") else opening(spec, brief)
        messages = [*state.get("messages", []), *new]
        started = state.get("started_at") or time.time()
        attempt = runtime.execution_info.node_attempt if runtime.execution_info else 1
        model = model_for(spec.role, ctx).bind_tools(schemas)
        try:
            reply = await model.ainvoke(messages, config)
        except Exception as exc:
            if is_transient(exc) and attempt < ctx.retry_attempts:
                raise  # the RetryPolicy tries this node again
            error = f"model failed: {type(exc).__name__}: {exc}".splitlines()[0][:500]
            transcript = messages_to_dict(messages[2:])
            report = make_report(
                spec,
                brief,
                {**state, "messages": messages},
                started,
                attempt,
                status="failed",
                error=error,
                transcript=transcript,
            )
            return {"messages": new, "started_at": started, "reports": report}
        update: dict[str, Any] = {
            "brief": brief.model_dump(),
            "messages": [*new, reply],
            "iterations": state.get("iterations", 0) + 1,
            "usage": usage_of(reply),
            "model_attempts": attempt,
            "started_at": started,
        }
        done: dict[str, Any] = {
            **state,
            "messages": [*messages, reply],
            "usage": add_usage(state.get("usage"), update["usage"]),
            "model_attempts": state.get("model_attempts", 0) + attempt,
        }
        wants_tools = isinstance(reply, AIMessage) and bool(reply.tool_calls)
        stalled = repeated_call(done["messages"])
        if stalled:
            error = f"stalled: called {stalled} with the same arguments {REPEAT_LIMIT} times"
            update["reports"] = make_report(spec, brief, done, started, 0, "failed", error)
        elif wants_tools and update["iterations"] >= iteration_budget(spec, brief):
            error = f"iteration budget of {iteration_budget(spec, brief)} model turns exhausted"
            update["reports"] = make_report(spec, brief, done, started, 0, "over_budget", error)
        elif not wants_tools:
            update["reports"] = make_report(spec, brief, done, started, 0, "done")
        return update

    return call_model


def route_after_model(state: SpecialistState) -> Literal["tools", "__end__"]:
    """Run the tools the model asked for, unless the model node already wrote the report."""
    return "__end__" if state.get("reports") else "tools"


def make_report(
    spec: SpecialistSpec,
    brief: Brief,
    state: Mapping[str, Any],
    started: float,
    extra_attempts: int,
    status: ReportStatus,
    error: str | None = None,
    transcript: list[dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Return the step's Report, keyed by step: outcome, artifacts, sources, usage, timing."""
    messages = state.get("messages", [])
    artifacts: list[str] = []
    sources: list[str] = []
    for message in messages:
        if isinstance(message, ToolMessage) and isinstance(message.artifact, dict):
            found = message.artifact
            artifacts += [a for a in found.get("artifacts", []) if a not in artifacts]
            sources += [s for s in found.get("sources", []) if s not in sources]
    last = messages[-1] if messages else None
    report = Report(
        step_key=brief.step_key,
        specialist=spec.name,
        status=status,
        summary=last.text if isinstance(last, AIMessage) and status == "done" else "",
        artifacts=artifacts,
        sources=sources,
        usage=Usage(**state.get("usage", {})),
        tools_called=[ToolCallRecord(**t) for t in state.get("tools_called", [])],
        model_attempts=state.get("model_attempts", 0) + extra_attempts,
        seconds=round(time.time() - started, 3),
        error=error,
        transcript=transcript or [],
    )
    return {brief.step_key: report.model_dump()}


async def failed_report(state: SpecialistInput, error: NodeError) -> Command[Literal["review"]]:
    """Turn a specialist's final failure into a failed Report, so the orchestrator replans."""
    brief = Brief(**state["brief"])
    reason = f"{type(error.error).__name__}: {error.error}".splitlines()[0][:500]
    result = Report(
        step_key=brief.step_key, specialist=brief.specialist, status="failed", error=reason
    )
    # A handler's writes do not follow the failed node's edges, so it routes explicitly.
    return Command(goto="review", update={"reports": {brief.step_key: result.model_dump()}})
