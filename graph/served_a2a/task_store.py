"""A2A tasks kept in their thread's metadata, read and written through the server's API.

So a task lives as long as its thread, every instance of a deployment sees it, and the
caller's credentials decide who may: another user's task is not found, as their thread is.
"""

from __future__ import annotations

from typing import Any

import httpx
from a2a.server.context import ServerCallContext
from a2a.server.tasks import TaskStore
from a2a.types import ListTasksRequest, ListTasksResponse, Task
from google.protobuf.json_format import MessageToDict, ParseDict

from graph.served_a2a.caller import Caller, context_of_task, thread_of

PREFIX = "a2a_task:"
MISSING = {404, 403, 422}


def key_of(task_id: str) -> str:
    """Return the thread-metadata key a task is kept under."""
    return PREFIX + task_id


class ThreadTaskStore(TaskStore):
    """Tasks in `metadata["a2a_task:<id>"]` of the thread their context is."""

    async def save(self, task: Task, context: ServerCallContext) -> None:
        """Keep the task on its thread (made for the caller when it is new)."""
        caller = Caller.of(context)
        record = {"assistant": caller.assistant, "task": MessageToDict(task)}
        thread, metadata = thread_of(task.context_id), {key_of(task.id): record}
        async with caller.client() as client:
            try:
                await client.threads.update(thread, metadata=metadata)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code != 404:
                    raise
                # A new context: its thread made for the caller (or by the run, just before).
                await client.threads.create(thread_id=thread, if_exists="do_nothing")
                await client.threads.update(thread, metadata=metadata)

    async def get(self, task_id: str, context: ServerCallContext) -> Task | None:
        """Return the task, or None when it is not one of this assistant's the caller may see."""
        found = await self.record(task_id, context)
        if found is None:
            return None
        return ParseDict(found["task"], Task(), ignore_unknown_fields=True)

    async def record(self, task_id: str, context: ServerCallContext) -> dict[str, Any] | None:
        """Return the task's record (its assistant and the task as JSON), if the caller may."""
        caller, owner = Caller.of(context), context_of_task(task_id)
        if not owner:
            return None
        async with caller.client() as client:
            try:
                thread = await client.threads.get(thread_of(owner))
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code in MISSING:
                    return None
                raise
        found = (thread.get("metadata") or {}).get(key_of(task_id))
        if not isinstance(found, dict) or found.get("assistant") != caller.assistant:
            return None
        return found

    async def list(self, params: ListTasksRequest, context: ServerCallContext) -> ListTasksResponse:
        """Return no listing: tasks are found by id (A2A's `tasks/list` is optional)."""
        return ListTasksResponse()

    async def delete(self, task_id: str, context: ServerCallContext) -> None:
        """Forget a task (its thread and runs stay)."""
        caller, owner = Caller.of(context), context_of_task(task_id)
        if owner:
            async with caller.client() as client:
                await client.threads.update(thread_of(owner), metadata={key_of(task_id): None})
