"""Agents served over the Agent2Agent protocol (A2A): their cards, and a client for one call.

Built on `a2a-sdk`: the card is resolved as its `A2ACardResolver` does, and each call goes
through the client its `ClientFactory` makes from the card (JSON-RPC, A2A 1.0 or 0.3).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
from a2a.client import A2ACardResolver, Client, ClientConfig, ClientFactory
from a2a.types import AgentCard
from google.protobuf.json_format import MessageToDict, ParseDict

CARD_PATH = "/.well-known/agent-card.json"
CARD_TIMEOUT_S = 10.0


class A2AAgentError(RuntimeError):
    """An agent whose card cannot be fetched or used: the message says which and why."""


def card_location(url: str) -> tuple[str, str]:
    """Return (base URL, card path) for an entry's URL: a card's own URL, or an agent's base."""
    parts = urlsplit(url)
    if parts.path.endswith(".json") or parts.query:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return f"{parts.scheme}://{parts.netloc}", path
    return url.rstrip("/"), CARD_PATH


async def fetch_card(url: str, timeout: float = CARD_TIMEOUT_S) -> AgentCard:
    """Return the agent card at `url`; an unreachable agent or a bad card is an A2AAgentError."""
    base, path = card_location(url)
    async with httpx.AsyncClient(timeout=timeout) as http:
        try:
            card = await A2ACardResolver(http, base, path).get_agent_card()
        except Exception as exc:  # the resolver's own error says what failed
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise A2AAgentError(f"no agent card at {base}{path}: {first}") from None
    if not card.supported_interfaces:
        raise A2AAgentError(f"the agent card at {base}{path} names no interface to call")
    return card


def skills_text(card: AgentCard) -> str:
    """Return what the planner reads of an agent: its description and each skill's."""
    said = " ".join(card.description.split())
    skills = "; ".join(
        f"{s.name or s.id}: {' '.join(s.description.split())}".rstrip(": .") for s in card.skills
    )
    return f"{said} Skills: {skills}." if skills else said


def card_record(card: AgentCard) -> dict[str, Any]:
    """Return the card as JSON data (what a spec keeps and `orchestra team` prints)."""
    return MessageToDict(card)


def card_of(record: Mapping[str, Any]) -> AgentCard:
    """Return the card a JSON record holds."""
    return ParseDict(dict(record), AgentCard(), ignore_unknown_fields=True)


@asynccontextmanager
async def agent_client(
    card: AgentCard, headers: Mapping[str, str], timeout: float, *, streaming: bool = False
) -> AsyncIterator[Client]:
    """Yield a client for the agent the card describes, sending `headers` on every request.

    Without streaming, a message is sent with `return_immediately`: the answer is the task
    as it starts (or the agent's one message), so the caller can keep its id before waiting.
    """
    async with httpx.AsyncClient(headers=dict(headers), timeout=timeout) as http:
        config = ClientConfig(streaming=streaming, polling=not streaming, httpx_client=http)
        client = ClientFactory(config).create(card)
        try:
            yield client
        finally:
            await client.close()
