"""A specialist's tool calls as the tool node sees them: planned, gated, answered with errors."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from langchain.agents.middleware.human_in_the_loop import ActionRequest, ReviewConfig
from langchain_core.messages import BaseMessage, ToolCall, ToolMessage
from langchain_core.messages.tool import InvalidToolCall
from langchain_core.tools import BaseTool

from state.reports import Brief


def error_message(call: ToolCall, text: str) -> ToolMessage:
    """Return a tool call's failure as the error message its model reads."""
    return ToolMessage(
        content=f"Error: {text}", tool_call_id=call["id"] or "", name=call["name"], status="error"
    )


def unreadable(call: InvalidToolCall) -> str:
    """Return what the model is told about a call whose arguments could not be parsed."""
    return (
        f"your call to '{call.get('name')}' could not be read ({call.get('error') or 'bad JSON'}): "
        f"{str(call.get('args'))[:300]!r}. Send it again with the arguments as a JSON object."
    )


def takes_step(tool: BaseTool) -> bool:
    """Return True when a tool declares the hidden step argument."""
    return "step" in getattr(tool.get_input_schema(), "model_fields", {})


@dataclass
class Planned:
    """One tool call as it will run: the tool and its arguments, or the answer instead."""

    call: ToolCall
    tool: BaseTool | None = None
    args: dict[str, Any] | None = None
    answer: ToolMessage | None = None


@dataclass
class Gate:
    """A call that needs review: its place in the model's reply, request and config."""

    index: int
    action: ActionRequest
    config: ReviewConfig


@dataclass
class Prepared:
    """What the tool node does: opening messages to write, then calls, or a pause."""

    brief: Brief
    # The transcript so far (the opening messages still to be written among them).
    messages: list[BaseMessage]
    new: list[BaseMessage]
    calls: list[Planned]
    paused: dict[str, Any] | None = None


def elapsed(started: float) -> float:
    """Return seconds since `started`, rounded for the trace."""
    return round(time.perf_counter() - started, 3)
