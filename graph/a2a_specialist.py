"""An A2A agent as a specialist: its step as a subgraph of three checkpointed nodes."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from nodes.specialist.a2a import make_a2a_nodes
from nodes.specialists.spec import SpecialistSpec
from state.a2a_task import A2AStepState
from state.context import Context
from state.graph_state import SpecialistInput, SpecialistOutput


def build_a2a_specialist(spec: SpecialistSpec) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the step of an A2A agent: brief in, Report out, as a local specialist's."""
    nodes = make_a2a_nodes(spec)
    builder = StateGraph(
        A2AStepState,
        context_schema=Context,
        input_schema=SpecialistInput,
        output_schema=SpecialistOutput,
    )
    for name, node in nodes.items():
        builder.add_node(name, node)
    # The task's id is checkpointed before it is followed: a resumed step asks, never resends.
    builder.add_edge(START, "send")
    builder.add_edge("send", "follow")
    builder.add_edge("follow", "conclude")
    builder.add_edge("conclude", END)
    return builder.compile(name=spec.name)
