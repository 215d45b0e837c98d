"""The three architectures under test, built over the same registry and the same model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langgraph.store.base import BaseStore
from langgraph.types import Checkpointer

from benchmarks.toolkit import RunTools
from graph.build import build_graph
from nodes.specialists.spec import SpecialistSpec, planner_menu
from state.context import Context
from state.settings import Settings
from tools.workspace import Workspace

ORCHESTRA, SINGLE, SUPERVISOR = "orchestra", "single_agent", "supervisor"
ARCHITECTURES = (ORCHESTRA, SINGLE, SUPERVISOR)

SINGLE_PROMPT = """You are single_agent, one assistant who does every job of the team \
yourself, with every tool. Work through the request step by step with your tools, then \
answer from what they returned. The jobs and how to do each:

{jobs}"""

SUPERVISOR_PROMPT = """You are supervisor, a supervisor managing a team of agents. Hand the \
conversation to one agent at a time with its transfer tool; when the agents have answered \
every part of the request, write the final answer from what they said. Your agents:

{menu}"""


def supervisor_available() -> str:
    """Return '' when langgraph-supervisor can be imported, else the reason it cannot."""
    try:
        import langgraph_supervisor  # noqa: F401
    except ImportError as exc:
        return f"langgraph-supervisor is not installed ({exc}); pip install -e '.[bench]'"
    return ""


def bench_registry(registry: Sequence[SpecialistSpec]) -> list[SpecialistSpec]:
    """Return the registry without approval pauses: neither baseline has them."""
    return [replace(spec, interrupt_on={}) for spec in registry]


@dataclass
class Built:
    """A compiled architecture, the tools it owns for the current run, how to invoke it."""

    name: str
    graph: Any
    tools: RunTools | None = None
    invoke_kwargs: dict[str, Any] = field(default_factory=dict)

    def start(self, thread_id: str) -> None:
        """Point the architecture's run-scoped tools at a new run."""
        if self.tools is not None:
            self.tools.start(thread_id)


def build(
    name: str,
    model: BaseChatModel,
    registry: Sequence[SpecialistSpec],
    checkpointer: Checkpointer,
    store: BaseStore | None = None,
) -> Built:
    """Compile one architecture over a registry, with one model for every role."""
    # Every architecture reaches the same back ends, resolved once from the bench's settings.
    workspace = Workspace(Settings())
    if name == ORCHESTRA:
        ctx = Context()
        graph = build_graph(
            checkpointer,
            {"default": model},
            specialists=registry,
            workspace=workspace,
            store=store,
        )
        return Built(name, graph, invoke_kwargs={"context": ctx})
    tools = RunTools(registry, workspace)
    if name == SINGLE:
        jobs = "\n\n".join(f"## {spec.name}\n{spec.prompt}" for spec in registry)
        agent = create_agent(
            model,
            tools=tools.all_tools(),
            system_prompt=SINGLE_PROMPT.format(jobs=jobs),
            name=SINGLE,
            checkpointer=checkpointer,
        )
        return Built(name, agent, tools)
    from langgraph_supervisor import create_supervisor

    workers: list[Any] = [
        create_agent(model, tools=tools.tools_of(spec), system_prompt=spec.prompt, name=spec.name)
        for spec in registry
    ]
    workflow = create_supervisor(
        workers, model=model, prompt=SUPERVISOR_PROMPT.format(menu=planner_menu(registry))
    )
    return Built(name, workflow.compile(checkpointer=checkpointer, name=SUPERVISOR), tools)
