"""What `langgraph dev` serves: the orchestrator over ORCHESTRA_TEAM's team, and any specialist.

The team file is read once, at import; a team whose specialists take tools from MCP servers
is served by a factory that starts those servers for each run and stops them after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langchain_core.runnables import RunnableConfig

from graph.build import build_graph, pinned_models
from graph.models import ModelResolver
from graph.specialist import build_specialist
from nodes.specialists.team import Team, load_team, spec_of
from state.settings import Settings
from tools.mcp_servers import McpToolbox
from tools.workspace import Workspace


def served_orchestrator(team: Team, workspace: Workspace) -> Any:
    """Return the orchestrator graph, or a per-run factory when the team uses MCP servers."""
    if not team.used_servers():
        return build_graph(specialists=team.specs(), workspace=workspace)

    @asynccontextmanager
    async def orchestrator(config: RunnableConfig) -> AsyncIterator[Any]:
        """The orchestrator, the team's MCP servers running for this run."""
        async with team.opened() as specs:
            yield build_graph(specialists=specs, workspace=workspace)

    return orchestrator


def served_specialist(team: Team, workspace: Workspace) -> Any:
    """Return a factory serving one local specialist alone, named by `specialist` in config."""
    names = [e.name for e in team.entries if e.remote is None]

    @asynccontextmanager
    async def specialist(config: RunnableConfig) -> AsyncIterator[Any]:
        """One specialist of the team, run alone from a brief (configurable `specialist`)."""
        name = (config.get("configurable") or {}).get("specialist") or names[0]
        entry = next((e for e in team.entries if e.name == name and e.remote is None), None)
        if entry is None:
            raise ValueError(f"no local specialist '{name}' in the team; one of: {names}")
        used = team.used_servers([entry])
        async with McpToolbox(used, team.source.parent) as toolbox:
            spec = spec_of(entry, toolbox)
            yield build_specialist(spec, ModelResolver(None, pinned_models([spec])), workspace)

    return specialist


def served(settings: Settings | None = None) -> tuple[Any, Any]:
    """Return (orchestrator, specialist) for the server, the team read now."""
    chosen = settings or Settings()
    team, workspace = load_team(chosen.team), Workspace(chosen)
    return served_orchestrator(team, workspace), served_specialist(team, workspace)
