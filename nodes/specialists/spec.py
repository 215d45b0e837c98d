"""A specialist, declared as data: what the planner reads and what the factory wires."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from langchain_core.tools import BaseTool

from nodes.specialists.workspace import Workspace
from state.reports import Brief
from state.settings import Settings

ToolFactory = Callable[[Workspace, Brief], Sequence[BaseTool]]


@dataclass(frozen=True, eq=False)
class SpecialistSpec:
    """Name, planner-facing description, prompt, tools, model role, permissions, budget."""

    name: str
    description: str
    prompt: str
    make_tools: ToolFactory
    permissions: tuple[str, ...] = ()
    model_role: str = ""
    max_iterations: int | None = None
    approval_tools: frozenset[str] = field(default_factory=frozenset)

    @property
    def role(self) -> str:
        """Return the role whose model this specialist uses."""
        return self.model_role or self.name

    def tool_names(self) -> list[str]:
        """Return the names of this specialist's tools, without opening any back end."""
        return [t.name for t in self.make_tools(Workspace(Settings()), Brief(objective=""))]


def planner_menu(registry: Sequence[SpecialistSpec]) -> str:
    """Render the registry as the planner's menu: one line per specialist."""
    return "\n".join(f"- {spec.name}: {spec.description}" for spec in registry)
