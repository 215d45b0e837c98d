"""The custom app langgraph.json serves (`http.app`): A2A for every assistant.

`POST /a2a/{assistant_id}` is a2a-sdk's JSON-RPC route (A2A 1.0, and 0.3's `message/send`,
`message/stream`, `tasks/get`, `tasks/cancel`); the card is at
`GET /.well-known/agent-card.json?assistant_id=...` and `/a2a/{assistant_id}/.well-known/...`,
served by the SDK's card route. An assistant is a graph's name or an assistant's id.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from fastapi import FastAPI
from langgraph_sdk.client import LangGraphClient
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph.served_a2a.caller import Caller, CallerContextBuilder, ContextFirst
from graph.served_a2a.cards import agent_card
from graph.served_a2a.executor import GraphExecutor
from graph.served_a2a.handler import GraphRequestHandler
from nodes.specialists.team import Team, load_team
from state.settings import Settings


def served_graphs() -> list[str]:
    """Return the graphs the server serves: the Agent Server's list, else its config file's."""
    listed = os.environ.get("LANGSERVE_GRAPHS")
    if listed:
        return list(json.loads(listed))
    config = Path(os.environ.get("AEGRA_CONFIG") or "langgraph.json")
    return list(json.loads(config.read_text()).get("graphs", {})) if config.exists() else []


class Assistants:
    """The served assistants: which graph an assistant id names, and the team behind them."""

    def __init__(self, team: Team, graphs: list[str]) -> None:
        self.team, self.graphs = team, graphs

    async def graph_of(self, caller: Caller, client: LangGraphClient) -> str:
        """Return the graph an assistant runs: a graph's own name, or the assistant's graph."""
        if caller.assistant in self.graphs:
            return caller.assistant
        return str((await client.assistants.get(caller.assistant))["graph_id"])

    async def card(self, request: Request) -> Response:
        """Serve an assistant's card with the SDK's card route."""
        assistant = request.path_params.get("assistant_id") or request.query_params.get(
            "assistant_id", ""
        )
        if not assistant:
            return JSONResponse({"error": "add ?assistant_id=<graph or assistant id>"}, 400)
        base = str(request.base_url).rstrip("/")
        caller = CallerContextBuilder.caller_of(request, assistant)
        try:
            async with caller.client() as client:
                graph = await self.graph_of(caller, client)
        except Exception:  # an unknown assistant, or one the caller may not see
            return JSONResponse({"error": f"no assistant '{assistant}'"}, 404)
        card = agent_card(self.team, graph, assistant, base)
        return await create_agent_card_routes(card)[0].endpoint(request)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the app: the JSON-RPC route and the card routes of every assistant."""
    assistants = Assistants(load_team((settings or Settings()).team), served_graphs())
    executor = GraphExecutor(assistants.graph_of)
    handler = GraphRequestHandler(
        executor,
        agent_card=agent_card(assistants.team, "orchestrator", "orchestrator", ""),
        request_context_builder=ContextFirst(),
    )
    rpc = create_jsonrpc_routes(
        handler, "/a2a/{assistant_id}", CallerContextBuilder(), enable_v0_3_compat=True
    )
    cards = [
        Route("/.well-known/agent-card.json", assistants.card, methods=["GET"]),
        Route("/a2a/{assistant_id}/.well-known/agent-card.json", assistants.card, methods=["GET"]),
    ]
    return FastAPI(routes=[*rpc, *cards], openapi_url=None, docs_url=None, redoc_url=None)


app = create_app()
