"""A toy team for graph tests: specialists with in-memory tools."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from graph import build_graph
from graph.testing import ScriptedChatModel
from nodes.specialists.spec import SpecialistSpec

FACTS = {"revenue": "revenue in 2025 was 1.2M", "policy": "returns window is 14 days"}
TOOL_RUNS: list[str] = []


@tool
def lookup(key: str) -> str:
    """Look up a fact by key."""
    TOOL_RUNS.append(key)
    if key not in FACTS:
        raise ValueError(f"no fact '{key}'; known: {', '.join(FACTS)}")
    return FACTS[key]


@tool
def recall(topic: str) -> str:
    """Recall a memo on a topic."""
    TOOL_RUNS.append(topic)
    return f"memo on {topic}: nothing unusual"


NUMBERS = SpecialistSpec(
    name="numbers",
    description="Looks up business figures.",
    prompt="You are numbers, a specialist who looks up figures.",
    tools=[lookup],
)
MEMOS = SpecialistSpec(
    name="memos",
    description="Recalls company memos.",
    prompt="You are memos, a specialist who recalls memos.",
    tools=[recall],
)
TEAM = [NUMBERS, MEMOS]


def team_graph(script: dict[str, list[Any]], **kwargs: Any):  # type: ignore[no-untyped-def]
    """Return (graph, model) for the toy team with an in-memory checkpointer."""
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=TEAM, **kwargs)
    return graph, model


def thread(name: str = "t") -> dict[str, Any]:
    """Return a run config for a thread."""
    return {"configurable": {"thread_id": name}}
