"""Driving a served Orchestra over A2A with a2a-sdk's own client (any server, any user)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from a2a.client import Client, ClientConfig, create_client
from a2a.helpers import get_message_text, new_data_part
from a2a.types import GetTaskRequest, Message, Part, Role, SendMessageRequest, StreamResponse, Task

from tests.integration_tests.users import KEYS

RUN_S = 60
WITH_REPORT = "How many orders are there? Write a report."
APPROVE = {"decisions": [{"type": "approve"}]}


def headers(user: str = "alice") -> dict[str, str]:
    """Return how `user` presents their key."""
    return {"X-Api-Key": KEYS[user]}


@asynccontextmanager
async def a2a(
    url: str, user: str = "alice", assistant: str = "orchestrator", **config: Any
) -> AsyncIterator[Client]:
    """Yield a2a-sdk's client of a served assistant, as `user`, its card resolved first."""
    async with httpx.AsyncClient(headers=headers(user), timeout=RUN_S) as http:
        options = ClientConfig(httpx_client=http, **config)
        client = await create_client(f"{url}/a2a/{assistant}", options)
        try:
            yield client
        finally:
            await client.close()


def said(text: str = "", data: Any = None, task: Task | None = None) -> SendMessageRequest:
    """Return a message: text, a data part, to a task (or a new one)."""
    message = Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()))
    if text:
        message.parts.append(Part(text=text))
    if data is not None:
        message.parts.append(new_data_part(data))
    if task is not None:
        message.task_id, message.context_id = task.id, task.context_id
    return SendMessageRequest(message=message)


async def streamed(client: Client, request: SendMessageRequest) -> tuple[Task, list[str]]:
    """Send a message, streaming; return the task as it ends and the progress it told."""
    progress: list[str] = []
    task_id = ""
    async for event in client.send_message(request):
        if event.HasField("status_update"):
            text = get_message_text(event.status_update.status.message)
            progress += [text] if text else []
        task_id = task_id or task_id_of(event)
    return await client.get_task(GetTaskRequest(id=task_id)), progress


def task_id_of(event: StreamResponse) -> str:
    """Return the id of the task a streamed event is about."""
    if event.HasField("task"):
        return str(event.task.id)
    for field in ("status_update", "artifact_update"):
        if event.HasField(field):
            return str(getattr(event, field).task_id)
    return ""
