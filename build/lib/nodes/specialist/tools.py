"""A specialist's tool node: only its own tools, errors back to the model, approvals."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.messages import AIMessage, ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.errors import GraphBubbleUp
from langgraph.types import interrupt

from nodes.specialists.spec import SpecialistSpec, Step
from state.graph_state import SpecialistState
from state.reports import Brief
from tools.secrets import redact
from tools.workspace import Workspace


def _error(call: ToolCall, text: str) -> ToolMessage:
    return ToolMessage(
        content=f"Error: {text}", tool_call_id=call["id"] or "", name=call["name"], status="error"
    )


def takes_step(tool: BaseTool) -> bool:
    """Return True when a tool declares the hidden step argument."""
    return "step" in getattr(tool.get_input_schema(), "model_fields", {})


def approved(decision: Any) -> bool:
    """Read an approval answer: True, 'yes'/'approve', or {'approved': True}."""
    if isinstance(decision, dict):
        decision = decision.get("approved", False)
    if isinstance(decision, str):
        return decision.strip().lower() in {"y", "yes", "approve", "approved", "true"}
    return decision is True


def make_tool_node(spec: SpecialistSpec, workspace: Workspace):
    """Return the node that runs the model's tool calls with this specialist's tools alone."""

    async def run_tools(state: SpecialistState, config: RunnableConfig) -> dict[str, Any]:
        """Run each requested tool; unknown names and errors go back as error messages."""
        brief = Brief(**state["brief"])
        tools = {t.name: t for t in spec.tools}
        step = Step(workspace, brief)
        last = state["messages"][-1]
        calls = last.tool_calls if isinstance(last, AIMessage) else []
        gated = [c for c in calls if c["name"] in spec.approval_tools]
        # Ask before running anything, so a resumed node never repeats a side effect.
        allowed = True
        if gated:
            allowed = approved(
                interrupt(
                    {
                        "kind": "approval",
                        "specialist": spec.name,
                        "step": brief.step_key,
                        "tool_calls": [{"name": c["name"], "args": c["args"]} for c in gated],
                    }
                )
            )
        messages: list[ToolMessage] = []
        records: list[dict[str, Any]] = []
        for call in calls:
            started = time.perf_counter()
            tool = tools.get(call["name"])
            if tool is None:
                known = ", ".join(tools)
                message = _error(call, f"there is no tool '{call['name']}'; your tools: {known}")
            elif call["name"] in spec.approval_tools and not allowed:
                message = _error(call, "the user declined this action; nothing was written")
            else:
                try:
                    # The step goes in last, so a model can never pass one of its own.
                    args = {**call["args"], **({"step": step} if takes_step(tool) else {})}
                    message = await tool.ainvoke(
                        {**call, "args": args, "type": "tool_call"}, config
                    )
                except GraphBubbleUp:
                    raise
                except Exception as exc:  # the model reads the error and corrects itself
                    message = _error(call, str(exc) or type(exc).__name__)
            # Tool output enters the checkpoint and the trace: mask secrets on the way in.
            if isinstance(message.content, str):
                message.content = redact(message.content)
            messages.append(message)
            records.append(
                {
                    "name": call["name"],
                    "ok": message.status != "error",
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
        return {"messages": messages, "tools_called": records}

    return run_tools
