"""A team's A2A agents: their cards fetched at team load, each a specialist of the menu."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from nodes.specialists.spec import SpecialistSpec
from state.a2a_task import A2AAgent
from state.team_file import SpecialistEntry, TeamFileError
from tools.a2a_agents import A2AAgentError, card_of, card_record, fetch_card, skills_text


async def fetch_agents(source: Path, entries: Sequence[SpecialistEntry]) -> dict[str, A2AAgent]:
    """Return each A2A entry's agent with its card; one that fails is a TeamFileError naming it."""
    chosen = [e for e in entries if e.a2a is not None]
    found = await asyncio.gather(*(fetch_card(str(e.a2a)) for e in chosen), return_exceptions=True)
    agents: dict[str, A2AAgent] = {}
    for entry, card in zip(chosen, found, strict=True):
        if isinstance(card, A2AAgentError):
            raise TeamFileError(f"{source}: specialist '{entry.name}': {card}")
        if isinstance(card, BaseException):
            raise card
        agents[entry.name] = A2AAgent(str(entry.a2a), card_record(card))
    return agents


def a2a_spec(entry: SpecialistEntry, agent: A2AAgent) -> SpecialistSpec:
    """Return an A2A agent's spec: the entry's description, else its card's skills."""
    description = " ".join(entry.description.split()) or skills_text(card_of(agent.card))
    return SpecialistSpec(entry.name, description, "", [], a2a=agent, always_on=entry.always_on)
