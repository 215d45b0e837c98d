"""The orchestrator graph: plan -> dispatch (runs each step's subgraph when ready) -> finalize."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore
from langgraph.types import Checkpointer

from graph.models import ModelResolver, ModelSpec
from graph.specialist import build_specialist
from nodes.archive_access import Archives
from nodes.dispatch import make_dispatch_node
from nodes.finalize import make_finalize_node
from nodes.guards.review import make_guard_review_node
from nodes.guards.screen import Guards
from nodes.memory import Memories
from nodes.plan_review import make_plan_review_node
from nodes.planning import make_plan_node
from nodes.remember import make_remember_node, make_store_memories_node
from nodes.specialist.lead import make_lead_step_run
from nodes.specialist.remote import make_remote_step_run
from nodes.specialist.step import make_step_run
from nodes.specialists import SAMPLE_TEAM, SpecialistSpec
from nodes.specialists.team import default_guardrails
from nodes.step_review import make_step_review_node
from nodes.summary import make_summary_node
from state.context import Context
from state.graph_state import OrchestraInput, OrchestraOutput, OrchestraState
from state.guardrail_spec import Guardrail, check_unique
from state.settings import Settings
from tools.workspace import Workspace


def build_graph(
    checkpointer: Checkpointer = None,
    models: Mapping[str, ModelSpec] | None = None,
    *,
    store: BaseStore | None = None,
    specialists: Sequence[SpecialistSpec] | None = None,
    workspace: Workspace | None = None,
    guardrails: Sequence[Guardrail] | None = None,
    memory: bool = True,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the orchestrator; dispatch runs its specialists' subgraphs as steps become ready.

    Full step reports and earlier turns live in the Store (`store`, or the one a LangGraph
    server brings); pass one beside a lasting checkpointer
    (graph.persistence.checkpoints.open_store).
    `guardrails` default to the built-in team file's (README: Guardrails); [] for none.
    `memory=False` (a team file's `memory: off`) never remembers or recalls the user's memories.
    """
    registry = list(SAMPLE_TEAM if specialists is None else specialists)
    names = [spec.name for spec in registry]
    if len(set(names)) != len(names):
        raise ValueError(f"specialist names must be unique: {names}")
    model_for = ModelResolver(models, pinned_models(registry))
    place = workspace or Workspace(Settings())
    guards = Guards(check_unique(list(default_guardrails() if guardrails is None else guardrails)))
    builder = StateGraph(
        OrchestraState,
        context_schema=Context,
        input_schema=OrchestraInput,
        output_schema=OrchestraOutput,
    )
    # Timeouts and retries apply per model and tool call (nodes/calls.py), read from the
    # run's Context, so nodes carry no policy of their own and every face of the graph works.
    archives = Archives()
    memories = Memories(archives, memory)
    plan = make_plan_node(model_for, registry, archives, guards, memories)
    # A turn a guardrail refuses ends at the plan (END), with nothing run; under a drain, the
    # steps wait in dispatch, where the run stops and resume starts them.
    builder.add_node(
        "plan",
        plan,
        destinations=("approve_plan", "guard_review", "dispatch", "finalize", END),
    )
    builder.add_node(
        "approve_plan", make_plan_review_node(registry), destinations=("dispatch", "plan")
    )
    steps: dict[str, Any] = {}
    subgraphs: dict[str, Any] = {}
    for spec in registry:
        if spec.lead_team:
            # A team lead: an orchestrator of its own over its team, one step here.
            # Its parent remembers the turn; the lead's own thread does not again.
            team = build_graph(
                None,
                models,
                specialists=spec.lead_team,
                workspace=place,
                guardrails=guardrails,
                memory=False,
            )
            steps[spec.name] = make_lead_step_run(spec, team, archives)
        elif spec.a2a is not None:
            # An agent served over A2A: its task followed in a subgraph, same brief and report.
            from graph.a2a_specialist import build_a2a_specialist

            subgraphs[spec.name] = build_a2a_specialist(spec)
            steps[spec.name] = make_step_run(spec, subgraphs[spec.name], archives)
        elif spec.remote is not None:
            # Served by another LangGraph server: called with RemoteGraph, same brief and report.
            steps[spec.name] = make_remote_step_run(spec, archives)
        else:
            # What a step cannot recover from becomes its failed report (the step catches
            # it), so one bad step never takes its siblings down with it.
            subgraph = build_specialist(spec, model_for, place, guards)
            steps[spec.name] = make_step_run(spec, subgraph, archives)
            subgraphs[spec.name] = subgraph
    # Dispatch runs each step's subgraph the moment its inputs are ready (no superstep
    # between a report and its dependent), then approves, replans or finalizes.
    builder.add_node(
        "dispatch",
        make_dispatch_node(archives, steps),
        destinations=("approve_steps", "dispatch", "plan", "finalize", *subgraphs),
    )
    # Each specialist's subgraph is a node too, though dispatch runs it (no Send ever
    # triggers it): its steps' checkpoints sit under `<specialist>:<id>`, where LangGraph
    # and Studio look a subgraph's state up by node name, and the picture shows the team.
    for name, subgraph in subgraphs.items():
        builder.add_node(name, subgraph)
        builder.add_edge(name, "dispatch")
    builder.add_node(
        "approve_steps", make_step_review_node(registry, archives), destinations=("dispatch",)
    )
    # Each finished turn joins the rolling summary; the planner never rereads the thread.
    builder.add_node(
        "finalize",
        make_finalize_node(model_for, guards, memories, archives),
        destinations=("guard_review", "summarize", "remember", END),
    )
    # An `ask` guardrail on the plan or the answer waits here, in a node with no model call
    # (and an answer whose check raised is checked again here: it may then ask).
    builder.add_node(
        "guard_review",
        make_guard_review_node(registry, guards, memories),
        destinations=("dispatch", "guard_review", "plan", "summarize", "remember", END),
    )
    builder.add_node("summarize", make_summary_node(model_for, archives))
    # After the answer, what the turn taught about the user: extracted (one model call,
    # checkpointed), then screened and merged into their memories.
    remember = make_remember_node(model_for)
    builder.add_node("remember", remember, destinations=("store_memories", END))
    builder.add_node("store_memories", make_store_memories_node(memories, guards))
    # Every request starts with a plan; the nodes route themselves with Command from there.
    builder.add_edge(START, "plan")
    return builder.compile(checkpointer=checkpointer, store=store, name="orchestrator")


def pinned_models(registry: Sequence[SpecialistSpec]) -> dict[str, str]:
    """Return the `provider:model` each role is pinned to by the team file."""
    return {spec.role: spec.pinned_model for spec in registry if spec.pinned_model}


def build_specialist_graph(
    name: str, models: Mapping[str, ModelSpec] | None = None
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile one specialist of the sample team as its own graph, to run it alone."""
    spec = next((s for s in SAMPLE_TEAM if s.name == name), None)
    if spec is None:
        raise ValueError(f"unknown specialist '{name}'")
    return build_specialist(spec, ModelResolver(models), Workspace(Settings()))
