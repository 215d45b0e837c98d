"""a2a-sdk's request handler, with cancel stopping the task's run through the server's API."""

from __future__ import annotations

from a2a.server.context import ServerCallContext
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.types import CancelTaskRequest, Task, TaskState
from a2a.utils.errors import TaskNotCancelableError

from graph.served_a2a.caller import Caller, context_of_task, thread_of
from graph.served_a2a.executor import TASK_ID, GraphExecutor
from graph.served_a2a.task_store import ThreadTaskStore

STOPPED = {
    TaskState.TASK_STATE_COMPLETED,
    TaskState.TASK_STATE_FAILED,
    TaskState.TASK_STATE_CANCELED,
    TaskState.TASK_STATE_REJECTED,
}


class GraphRequestHandler(DefaultRequestHandler):
    """The SDK's handler over the graph executor and the thread-kept tasks."""

    def __init__(self, executor: GraphExecutor, **kwargs: object) -> None:
        self.tasks = ThreadTaskStore()
        super().__init__(agent_executor=executor, task_store=self.tasks, **kwargs)  # type: ignore[arg-type]
        self.executor = executor

    async def on_cancel_task(
        self, params: CancelTaskRequest, context: ServerCallContext
    ) -> Task | None:
        """Stop the task's run as Orchestra's cancel does (`runs.cancel`), then cancel the task."""
        task = await self.tasks.get(params.id, context)
        if task is not None and task.status.state not in STOPPED:
            self.executor.cancelling.add(task.id)
            thread = thread_of(context_of_task(task.id))
            async with Caller.of(context).client() as client:
                # The task's run still going on its thread (one at a time: a second is refused);
                # a server that keeps run metadata (not Aegra) names the task it is for.
                for run in await client.runs.list(thread, limit=20):
                    mine = (run.get("metadata") or {}).get(TASK_ID, task.id) == task.id
                    if mine and run["status"] in ("pending", "running"):
                        await client.runs.cancel(thread, run["run_id"], wait=True)
        try:
            return await super().on_cancel_task(params, context)
        except TaskNotCancelableError:
            # The instance that ran it may have said so first, as its run stopped.
            now = await self.tasks.get(params.id, context)
            if now is None or now.status.state != TaskState.TASK_STATE_CANCELED:
                raise
            return now
