"""A specialist's tool node: only its own tools, errors back to the model, reviews first."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from langchain.agents.middleware.human_in_the_loop import ActionRequest, HITLRequest
from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage, messages_to_dict
from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphBubbleUp
from langgraph.runtime import Runtime

from nodes.calls import tool_call
from nodes.faces import Body, both_faces, off_loop
from nodes.guards.at_step import guard_outputs
from nodes.guards.classifier import GUARD, injection_classifier
from nodes.guards.screen import Guards
from nodes.hitl import (
    DECISIONS,
    Decision,
    Edit,
    Reject,
    ask_review,
    rejection_text,
    review_config,
    tool_args_check,
)
from nodes.model_access import ModelFor, context_of
from nodes.specialist.loop import onward, transcript_so_far
from nodes.specialist.report import make_report
from nodes.specialist.tool_calls import (
    Gate,
    Planned,
    Prepared,
    elapsed,
    error_message,
    takes_step,
    unreadable,
)
from nodes.specialists.spec import SpecialistSpec, Step
from state.context import Context
from state.graph_state import SpecialistState
from state.reports import Brief
from tools.secrets import redact
from tools.workspace import Workspace


def make_tool_node(spec: SpecialistSpec, workspace: Workspace, guards: Guards, model_for: ModelFor):
    """Return the node that runs the model's tool calls with this specialist's tools alone."""
    tools = {t.name: t for t in spec.tools}

    check_edit = tool_args_check(tools)

    def gates(brief: Brief, calls: Sequence[ToolCall]) -> list[Gate]:
        """Return the calls that need the user's review, as HITL action requests."""
        found: list[Gate] = []
        for index, call in enumerate(calls):
            config = review_config(call["name"], spec.interrupt_on.get(call["name"]))
            if config is None or call["name"] not in tools:
                continue
            setting = spec.interrupt_on[call["name"]]
            described = setting.get("description") if isinstance(setting, dict) else None
            description = (
                described
                if isinstance(described, str)
                else f"{spec.name} wants to run {call['name']} for step {brief.step_id}: "
                f"{brief.objective}"
            )
            action = ActionRequest(name=call["name"], args=call["args"], description=description)
            found.append(Gate(index, action, config))
        return found

    def decisions_for(
        brief: Brief, messages: Sequence[BaseMessage], found: list[Gate]
    ) -> list[Decision] | HITLRequest:
        """Return the user's decisions on the gated calls, or the request still to be asked."""
        actions, configs = [g.action for g in found], [g.config for g in found]
        # Decisions the orchestrator collected apply to the calls the transcript ends with.
        if brief.decisions and len(messages) == 2 + len(brief.transcript):
            return DECISIONS.validate_python(brief.decisions)
        if brief.defer_review:
            return HITLRequest(action_requests=actions, review_configs=configs)
        # Asked before anything runs, so a resumed node never repeats a side effect.
        return ask_review(actions, configs, check_edit)

    def plan_calls(state: SpecialistState) -> Prepared:
        """Return each requested call, reviewed, with its tool and arguments or its answer."""
        brief, new, messages = transcript_so_far(state, spec)
        last = messages[-1]
        calls = last.tool_calls if isinstance(last, AIMessage) else []
        found = gates(brief, calls)
        reviewed = decisions_for(brief, messages, found) if found else []
        if isinstance(reviewed, dict):
            started = state.get("started_at") or time.time()
            done = {**state, "messages": messages}
            transcript = messages_to_dict(messages[2:])
            paused = make_report(
                spec, brief, done, started, 0, "needs_review", None, transcript, dict(reviewed)
            )
            return Prepared(brief, messages, new, [], paused)
        decisions = {g.index: d for g, d in zip(found, reviewed, strict=True)}
        planned = [
            Planned(bad, answer=error_message(bad, unreadable(bad)))  # type: ignore[arg-type]
            for bad in (last.invalid_tool_calls if isinstance(last, AIMessage) else [])
        ]
        for index, call in enumerate(calls):
            tool = tools.get(call["name"])
            decision = decisions.get(index)
            if tool is None:
                known = ", ".join(tools)
                text = f"there is no tool '{call['name']}'; your tools: {known}"
                planned.append(Planned(call, answer=error_message(call, text)))
            elif isinstance(decision, Reject):
                text = rejection_text(call["name"], decision)
                planned.append(Planned(call, answer=error_message(call, text)))
            else:
                args = decision.edited_action.args if isinstance(decision, Edit) else call["args"]
                # The step goes in last, so a model can never pass one of its own.
                step = Step(workspace, brief, call["id"] or "")
                args = {**args, **({"step": step} if takes_step(tool) else {})}
                planned.append(Planned(call, tool, args))
        return Prepared(brief, messages, new, planned)

    def record(planned: Planned, message: ToolMessage, started: float) -> dict[str, Any]:
        # Tool output enters the checkpoint and the trace: mask secrets on the way in.
        if isinstance(message.content, str):
            message.content = redact(message.content)
        ok = message.status != "error"
        return {"name": planned.call["name"], "ok": ok, "seconds": elapsed(started)}

    def execute(planned: Planned, config: RunnableConfig, ctx: Context) -> Body:
        """Run one planned call; an error goes back to the model as an error message."""
        assert planned.tool is not None and planned.args is not None
        call = {**planned.call, "args": planned.args, "type": "tool_call"}
        try:
            return (yield tool_call(planned.tool, call, config, ctx))
        except GraphBubbleUp:
            raise
        except Exception as exc:  # the model reads the error and corrects itself
            return error_message(planned.call, str(exc) or type(exc).__name__)

    def finish(
        state: SpecialistState,
        prepared: Prepared,
        results: list[ToolMessage],
        records: list[dict[str, Any]],
        config: RunnableConfig,
        ctx: Context,
    ) -> dict[str, Any]:
        """Return the node's update: the results as the guardrails leave them, or a pause."""
        classify = (
            injection_classifier(model_for, ctx, config) if guards.at("tool_output") else None
        )
        outputs = guard_outputs(guards, prepared.brief, results, config, classify)
        update: dict[str, Any] = {"messages": [*prepared.new, *results], "tools_called": records}
        if outputs.events:
            update["guard_events"] = outputs.events
        if outputs.review is None:
            return update
        # A result waits for the user: the step pauses with it, unread by its model.
        whole = [*prepared.messages, *results]
        done = {
            **state,
            "messages": whole,
            "tools_called": [*state.get("tools_called", []), *records],
            "guard_events": [*state.get("guard_events", []), *outputs.events],
        }
        started = state.get("started_at") or time.time()
        transcript = messages_to_dict(whole[2:])
        review = outputs.review
        paused = make_report(
            spec, prepared.brief, done, started, 0, "needs_review", None, transcript, review
        )
        return {**update, "reports": paused}

    def run_tools(
        state: SpecialistState, runtime: Runtime[Context], config: RunnableConfig
    ) -> Body:
        """Run each requested tool; unknown names, rejections and errors go back as errors."""
        ctx = context_of(runtime)
        prepared = plan_calls(state)
        if prepared.paused:
            return onward({"messages": prepared.new, "reports": prepared.paused}, "model")
        results, records = list[ToolMessage](), []
        for planned in prepared.calls:
            started = time.perf_counter()
            message = planned.answer or (yield from execute(planned, config, ctx))
            records.append(record(planned, message, started))
            results.append(message)
        if guards.at("tool_output") and model_for.own(GUARD, ctx) is not None:
            # The guard model is called synchronously: off the event loop in the async face.
            update = yield off_loop(finish, state, prepared, results, records, config, ctx)
        else:
            update = finish(state, prepared, results, records, config, ctx)
        return onward(update, "model")

    return both_faces("tools", run_tools)
