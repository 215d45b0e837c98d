"""The finalize node: the orchestrator writes the answer from this turn's reports."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from nodes.calls import acall_model, call_model
from nodes.faces import both_faces
from nodes.model_access import ModelFor, context_of, usage_of
from nodes.progress import conversation, progress_message, question_of
from nodes.prompts import DIRECT_PROMPT, FINALIZER_PROMPT
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import FINISHED, read_ledger
from state.reports import read_reports


def render_reports(state: OrchestraState) -> str:
    """Render this turn's step outcomes for the finalizer."""
    turn = state.get("turn", 0)
    reports = read_reports(state.get("reports", {}))
    lines: list[str] = []
    for key, rec in read_ledger(state.get("ledger", {})).items():
        if rec.turn != turn:
            continue
        lines.append(f"## Step {rec.id} ({rec.specialist}): {rec.objective}")
        lines.append(f"Status: {rec.status}")
        report = reports.get(key)
        if rec.status in FINISHED and report is not None:
            lines.append(report.summary)
            if report.sources:
                lines.append("Sources: " + "; ".join(report.sources))
            if report.artifacts:
                lines.append("Artifacts: " + ", ".join(report.artifacts))
        elif rec.error:
            lines.append(f"Error: {rec.error}")
        lines.append("")
    return "\n".join(lines)


def make_finalize_node(model_for: ModelFor):
    """Return the finalize node."""

    def prompt_for(state: OrchestraState) -> list[BaseMessage]:
        messages = list(state.get("messages", []))
        steps = render_reports(state)
        if not steps:
            return [SystemMessage(DIRECT_PROMPT), *conversation(messages)]
        note = f"\nNote: {state['note']}" if state.get("note") else ""
        request = f"Request: {question_of(messages)}\n\nReports:\n{steps}{note}"
        return [SystemMessage(FINALIZER_PROMPT), HumanMessage(request)]

    def conclude(state: OrchestraState, reply: BaseMessage) -> dict[str, Any]:
        # The answer keeps the streamed reply's id, so a chat client replaces what it
        # streamed instead of showing the answer twice.
        # A stop (a spent budget, a step given up on) is said in the answer itself.
        note = state.get("note") or ""
        stopped = note.startswith(("stopped", "gave up"))
        text = f"{reply.text}\n\n({note})" if stopped else reply.text
        answer = AIMessage(content=text, name="orchestra", id=reply.id)
        return {
            "messages": [*progress_message(state, note=state.get("note", "")), answer],
            "orchestrator_usage": {str(state.get("turn", 0)): usage_of(reply)},
            "status": "done",
            "replan_reason": None,
            "plan_error": None,
        }

    def finalize(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> dict[str, Any]:
        """Write the final answer and close the turn."""
        ctx = context_of(runtime)
        model, prompt = model_for("orchestrator", ctx), prompt_for(state)
        done = call_model(lambda: model.invoke(prompt, config), ctx, "finalizer")
        return conclude(state, done.value)

    async def afinalize(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> dict[str, Any]:
        """Write the final answer and close the turn (async face)."""
        ctx = context_of(runtime)
        model, prompt = model_for("orchestrator", ctx), prompt_for(state)
        done = await acall_model(lambda: model.ainvoke(prompt, config), ctx, "finalizer")
        return conclude(state, done.value)

    return both_faces("finalize", finalize, afinalize)
