"""A specialist, declared as data: what the planner reads and what the factory wires."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from langchain.agents.middleware.human_in_the_loop import InterruptOnConfig
from langchain_core.tools import BaseTool, InjectedToolArg

from state.a2a_task import A2AAgent
from state.context import Sampling
from state.reports import Brief
from state.team_file import RemoteRef
from tools.workspace import Workspace


@dataclass(frozen=True)
class Step:
    """What a tool may reach for one call: the run's workspace, the step's brief, the call."""

    workspace: Workspace
    brief: Brief
    call_id: str = ""

    def __repr__(self) -> str:
        return f"Step({self.brief.step_key})"

    @property
    def effect_key(self) -> str:
        """Return the idempotency key of this tool call: thread, step and call id."""
        return f"{self.brief.thread_id or 'adhoc'}/{self.brief.step_key}/{self.call_id}"


# A tool's hidden parameter: the tool node fills it in; the model never sees or sets it.
StepArg = Annotated[Step, InjectedToolArg]


@dataclass(frozen=True, eq=False)
class SpecialistSpec:
    """Name, planner-facing description, prompt, tools, model role, reviews, budget."""

    name: str
    description: str
    prompt: str
    tools: Sequence[BaseTool]
    model_role: str = ""
    # A `provider:model` the team file pins for this specialist (code's models still win).
    pinned_model: str = ""
    max_iterations: int | None = None
    # Tools that pause for the user's review before they run, as deepagents' `interrupt_on`:
    # True allows approve, edit and reject; a config names the decisions and a description.
    interrupt_on: Mapping[str, bool | InterruptOnConfig] = field(default_factory=dict)
    # Why this specialist cannot run in this process (an MCP server it needs is down): its
    # steps fail at once with this reason, and the orchestrator replans around them.
    unavailable: str = ""
    # A team lead's own team: the lead is an orchestrator over it (nodes/specialist/lead.py).
    lead_team: Sequence[SpecialistSpec] = ()
    # Offered to the planner of a large team whatever the request (nodes/menu.py).
    always_on: bool = False
    # A graph on another LangGraph server that runs this specialist's steps, if any.
    remote: RemoteRef | None = None
    # An agent served over A2A that runs this specialist's steps, its card fetched at load.
    a2a: A2AAgent | None = None
    # The team file's output limit and temperature for this specialist's calls, where set.
    sampling: Sampling = field(default_factory=Sampling)

    @property
    def role(self) -> str:
        """Return the role whose model this specialist uses."""
        return self.model_role or self.name

    def tool_names(self) -> list[str]:
        """Return the names of this specialist's tools."""
        return [t.name for t in self.tools]


def planner_menu(registry: Sequence[SpecialistSpec]) -> str:
    """Render the registry as the planner's menu: one line per specialist."""
    return "\n".join(f"- {spec.name}: {spec.description}" for spec in registry)
