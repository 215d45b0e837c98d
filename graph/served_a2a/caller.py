"""Who asks and where: the caller's credentials, the server's own URL, the assistant asked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from a2a.server.agent_execution import RequestContext, SimpleRequestContextBuilder
from a2a.server.context import ServerCallContext
from a2a.server.id_generator import IDGenerator, IDGeneratorContext
from a2a.server.routes import DefaultServerCallContextBuilder
from a2a.types import SendMessageRequest, Task
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from starlette.requests import Request

# What is passed on to the server's own API: who the caller is, and the trace it is part of.
FORWARDED = ("authorization", "x-api-key", "langsmith-trace", "baggage", "traceparent")
CALLER = "orchestra_caller"


@dataclass(frozen=True)
class Caller:
    """One A2A request's caller: the assistant it asks, its credentials, the server's URL."""

    assistant: str
    headers: dict[str, str]
    base_url: str

    @classmethod
    def of(cls, context: ServerCallContext) -> Caller:
        """Return the caller a request's context holds."""
        return context.state[CALLER]

    def client(self) -> LangGraphClient:
        """Return a client of the server's own API that speaks as the caller."""
        # The SDK takes an API key only as `api_key`: it refuses x-api-key among the headers.
        rest = {k: v for k, v in self.headers.items() if k.lower() != "x-api-key"}
        key = next((v for k, v in self.headers.items() if k.lower() == "x-api-key"), None)
        return get_client(url=self.base_url, api_key=key, headers=rest)


class CallerContextBuilder(DefaultServerCallContextBuilder):
    """Build the SDK's call context with the caller in its state."""

    def build(self, request: Request) -> ServerCallContext:
        """Return the call context of a request to `/a2a/{assistant_id}`."""
        context = super().build(request)
        assistant = str(request.path_params.get("assistant_id", ""))
        context.state[CALLER] = self.caller_of(request, assistant)
        return context

    @staticmethod
    def caller_of(request: Request, assistant: str) -> Caller:
        """Return the caller of a request: its credentials and trace headers, the server's URL."""
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED}
        return Caller(assistant, headers, str(request.base_url).rstrip("/"))


def thread_of(context_id: str) -> str:
    """Return the thread of an A2A context: itself when a UUID, else one derived from it."""
    try:
        return str(uuid.UUID(context_id))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"a2a-context:{context_id}"))


def context_of_task(task_id: str) -> str:
    """Return the context a task id names (`<context id>:<n>`), or '' for another's id."""
    return task_id.rsplit(":", 1)[0] if ":" in task_id else ""


class TaskIds(IDGenerator):
    """Task ids that name their context, as the Agent Server's do: `<context id>:<uuid>`."""

    def generate(self, context: IDGeneratorContext) -> str:
        """Return a new task id in the context."""
        return f"{context.context_id}:{uuid.uuid4()}"


class ContextFirst(SimpleRequestContextBuilder):
    """Settle a request's context id before its task id, so the task id can name it."""

    def __init__(self) -> None:
        super().__init__(task_id_generator=TaskIds())

    async def build(
        self,
        context: ServerCallContext,
        params: SendMessageRequest | None = None,
        task_id: str | None = None,
        context_id: str | None = None,
        task: Task | None = None,
    ) -> RequestContext:
        """Return the request context, a new context id chosen first when none was sent."""
        if params is not None and not context_id:
            context_id = params.message.context_id or str(uuid.uuid4())
        return await super().build(context, params, task_id, context_id, task)
