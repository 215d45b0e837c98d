"""The finalize node: the orchestrator writes the answer from this turn's reports."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.calls import acall_model, call_model
from nodes.earlier import render_summary
from nodes.faces import both_faces
from nodes.model_access import ModelFor, context_of, usage_of
from nodes.progress import progress_message, question_of
from nodes.prompts import DIRECT_PROMPT, FINALIZER_PROMPT
from nodes.summary import close_turn
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
        # The question, the rolling summary and this turn's reports: never the whole thread.
        earlier = render_summary(state.get("summary", ""))
        question = question_of(list(state.get("messages", [])))
        steps = render_reports(state)
        if not steps:
            return [SystemMessage(DIRECT_PROMPT), HumanMessage(f"{earlier}{question}")]
        note = f"\nNote: {state['note']}" if state.get("note") else ""
        request = f"{earlier}Request: {question}\n\nReports:\n{steps}{note}"
        return [SystemMessage(FINALIZER_PROMPT), HumanMessage(request)]

    def conclude(state: OrchestraState, ctx: Context, reply: BaseMessage) -> Command[Any]:
        # The answer keeps the streamed reply's id, so a chat client replaces what it
        # streamed instead of showing the answer twice.
        # A stop (a spent budget, a step given up on) is said in the answer itself.
        note = state.get("note") or ""
        stopped = note.startswith(("stopped", "gave up"))
        text = f"{reply.text}\n\n({note})" if stopped else reply.text
        answer = AIMessage(content=text, name="orchestra", id=reply.id)
        filed, too_long = close_turn(state, ctx, text)
        update = {
            **filed,
            "messages": [
                *filed["messages"],
                *progress_message(state, note=state.get("note", "")),
                answer,
            ],
            "orchestrator_usage": {str(state.get("turn", 0)): usage_of(reply)},
            "status": "done",
            "replan_reason": None,
            "plan_error": None,
        }
        return Command(goto="summarize" if too_long else END, update=update)

    def finalize(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> Command[Any]:
        """Write the final answer and close the turn."""
        ctx = context_of(runtime)
        model, prompt = model_for("orchestrator", ctx), prompt_for(state)
        done = call_model(lambda: model.invoke(prompt, config), ctx, "finalizer")
        return conclude(state, ctx, done.value)

    async def afinalize(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> Command[Any]:
        """Write the final answer and close the turn (async face)."""
        ctx = context_of(runtime)
        model, prompt = model_for("orchestrator", ctx), prompt_for(state)
        done = await acall_model(lambda: model.ainvoke(prompt, config), ctx, "finalizer")
        return conclude(state, ctx, done.value)

    return both_faces("finalize", finalize, afinalize)
