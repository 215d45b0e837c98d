"""An A2A agent written with a2a-sdk alone (nothing of Orchestra's): a catalog clerk.

It answers by what the message says: a SKU question is looked up (a status update, then an
artifact); a returns question asks which region first (input-required), then answers; a
question with "hold" waits until the test releases it. Every JSON-RPC request is logged with
its method, task id and trace header, so tests synchronise on what the agent was asked.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from pathlib import Path
from typing import Any

import uvicorn
from a2a.helpers import new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    Part,
    TaskState,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

REGION_QUESTION = "Which region do you mean?"


class CatalogClerk(AgentExecutor):
    """Looks products up; asks which region before answering about returns."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Answer the message: a new task, or the answer to the question the task asked."""
        text = context.get_user_input()
        task = context.current_task
        if task is None:
            task = new_task_from_user_message(context.message)
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        if task.status.state == TaskState.TASK_STATE_INPUT_REQUIRED:
            region = text.strip() or "every region"
            await updater.add_artifact([Part(text=f"Returns in {region}: 2.3% of orders.")])
            await updater.complete()
            return
        if "return" in text.lower():
            question = updater.new_agent_message([Part(text=REGION_QUESTION)])
            await updater.requires_input(question)
            return
        await updater.start_work(updater.new_agent_message([Part(text="Looking up SKU-1")]))
        if "hold" in text.lower():
            await asyncio.to_thread(self.release.wait, 60)
        await updater.add_artifact(
            [Part(text="SKU-1 is a blue widget; 12 in stock.")], name="lookup"
        )
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Cancel the task."""
        task = context.current_task
        if task is not None:
            await TaskUpdater(event_queue, task.id, task.context_id).cancel()


def card(url: str) -> AgentCard:
    """Return the clerk's card."""
    skill = AgentSkill(
        id="lookup_sku",
        name="lookup_sku",
        description="Looks a product up by SKU and says how many are in stock.",
        tags=["catalog"],
    )
    return AgentCard(
        name="catalog-clerk",
        description="A catalog clerk agent.",
        version="1.0",
        supported_interfaces=[
            AgentInterface(url=url, protocol_binding="JSONRPC", protocol_version="1.0")
        ],
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[skill],
    )


class A2AAgentServer:
    """The clerk on a loopback port the OS picks, in a thread of this process."""

    def __init__(self, log_path: Path | None = None) -> None:
        self.release = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self.log_path = log_path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def app(self) -> Starlette:
        """Return the clerk's routes: the SDK's JSON-RPC and card routes, logged."""
        handler = DefaultRequestHandler(
            agent_executor=CatalogClerk(self.release),
            task_store=InMemoryTaskStore(),
            agent_card=card(self.url),
        )
        rpc = create_jsonrpc_routes(handler, "/", enable_v0_3_compat=True)[0]

        async def logged(request: Request) -> Response:
            body = json.loads(await request.body() or b"{}")
            params = body.get("params") or {}
            self._log(
                {
                    "method": body.get("method"),
                    "task_id": params.get("id") or (params.get("message") or {}).get("taskId"),
                    "text": _texts(params.get("message") or {}),
                    "traceparent": request.headers.get("traceparent"),
                }
            )
            return await rpc.endpoint(request)

        async def bad_card(request: Request) -> Response:
            return PlainTextResponse("{not a card", media_type="application/json")

        routes = [
            Route("/", logged, methods=["POST"]),
            *create_agent_card_routes(card(self.url)),
            Route("/broken/.well-known/agent-card.json", bad_card),
        ]
        return Starlette(routes=routes)

    def _log(self, record: dict[str, Any]) -> None:
        self.requests.append(record)
        if self.log_path is not None:
            with self.log_path.open("a") as out:
                out.write(json.dumps(record) + "\n")

    def methods(self) -> list[str]:
        """Return the JSON-RPC methods asked so far, in order."""
        return [str(r["method"]) for r in self.requests]

    def __enter__(self) -> A2AAgentServer:
        config = uvicorn.Config(self.app(), port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            threading.Event().wait(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=10)


def _texts(message: dict[str, Any]) -> str:
    return " ".join(str(p["text"]) for p in message.get("parts", []) if "text" in p)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    """Serve the clerk until killed: print its URL, log requests to the file given."""
    import sys

    server = A2AAgentServer(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    config = uvicorn.Config(server.app(), port=server.port, log_level="warning", lifespan="off")
    print(server.url, flush=True)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
