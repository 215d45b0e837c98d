"""The team a run uses: the built-in file, or the user's (`ORCHESTRA_TEAM`), as specs."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.tools import BaseTool

from nodes.specialists import data_analyst, doc_researcher, report_writer, sql_analyst
from nodes.specialists.spec import SpecialistSpec
from state.a2a_task import A2AAgent
from state.context import Sampling
from state.guardrail_spec import Guardrail
from state.team_file import (
    BUILTIN_FILE,
    McpServer,
    SpecialistEntry,
    TeamFile,
    TeamFileError,
    load_team_file,
    mcp_server_of,
)
from tools.mcp_servers import McpToolbox

# The tools a team file names by their bare name.
BUILTIN_TOOLS: dict[str, BaseTool] = {
    t.name: t
    for t in (*sql_analyst.TOOLS, *doc_researcher.TOOLS, *data_analyst.TOOLS, *report_writer.TOOLS)
}


@dataclass(frozen=True)
class Team:
    """A checked team: its entries in order, its MCP servers, and where it came from."""

    source: Path
    entries: list[SpecialistEntry]
    mcp_servers: dict[str, McpServer] = field(default_factory=dict)
    guardrails: list[Guardrail] = field(default_factory=list)
    # False when the file says `memory: off`.
    memory: bool = True

    def where(self, entry: SpecialistEntry) -> str:
        """Return where a specialist runs: local, an MCP server's tools, or a remote URL."""
        if entry.a2a is not None:
            return f"A2A agent {entry.a2a}"
        if entry.remote is not None:
            return f"remote {entry.remote.url} (graph {entry.remote.graph})"
        servers = sorted({s for s in map(mcp_server_of, entry.tools) if s})
        return "local" + (f", tools from MCP server {', '.join(servers)}" if servers else "")

    def specs(
        self, toolbox: McpToolbox | None = None, agents: Mapping[str, A2AAgent] | None = None
    ) -> list[SpecialistSpec]:
        """Return the specs, MCP tools taken from a started toolbox, A2A agents' fetched cards."""
        if toolbox is None and self.used_servers():
            raise TeamFileError(
                f"{self.source}: the team uses MCP servers: open it with open_team() "
                "(the command line does), which starts them"
            )
        if agents is None and self.uses_a2a():
            raise TeamFileError(
                f"{self.source}: the team has A2A agents: open it with open_team() "
                "(the command line does), which fetches their cards"
            )
        return [
            lead_of(entry, self.source)
            if entry.team
            else a2a_spec(entry, agents[entry.name])
            if agents and entry.a2a
            else spec_of(entry, toolbox)
            for entry in self.entries
        ]

    async def agents(self) -> dict[str, A2AAgent]:
        """Return the team's A2A agents, each card fetched now (a2a-sdk loads only if needed)."""
        if not self.uses_a2a():
            return {}
        from nodes.specialists.a2a_team import fetch_agents

        return await fetch_agents(self.source, self.entries)

    def uses_a2a(self) -> bool:
        """Return True when a specialist of the team is an A2A agent."""
        return any(e.a2a for e in self.entries)

    def used_servers(
        self, entries: Sequence[SpecialistEntry] | None = None
    ) -> dict[str, McpServer]:
        """Return the MCP servers the specialists (all, or these) take tools from."""
        chosen = self.entries if entries is None else entries
        used = {mcp_server_of(ref) for e in chosen for ref in e.tools}
        return {name: s for name, s in self.mcp_servers.items() if name in used}

    @asynccontextmanager
    async def opened(self) -> AsyncIterator[list[SpecialistSpec]]:
        """Yield the specs, the MCP servers the team uses running; they stop afterwards."""
        async with McpToolbox(self.used_servers(), self.source.parent) as toolbox:
            yield self.specs(toolbox, await self.agents())


def a2a_spec(entry: SpecialistEntry, agent: A2AAgent) -> SpecialistSpec:
    """Return an A2A agent's spec: the entry's description, else its card's skills."""
    from tools.a2a_agents import card_of, skills_text

    description = " ".join(entry.description.split()) or skills_text(card_of(agent.card))
    return SpecialistSpec(entry.name, description, "", [], a2a=agent, always_on=entry.always_on)


def lead_of(entry: SpecialistEntry, source: Path) -> SpecialistSpec:
    """Return a team lead's spec: its own team, read from the file its entry names."""
    path = (source.parent / str(entry.team)).resolve()
    if path == source.resolve():
        raise TeamFileError(f"{source}: team lead '{entry.name}' names its own file")
    team = load_team(path)
    if team.used_servers():
        raise TeamFileError(
            f"{path}: a lead's team takes no MCP tools yet; give them to a specialist of the "
            "top team file"
        )
    description = " ".join(entry.description.split())
    return SpecialistSpec(
        entry.name, description, "", [], lead_team=team.specs(), always_on=entry.always_on
    )


def spec_of(entry: SpecialistEntry, toolbox: McpToolbox | None = None) -> SpecialistSpec:
    """Return the spec of a local specialist: built-in tools, then its MCP tools."""
    if entry.remote is not None:
        description = " ".join(entry.description.split())
        return SpecialistSpec(
            entry.name, description, "", [], remote=entry.remote, always_on=entry.always_on
        )
    builtin = [BUILTIN_TOOLS[name] for name in entry.tools if mcp_server_of(name) is None]
    mcp, unavailable = toolbox.tools_for(entry.tools) if toolbox else ([], "")
    return SpecialistSpec(
        name=entry.name,
        description=" ".join(entry.description.split()),
        prompt=entry.prompt,
        tools=[*builtin, *mcp],
        unavailable=unavailable,
        always_on=entry.always_on,
        model_role=entry.role if entry.role != entry.name else "",
        pinned_model=entry.pinned_model,
        max_iterations=entry.max_iterations,
        interrupt_on={name: True for name in entry.interrupt_on},
        sampling=Sampling(entry.max_tokens, entry.temperature),
    )


@functools.cache
def builtin_team_file() -> TeamFile:
    """Return the built-in team file, read once per process."""
    return load_team_file(BUILTIN_FILE, list(BUILTIN_TOOLS))


def default_guardrails() -> list[Guardrail]:
    """Return the guardrails the built-in team file ships, on unless a graph is given others."""
    return list(builtin_team_file().guardrails)


def load_team(path: Path | None = None) -> Team:
    """Return the team a file declares (the built-in one when no file is given)."""
    builtin = builtin_team_file()
    if path is None:
        return Team(BUILTIN_FILE, list(builtin.specialists), guardrails=list(builtin.guardrails))
    declared = load_team_file(path, list(BUILTIN_TOOLS))
    entries = list(declared.specialists)
    guardrails = list(declared.guardrails)
    if declared.extends == "builtin":
        # A file entry with a built-in's name replaces it, in the built-in's place.
        mine = {e.name: e for e in entries}
        kept = [mine.pop(e.name, e) for e in builtin.specialists]
        entries = [*kept, *(e for e in entries if e.name in mine)]
        own = {g.name for g in guardrails}
        guardrails = [*(g for g in builtin.guardrails if g.name not in own), *guardrails]
    if not entries:
        raise TeamFileError(f"{path}: the team has no specialist")
    return Team(path, entries, dict(declared.mcp_servers), guardrails, declared.memory)


@asynccontextmanager
async def open_team(path: Path | None = None) -> AsyncIterator[list[SpecialistSpec]]:
    """Yield a team's specs with its MCP servers started; they stop when this closes."""
    async with load_team(path).opened() as specs:
        yield specs


def team_specs(path: Path | None = None) -> Sequence[SpecialistSpec]:
    """Return the specs of a team file's specialists (the built-in four by default)."""
    return load_team(path).specs()
