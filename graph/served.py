"""What `langgraph dev` serves: the orchestrator over ORCHESTRA_TEAM's team, and any specialist.

The team file is read once, at import; a team whose specialists take tools from MCP servers
is served by a factory that starts those servers for each run and stops them after it. Every
served graph is a factory, so a run a caller's RemoteGraph starts joins the caller's trace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import langsmith as ls
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langsmith.utils import tracing_is_enabled

from graph.build import build_graph, pinned_models
from graph.models import ModelResolver
from graph.persistence.one_writer import OneWriterGraph
from graph.persistence.owned import OwnedGraph
from graph.persistence.thread_lock import ThreadLocks
from graph.specialist import build_specialist
from nodes.specialists.team import Team, load_team, spec_of
from state.settings import Settings
from tools.mcp_servers import McpToolbox
from tools.workspace import Workspace


@contextmanager
def in_caller_trace(config: RunnableConfig) -> Iterator[None]:
    """Trace a served run under the caller's run, when a caller sent one and this server traces.

    A RemoteGraph with distributed_tracing sends its run as `langsmith-trace` (its project in
    `baggage`); the server puts both in the run's configurable, and a factory's graph runs
    inside the factory's context (LangSmith's "distributed tracing with Agent Server").
    """
    configurable = config.get("configurable") or {}
    parent = configurable.get("langsmith-trace")
    # A parent alone would switch tracing on: join only when this server traces anyway.
    if not parent or not tracing_is_enabled():
        yield
        return
    with ls.tracing_context(parent=parent, project_name=configurable.get("langsmith-project")):
        yield


def joining_caller_trace(graph: CompiledStateGraph[Any, Any, Any, Any]) -> Any:
    """Return a factory serving `graph`, its runs filed in the trace of the caller's run.

    Its runs stamp their user as the thread's owner (an orchestrator already does).
    """
    owning = graph if isinstance(graph, OwnedGraph) else OwnedGraph.owning(graph)

    @asynccontextmanager
    async def served_graph(config: RunnableConfig) -> AsyncIterator[Any]:
        with in_caller_trace(config):
            yield owning

    return served_graph


def served_orchestrator(team: Team, workspace: Workspace) -> Any:
    """Return the orchestrator's factory; with MCP servers (or A2A agents), per run."""
    # Shared by every instance where the checkpoints are in Postgres; files on one machine.
    locks = ThreadLocks.of(workspace.settings)
    # MCP servers start, and A2A agents' cards are fetched, for each run.
    if not team.used_servers() and not team.uses_a2a():
        graph = build_graph(
            specialists=team.specs(),
            workspace=workspace,
            guardrails=team.guardrails,
            memory=team.memory,
        )
        return joining_caller_trace(OneWriterGraph.around(graph, locks))

    @asynccontextmanager
    async def orchestrator(config: RunnableConfig) -> AsyncIterator[Any]:
        """The orchestrator, the team's MCP servers running and agents' cards read for this run."""
        async with team.opened() as specs:
            with in_caller_trace(config):
                graph = build_graph(
                    specialists=specs,
                    workspace=workspace,
                    guardrails=team.guardrails,
                    memory=team.memory,
                )
                yield OneWriterGraph.around(graph, locks)

    return orchestrator


def served_specialist(team: Team, workspace: Workspace) -> Any:
    """Return a factory serving one local specialist alone, named by `specialist` in config."""
    names = [e.name for e in team.entries if e.remote is None and e.a2a is None]

    @asynccontextmanager
    async def specialist(config: RunnableConfig) -> AsyncIterator[Any]:
        """One specialist of the team, run alone from a brief (configurable `specialist`)."""
        name = (config.get("configurable") or {}).get("specialist") or names[0]
        entry = next((e for e in team.entries if e.name == name and e.name in names), None)
        if entry is None:
            raise ValueError(f"no local specialist '{name}' in the team; one of: {names}")
        used = team.used_servers([entry])
        async with McpToolbox(used, team.source.parent) as toolbox:
            spec = spec_of(entry, toolbox)
            models = ModelResolver(None, pinned_models([spec]))
            with in_caller_trace(config):
                yield OwnedGraph.owning(build_specialist(spec, models, workspace))

    return specialist


def served(settings: Settings | None = None) -> tuple[Any, Any]:
    """Return (orchestrator, specialist) for the server, the team read now."""
    chosen = settings or Settings()
    team, workspace = load_team(chosen.team), Workspace(chosen)
    return served_orchestrator(team, workspace), served_specialist(team, workspace)
