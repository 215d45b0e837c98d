"""a2a-sdk's request handler, with cancel stopping the task's run through the server's API."""

from __future__ import annotations

from a2a.server.context import ServerCallContext
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.types import CancelTaskRequest, Task, TaskState

from graph.served_a2a.caller import Caller, context_of_task, thread_of
from graph.served_a2a.executor import RUN_ID, GraphExecutor
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
        run_id = task.metadata[RUN_ID] if task is not None and RUN_ID in task.metadata else ""
        if task is not None and task.status.state not in STOPPED and run_id:
            self.executor.cancelling.add(task.id)
            async with Caller.of(context).client() as client:
                thread = thread_of(context_of_task(task.id))
                await client.runs.cancel(thread, str(run_id), wait=True)
        return await super().on_cancel_task(params, context)
