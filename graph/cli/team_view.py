"""`orchestra team`: each specialist, its tools and where it runs; MCP servers asked live."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from graph.cli.failures import EXIT_OK, UsageError, load_settings
from nodes.specialists.team import Team, load_team
from state.team_file import TeamFileError
from tools.mcp_servers import list_tools


async def describe_team(team: Team) -> dict[str, Any]:
    """Return the team as `--json` prints it, each MCP server connected to and listed."""
    folder = team.source.parent
    names = list(team.mcp_servers)
    found = await asyncio.gather(
        *(list_tools(name, team.mcp_servers[name], folder) for name in names)
    )
    servers = {
        name: {
            "transport": "http" if team.mcp_servers[name].url else "stdio",
            "reachable": not error,
            "tools": tools,
            **({"error": error} if error else {}),
        }
        for name, (tools, error) in zip(names, found, strict=True)
    }
    agents = await asyncio.gather(*(agent_of(str(e.a2a)) for e in team.entries if e.a2a))
    cards = dict(zip([e.name for e in team.entries if e.a2a], agents, strict=True))
    specialists = [
        {
            "name": e.name,
            "description": " ".join(e.description.split()),
            "tools": e.tools,
            "where": team.where(e),
            "model": e.model,
            "interrupt_on": e.interrupt_on,
            "always_on": e.always_on,
            **({"remote": e.remote.model_dump()} if e.remote else {}),
            **({"a2a": cards[e.name]} if e.a2a else {}),
        }
        for e in team.entries
    ]
    return {"source": str(team.source), "specialists": specialists, "mcp_servers": servers}


async def agent_of(url: str) -> dict[str, Any]:
    """Return an A2A agent as `orchestra team` shows it: its card's skills, or why none."""
    from tools.a2a_agents import A2AAgentError, fetch_card

    try:
        card = await fetch_card(url)
    except A2AAgentError as exc:
        return {"url": url, "reachable": False, "skills": [], "error": str(exc)}
    skills = [{"name": s.name or s.id, "description": s.description} for s in card.skills]
    return {"url": url, "reachable": True, "name": card.name, "skills": skills}


async def show_team(*, as_json: bool) -> int:
    """Print the team the settings name (ORCHESTRA_TEAM, or the built-in one)."""
    from rich.console import Console
    from rich.table import Table

    try:
        team = load_team(load_settings().team)
    except TeamFileError as exc:
        raise UsageError(str(exc)) from None
    described = await describe_team(team)
    if as_json:
        print(json.dumps(described))
        return EXIT_OK
    table = Table("specialist", "tools", "runs", "model", title=described["source"])
    for s in described["specialists"]:
        tools = ", ".join(s["tools"]) or "–"
        if "a2a" in s:
            agent = s["a2a"]
            skills = ", ".join(k["name"] for k in agent["skills"])
            tools = f"skills: {skills}" if agent["reachable"] else "UNREACHABLE"
        table.add_row(s["name"], tools, s["where"], s["model"] if "a2a" not in s else "–")
    console = Console()
    console.print(table)
    for name, server in described["mcp_servers"].items():
        state = f"{len(server['tools'])} tools" if server["reachable"] else "UNREACHABLE"
        detail = ", ".join(server["tools"]) if server["reachable"] else server["error"]
        console.print(f"MCP server {name} ({server['transport']}): {state} — {detail}")
    for s in described["specialists"]:
        if "a2a" in s and not s["a2a"]["reachable"]:
            console.print(f"A2A agent {s['name']}: UNREACHABLE — {s['a2a']['error']}")
    return EXIT_OK
