"""Agent cards of the served assistants, built from the team file's data."""

from __future__ import annotations

from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill

from graph.served_a2a.turns import CHAT_GRAPHS
from nodes.specialists.team import Team

ORCHESTRATOR = (
    "Orchestra: plans a request, hands each step to a narrow specialist, runs independent "
    "steps in parallel and answers from their reports. Side effects wait for your approval "
    "(input-required, answered with LangChain HITL decisions as a data part)."
)
MODES = ["text/plain", "application/json"]


def skill_of(team: Team, name: str) -> AgentSkill | None:
    """Return a specialist of the team as a skill, or None when the team has no such one."""
    entry = next((e for e in team.entries if e.name == name), None)
    if entry is None:
        return None
    said = " ".join(entry.description.split()) or f"an agent at {entry.a2a}"
    return AgentSkill(id=entry.name, name=entry.name, description=said, tags=[team.where(entry)])


def agent_card(team: Team, graph: str, assistant: str, base_url: str) -> AgentCard:
    """Return the card of an assistant: the orchestrator's skills are its team's specialists."""
    url = f"{base_url}/a2a/{assistant}"
    if graph in CHAT_GRAPHS:
        description = ORCHESTRATOR
        skills = [s for e in team.entries if (s := skill_of(team, e.name))]
    else:
        own = skill_of(team, graph)
        local = [e.name for e in team.entries if e.a2a is None and e.remote is None]
        skills = [own] if own else [s for name in local if (s := skill_of(team, name))]
        description = (
            own.description
            if own
            else "One of the team's specialists, run alone on a brief (the message's text)."
        )
    return AgentCard(
        name=assistant,
        description=description,
        version="1.0",
        supported_interfaces=[
            AgentInterface(url=url, protocol_binding="JSONRPC", protocol_version=version)
            for version in ("1.0", "0.3")
        ],
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=MODES,
        default_output_modes=MODES,
        skills=skills,
    )
