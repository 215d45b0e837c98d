"""The one factory that turns a specialist's spec into a compiled subgraph."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from nodes.guards.screen import Guards
from nodes.model_access import ModelFor
from nodes.specialist.loop import (
    make_model_node,
    route_start,
)
from nodes.specialist.tools import make_tool_node
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import SpecialistInput, SpecialistOutput, SpecialistState
from tools.workspace import Workspace


def build_specialist(
    spec: SpecialistSpec,
    model_for: ModelFor,
    workspace: Workspace,
    guards: Guards | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile a specialist: model <-> tools, from its brief to its Report."""
    # Its tool results and its report pass the team's guardrails (none when run alone).
    guards = guards or Guards()
    builder = StateGraph(
        SpecialistState,
        context_schema=Context,
        input_schema=SpecialistInput,
        output_schema=SpecialistOutput,
    )
    builder.add_node("model", make_model_node(spec, model_for, guards), destinations=("tools", END))
    builder.add_node(
        "tools", make_tool_node(spec, workspace, guards, model_for), destinations=("model", END)
    )
    # The specialist starts from its prompt and its brief alone (a step continued after the
    # user's review starts with the reviewed tool calls).
    builder.add_conditional_edges(START, route_start, ["model", "tools"])
    # It loops model <-> tools until it answers, stalls, spends its budget, or pauses for
    # review; the node that stops writes the Report, so a step costs no extra supersteps.
    return builder.compile(name=spec.name)
