"""The finalize node: the orchestrator writes the answer from this turn's reports."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from nodes.model_access import ModelFor, context_of, usage_of
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

    async def finalize(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> dict[str, Any]:
        """Write the final answer and close the turn."""
        messages = list(state.get("messages", []))
        request = messages[-1].text if messages else ""
        steps = render_reports(state)
        if steps:
            prompt = [
                SystemMessage(FINALIZER_PROMPT),
                HumanMessage(
                    f"Request: {request}\n\nReports:\n{steps}"
                    + (f"\nNote: {state['note']}" if state.get("note") else "")
                ),
            ]
        else:
            history = [m for m in messages if m.type in ("human", "ai") and m.text]
            prompt = [SystemMessage(DIRECT_PROMPT), *history]
        reply = await model_for("orchestrator", context_of(runtime)).ainvoke(prompt, config)
        answer = AIMessage(content=reply.text, name="orchestra")
        return {
            "messages": [answer],
            "orchestrator_usage": {str(state.get("turn", 0)): usage_of(reply)},
            "status": "done",
            "replan_reason": None,
            "plan_error": None,
        }

    return finalize
