"""The baselines Orchestra is measured against: one agent with every tool, and a supervisor.

Both are built over the same team (its specialists' prompts and tools) and the same models,
so `orchestra eval --architecture` and the benchmark compare architectures, not set-ups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langgraph.types import Checkpointer

from graph.run_tools import RunTools
from nodes.specialists.spec import SpecialistSpec, planner_menu
from tools.workspace import Workspace

ORCHESTRA, SINGLE, SUPERVISOR = "orchestra", "single_agent", "supervisor"
ARCHITECTURES = (ORCHESTRA, SINGLE, SUPERVISOR)
HANDOFF = "transfer_to_"

SINGLE_PROMPT = """You are single_agent, one assistant who does every job of the team \
yourself, with every tool. Work through the request step by step with your tools, then \
answer from what they returned. The jobs and how to do each:

{jobs}"""

SUPERVISOR_PROMPT = """You are supervisor, a supervisor managing a team of agents. Hand the \
conversation to one agent at a time with its transfer tool; when the agents have answered \
every part of the request, write the final answer from what they said. Your agents:

{menu}"""

ModelFor = Callable[[str], BaseChatModel]
"""The chat model for a role: `single_agent`, `supervisor`, or a specialist's role."""


def supervisor_available() -> str:
    """Return '' when langgraph-supervisor can be imported, else what to install."""
    try:
        import langgraph_supervisor  # noqa: F401
    except ImportError:
        return (
            "the supervisor baseline needs langgraph-supervisor, which is not installed: "
            "pip install 'orchestra[eval]' (or pip install -e '.[eval]' in a checkout)"
        )
    return ""


def without_approvals(registry: Sequence[SpecialistSpec]) -> list[SpecialistSpec]:
    """Return the team without approval pauses: neither baseline has them."""
    return [replace(spec, interrupt_on={}) for spec in registry]


@dataclass
class Baseline:
    """A compiled baseline and the run-scoped tools it calls."""

    name: str
    graph: Any
    tools: RunTools

    def specialists_used(self, tool_names: Sequence[str]) -> list[str]:
        """Return the specialists behind the tools (or handoffs) a run called, first use first."""
        if self.name == SUPERVISOR:
            names = [n.removeprefix(HANDOFF) for n in tool_names if n.startswith(HANDOFF)]
        else:
            owners = self.tools.owners()
            names = [owners[n] for n in tool_names if n in owners]
        return list(dict.fromkeys(names))


def build_baseline(
    name: str,
    model_for: ModelFor,
    registry: Sequence[SpecialistSpec],
    checkpointer: Checkpointer,
    workspace: Workspace,
) -> Baseline:
    """Compile a baseline: the single agent, or the supervisor (`langgraph-supervisor`).

    The single agent holds every specialist's tools, its prompt listing every job; the
    supervisor hands off to one agent per specialist, each with that specialist's tools.
    """
    tools = RunTools(registry, workspace)
    if name == SINGLE:
        jobs = "\n\n".join(f"## {spec.name}\n{spec.prompt}" for spec in registry)
        agent = create_agent(
            model_for(SINGLE),
            tools=tools.all_tools(),
            system_prompt=SINGLE_PROMPT.format(jobs=jobs),
            name=SINGLE,
            checkpointer=checkpointer,
        )
        return Baseline(SINGLE, agent, tools)
    from langgraph_supervisor import create_supervisor

    workers: list[Any] = [
        create_agent(
            model_for(spec.role),
            tools=tools.tools_of(spec),
            system_prompt=spec.prompt,
            name=spec.name,
        )
        for spec in registry
    ]
    workflow = create_supervisor(
        workers,
        model=model_for(SUPERVISOR),
        prompt=SUPERVISOR_PROMPT.format(menu=planner_menu(registry)),
    )
    return Baseline(SUPERVISOR, workflow.compile(checkpointer=checkpointer, name=SUPERVISOR), tools)
