"""Script builders: plans, steps, tool calls and answers, as the scripted model replays them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

Reply = dict[str, Any] | AIMessage | Callable[[list[BaseMessage]], "dict[str, Any] | AIMessage"]


def plan(*steps: dict[str, Any], need: str | None = None) -> dict[str, Any]:
    """Return a planner reply: the `Plan` tool call with these steps (or a need for more)."""
    args: dict[str, Any] = {"steps": list(steps)}
    if need is not None:
        args["need"] = need
    return {"tool_calls": [{"name": "Plan", "args": args}]}


def step(sid: str, specialist: str, objective: str, *deps: str, **extra: Any) -> dict[str, Any]:
    """Return one plan step."""
    return {
        "id": sid,
        "specialist": specialist,
        "objective": objective,
        "depends_on": list(deps),
        **extra,
    }


def call(name: str, **args: Any) -> dict[str, Any]:
    """Return a reply that calls one tool."""
    return {"tool_calls": [{"name": name, "args": args}]}


def malformed(name: str, raw_arguments: str) -> dict[str, Any]:
    """Return a reply that calls a tool with arguments that are not valid JSON."""
    return {"tool_calls": [{"name": name, "args": raw_arguments}]}


def answer(text: str) -> dict[str, Any]:
    """Return a text reply."""
    return {"content": text}


def last_tool_text(messages: Sequence[BaseMessage]) -> str:
    """Return the content of the most recent tool result in a request."""
    return next(m.text for m in reversed(messages) if isinstance(m, ToolMessage))
