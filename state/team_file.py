"""The team as configuration: a YAML file of specialists, checked before anything runs."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from state.file_lines import first_problem, line_of, naming_field, read_yaml
from state.guardrail_spec import Guardrail
from state.ids import EntryName

BUILTIN_FILE = Path(__file__).parent.parent / "nodes" / "specialists" / "builtin.yaml"
MCP_PREFIX = "mcp:"
Named = TypeVar("Named", bound="SpecialistEntry | Guardrail")


class TeamFileError(ValueError):
    """A team file that cannot be used: the message names the file and the line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class McpServer(_Strict):
    """An MCP server: a command started over stdio, or a streamable-HTTP URL."""

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    url: str | None = None

    @model_validator(mode="after")
    def _one_transport(self) -> McpServer:
        """Refuse a server with both or neither of command and url."""
        if bool(self.command) == bool(self.url):
            raise ValueError("an MCP server needs either `command` (stdio) or `url` (HTTP)")
        return self


class RemoteRef(_Strict):
    """A specialist served by another LangGraph server."""

    url: str
    graph: str


class SpecialistEntry(_Strict):
    """One specialist as the team file declares it."""

    name: EntryName
    # What the planner reads; an A2A entry may leave it out (its agent card's skills say it).
    description: str = ""
    prompt: str = ""
    tools: list[str] = Field(default_factory=list)
    model: str = "default"
    interrupt_on: list[str] = Field(default_factory=list)
    max_iterations: int | None = Field(default=None, ge=1, le=100)
    # Most tokens one of its model calls may write, and its sampling temperature.
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    always_on: bool = False
    remote: RemoteRef | None = None
    # An agent served over the Agent2Agent protocol: its agent card's URL, or the base URL
    # its card is found under (`/.well-known/agent-card.json`).
    a2a: str | None = None
    # The variable holding the credential the agent wants (sent as `Authorization: Bearer`).
    a2a_key_env: str | None = None
    # A team lead: an orchestrator of its own over the team file at this path (relative to
    # this file), so a very large system is an orchestrator over a handful of leads.
    team: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SpecialistEntry:
        """Refuse a remote entry with tools, a local one without a prompt, stray reviews."""
        if self.remote is not None and (self.tools or self.prompt or self.team):
            raise ValueError("a remote specialist has no `tools`, `prompt` or `team` of its own")
        if self.a2a is not None:
            check_a2a_entry(self)
        elif self.a2a_key_env:
            raise ValueError("`a2a_key_env` is for an A2A specialist (`a2a: URL`)")
        if self.team is not None and (self.tools or self.prompt):
            raise ValueError("a team lead has no `tools` or `prompt`: its team does the work")
        if self.remote is None and self.team is None and self.a2a is None and not self.prompt:
            raise ValueError("a local specialist needs a `prompt`")
        if self.a2a is None and not self.description.strip():
            raise ValueError("a specialist needs a `description` (what the planner reads)")
        unknown = [t for t in self.interrupt_on if t not in {tool_name(n) for n in self.tools}]
        if unknown:
            raise ValueError(f"interrupt_on names tools it does not have: {', '.join(unknown)}")
        return self

    @property
    def role(self) -> str:
        """Return the model role: the specialist's name unless the file names a role."""
        return self.name if self.model == "default" or ":" in self.model else self.model

    @property
    def pinned_model(self) -> str:
        """Return the `provider:model` the file pins, or ''."""
        return self.model if ":" in self.model else ""


class TeamFile(_Strict):
    """A whole team file."""

    extends: Literal["builtin"] | None = None
    mcp_servers: dict[str, McpServer] = Field(default_factory=dict)
    specialists: list[SpecialistEntry] = Field(default_factory=list)
    guardrails: list[Guardrail] = Field(default_factory=list)
    # `memory: off` never remembers or recalls what users said (README: Memory).
    memory: bool = True


def check_a2a_entry(entry: SpecialistEntry) -> None:
    """Refuse an A2A entry with work of its own or a URL that is not http(s)."""
    if entry.tools or entry.prompt or entry.team or entry.remote or entry.interrupt_on:
        raise ValueError(
            "an A2A specialist has no `tools`, `prompt`, `team`, `remote` or `interrupt_on`: "
            "the agent does the work and asks for input itself"
        )
    if entry.a2a_key_env and not os.environ.get(entry.a2a_key_env):
        raise ValueError(f"`a2a_key_env` names {entry.a2a_key_env}, which is not set")
    if not str(entry.a2a).startswith(("http://", "https://")):
        raise ValueError(f"`a2a` is the agent's http(s) URL, not '{entry.a2a}'")


def tool_name(ref: str) -> str:
    """Return the name a tool reference gives the specialist: `mcp:catalog/x` -> `x`."""
    return ref.removeprefix(MCP_PREFIX).split("/", 1)[-1]


def mcp_server_of(ref: str) -> str | None:
    """Return the MCP server a tool reference names, or None for a built-in tool."""
    return ref.removeprefix(MCP_PREFIX).split("/", 1)[0] if ref.startswith(MCP_PREFIX) else None


def load_team_file(path: Path, builtin_tools: Sequence[str]) -> TeamFile:
    """Read and check a team file; every problem is a TeamFileError naming file and line."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise TeamFileError(f"{path}: cannot read the team file ({exc.strerror})") from None
    node, raw = read_yaml(path, text, TeamFileError)
    if not isinstance(raw, Mapping):
        raise TeamFileError(f"{path}:1: a team file is a mapping with `specialists:`")
    try:
        team = TeamFile.model_validate(raw)
    except ValidationError as exc:
        loc, message, stray = first_problem(exc)
        where = _where(raw, loc)
        if not stray:
            # Within an entry its name says which; the field is what follows it.
            message = naming_field(loc[2:] if where else loc, message)
        raise TeamFileError(f"{path}:{line_of(node, loc)}: {where}{message}") from None
    _check_names_and_tools(path, node, team, builtin_tools)
    _check_guardrails(path, node, team)
    return team


def named_once(
    path: Path, node: Any, section: str, entries: Sequence[Named]
) -> Iterator[tuple[int, str, Named]]:
    """Yield each entry of a section with where it is, refusing a name used twice."""
    label = section.removesuffix("s")
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        at = f"{path}:{line_of(node, (section, index))}: {label} '{entry.name}': "
        if entry.name in seen:
            raise TeamFileError(f"{at}the name is used twice in the file")
        seen.add(entry.name)
        yield index, at, entry


def _check_guardrails(path: Path, node: Any, team: TeamFile) -> None:
    """Refuse a guardrail name used twice, or one naming a specialist the team lacks."""
    names = {e.name for e in team.specialists}
    for _, at, guard in named_once(path, node, "guardrails", team.guardrails):
        named = [*(guard.allow or []), *(guard.deny or [])]
        # A file that extends the built-in team may name the built-in four too.
        unknown = [n for n in named if n not in names and team.extends is None]
        if unknown:
            raise TeamFileError(f"{at}no specialist named {', '.join(unknown)} in the team")


def _check_names_and_tools(
    path: Path, node: Any, team: TeamFile, builtin_tools: Sequence[str]
) -> None:
    """Refuse a name used twice, an unknown built-in tool, an undeclared MCP server."""
    for index, _, entry in named_once(path, node, "specialists", team.specialists):
        for number, ref in enumerate(entry.tools):
            at_tool = f"{path}:{line_of(node, ('specialists', index, 'tools', number))}: "
            server = mcp_server_of(ref)
            if server is None and ref not in builtin_tools:
                known = ", ".join(sorted(builtin_tools))
                raise TeamFileError(
                    f"{at_tool}specialist '{entry.name}': unknown built-in tool '{ref}' "
                    f"(known: {known}; an MCP tool is mcp:<server>/<tool>)"
                )
            if server is not None and (server not in team.mcp_servers or "/" not in ref):
                raise TeamFileError(
                    f"{at_tool}specialist '{entry.name}': tool '{ref}' names MCP server "
                    f"'{server}', which the file does not declare under mcp_servers"
                )


def _where(raw: Any, loc: tuple[Any, ...]) -> str:
    """Return 'specialist NAME: ' (or 'guardrail NAME: ') when the location is in an entry."""
    kinds = {"specialists": "specialist", "guardrails": "guardrail"}
    if len(loc) >= 2 and loc[0] in kinds and isinstance(loc[1], int):
        entries = raw.get(loc[0]) or []
        if loc[1] < len(entries) and isinstance(entries[loc[1]], Mapping):
            return f"{kinds[loc[0]]} '{entries[loc[1]].get('name', loc[1])}': "
    return ""
