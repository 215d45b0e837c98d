"""A team's A2A agents: their cards fetched at team load (a2a-sdk imported only then)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from state.a2a_task import A2AAgent
from state.team_file import SpecialistEntry, TeamFileError
from tools.a2a_agents import A2AAgentError, card_record, fetch_card


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
        agents[entry.name] = A2AAgent(str(entry.a2a), card_record(card), entry.a2a_key_env or "")
    return agents
