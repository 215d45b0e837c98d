"""A specialist's own loop: model <-> tools from its prompt and brief, ending in a Report."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    messages_from_dict,
    messages_to_dict,
)
from langchain_core.runnables import RunnableConfig
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.calls import attempts_of, model_call
from nodes.faces import Body, both_faces
from nodes.faults import exception_line
from nodes.guards.at_step import guard_report, settle_outputs
from nodes.guards.screen import Guards
from nodes.model_access import ModelFor, ToolBound, context_of, usage_of
from nodes.specialist.report import make_report
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import SpecialistInput, SpecialistState, add_usage
from state.reports import Brief
from state.text import clipped

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


def transcript_so_far(
    state: SpecialistState, spec: SpecialistSpec
) -> tuple[Brief, list[BaseMessage], list[BaseMessage]]:
    """Return the brief, the opening messages still to be written, and the whole transcript."""
    brief = step_brief(state, spec)
    new: list[BaseMessage] = [] if state.get("messages") else opening(spec, brief)
    return brief, new, [*state.get("messages", []), *new]


def earlier_turns(brief: Brief) -> int:
    """Return the model turns a continued step already took (they count against its budget)."""
    return sum(1 for m in brief.transcript if m.get("type") == "ai")


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


@dataclass
class ModelTurn:
    """One model call of a step: what is sent, and the bookkeeping around it."""

    brief: Brief
    new: list[BaseMessage]
    messages: list[BaseMessage]
    started: float
    # Guardrail decisions on the results the step paused on, applied before this call.
    settled: list[dict[str, Any]]


def make_model_node(spec: SpecialistSpec, model_for: ModelFor, guards: Guards):
    """Return the node that asks the model for its next move, and reports when it is done."""
    # The schemas the model is offered, derived once (the hidden step argument left out).
    bound = ToolBound([convert_to_openai_tool(t) for t in spec.tools])

    def prepare(state: SpecialistState) -> ModelTurn:
        brief, new, messages = transcript_so_far(state, spec)
        # A leg continued after a guardrail asked: the results it held, as the user decided.
        settled = settle_outputs(new, brief) if new else []
        return ModelTurn(brief, new, messages, state.get("started_at") or time.time(), settled)

    def failed(state: SpecialistState, turn: ModelTurn, exc: Exception) -> dict[str, Any]:
        """Return the step's failed report, its transcript kept for the retry."""
        error = clipped(f"model failed: {exception_line(exc)}", 500)
        done = {
            **state,
            "messages": turn.messages,
            "guard_events": [*state.get("guard_events", []), *turn.settled],
            # Each attempt was a request the server saw, answered or not.
            "usage": add_usage(state.get("usage"), {"llm_calls": attempts_of(exc)}),
        }
        report = make_report(
            spec,
            turn.brief,
            done,
            turn.started,
            attempts_of(exc),
            status="failed",
            error=error,
            transcript=messages_to_dict(turn.messages[2:]),
        )
        return {
            "messages": turn.new,
            "started_at": turn.started,
            "reports": report,
            "guard_events": turn.settled,
        }

    def conclude(
        state: SpecialistState, turn: ModelTurn, reply: Any, attempts: int, config: RunnableConfig
    ) -> dict:
        """Return the model's move; write the Report when the step is over."""
        brief, started = turn.brief, turn.started
        # Only what changed: every channel written is serialised into the step's checkpoint.
        update: dict[str, Any] = {
            "messages": [*turn.new, reply],
            "iterations": state.get("iterations", earlier_turns(brief)) + 1,
            "usage": usage_of(reply, attempts),
            "model_attempts": attempts,
        }
        if "started_at" not in state:
            update["started_at"] = started
        if turn.settled:
            update["guard_events"] = turn.settled
        done: dict[str, Any] = {
            **state,
            "guard_events": [*state.get("guard_events", []), *turn.settled],
            "messages": [*turn.messages, reply],
            "usage": add_usage(state.get("usage"), update["usage"]),
            "model_attempts": state.get("model_attempts", 0) + attempts,
        }
        # A call whose arguments could not be parsed still goes to the tool node, which
        # answers it with an error the model can correct (as LangGraph's ToolNode does).
        wants_tools = isinstance(reply, AIMessage) and bool(
            reply.tool_calls or reply.invalid_tool_calls
        )
        stalled = repeated_call(done["messages"])
        if stalled:
            error = f"stalled: called {stalled} with the same arguments {REPEAT_LIMIT} times"
            update["reports"] = make_report(spec, brief, done, started, 0, "failed", error)
        elif wants_tools and update["iterations"] >= iteration_budget(spec, brief):
            error = f"iteration budget of {iteration_budget(spec, brief)} model turns exhausted"
            update["reports"] = make_report(spec, brief, done, started, 0, "over_budget", error)
        elif not wants_tools and not reply.text.strip():
            error = "the model ended the step without a summary"
            update["reports"] = make_report(spec, brief, done, started, 0, "failed", error)
        elif not wants_tools:
            made = make_report(spec, brief, done, started, 0, "done")
            update["reports"] = guard_report(guards, brief, made, done["messages"], config)
        return update

    def call_model_node(
        state: SpecialistState, runtime: Runtime[Context], config: RunnableConfig
    ) -> Body:
        """Call the model with this specialist's tools only; write the Report at the end."""
        ctx = context_of(runtime)
        turn = prepare(state)
        model = bound(model_for(spec.role, ctx), ctx.sampling("step", spec.name, spec.sampling))
        try:
            done = yield model_call(model, turn.messages, config, ctx, spec.name)
        except Exception as exc:
            return onward(failed(state, turn, exc), "tools")
        return onward(conclude(state, turn, done.value, done.attempts, config), "tools")

    return both_faces("model", call_model_node)


def onward(update: dict[str, Any], then: str) -> Command[Any]:
    """Go on to `then` (the other node of the loop), or end once the update holds the Report."""
    # Routed by the node itself: a conditional edge would cost a runnable per superstep.
    return Command(goto=END if update.get("reports") else then, update=update)


def route_start(state: SpecialistInput) -> Literal["model", "tools"]:
    """Start with the model, or with the reviewed tool calls a continued step ends with."""
    brief = Brief(**state["brief"])
    # A step that paused on its results (a guardrail asked) goes on with its model.
    ends_with_calls = bool(brief.transcript) and brief.transcript[-1].get("type") == "ai"
    return "tools" if brief.decisions and ends_with_calls else "model"
