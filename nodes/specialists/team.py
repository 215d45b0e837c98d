"""The team a run uses: the built-in file, or the user's (`ORCHESTRA_TEAM`), as specs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.tools import BaseTool

from nodes.specialists import data_analyst, doc_researcher, report_writer, sql_analyst
from nodes.specialists.spec import SpecialistSpec
from state.team_file import (
    BUILTIN_FILE,
    McpServer,
    SpecialistEntry,
    TeamFileError,
    load_team_file,
    mcp_server_of,
)

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

    def where(self, entry: SpecialistEntry) -> str:
        """Return where a specialist runs: local, an MCP server's tools, or a remote URL."""
        if entry.remote is not None:
            return f"remote {entry.remote.url} (graph {entry.remote.graph})"
        servers = sorted({s for s in map(mcp_server_of, entry.tools) if s})
        return "local" + (f", tools from MCP server {', '.join(servers)}" if servers else "")

    def specs(self) -> list[SpecialistSpec]:
        """Return the specs of the specialists this process can run."""
        unsupported = [e.name for e in self.entries if e.remote or any(map(mcp_server_of, e.tools))]
        if unsupported:
            raise TeamFileError(
                f"{self.source}: specialists {', '.join(unsupported)} use MCP tools or a remote "
                "server, which this version lists (`orchestra team`) but cannot run yet"
            )
        return [spec_of(entry) for entry in self.entries]


def spec_of(entry: SpecialistEntry) -> SpecialistSpec:
    """Return the spec of a local specialist with built-in tools."""
    return SpecialistSpec(
        name=entry.name,
        description=" ".join(entry.description.split()),
        prompt=entry.prompt,
        tools=[BUILTIN_TOOLS[name] for name in entry.tools],
        model_role=entry.role if entry.role != entry.name else "",
        pinned_model=entry.pinned_model,
        max_iterations=entry.max_iterations,
        interrupt_on={name: True for name in entry.interrupt_on},
    )


def load_team(path: Path | None = None) -> Team:
    """Return the team a file declares (the built-in one when no file is given)."""
    builtin = load_team_file(BUILTIN_FILE, list(BUILTIN_TOOLS))
    if path is None:
        return Team(BUILTIN_FILE, list(builtin.specialists))
    declared = load_team_file(path, list(BUILTIN_TOOLS))
    entries = list(declared.specialists)
    if declared.extends == "builtin":
        # A file entry with a built-in's name replaces it, in the built-in's place.
        mine = {e.name: e for e in entries}
        kept = [mine.pop(e.name, e) for e in builtin.specialists]
        entries = [*kept, *(e for e in entries if e.name in mine)]
    if not entries:
        raise TeamFileError(f"{path}: the team has no specialist")
    return Team(path, entries, dict(declared.mcp_servers))


def team_specs(path: Path | None = None) -> Sequence[SpecialistSpec]:
    """Return the specs of a team file's specialists (the built-in four by default)."""
    return load_team(path).specs()
