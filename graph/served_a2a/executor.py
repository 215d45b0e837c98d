"""The AgentExecutor: an A2A task as runs of the graph on the task's thread, nothing more.

It only translates: the message becomes a run (`runs.create` on the thread the context is),
the run's progress messages become `working` updates, and its end the task's state: an
interrupt `input-required` (the HITL request as a data part), an answer `completed` with it
as an artifact, a failure `failed`, a cancelled run `canceled`.
"""

from __future__ import annotations

from typing import Any

from a2a.helpers import new_data_part, new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.tasks import TaskUpdater
from a2a.types import Part, TaskState
from langgraph_sdk.client import LangGraphClient

from graph.served_a2a.caller import Caller, thread_of
from graph.served_a2a.turns import (
    NotWaitingError,
    answer_of,
    asked_text,
    interrupts_of,
    progress_in,
    run_payload,
)

# The run metadata naming the A2A task a run is for (a cancel finds its runs by it).
TASK_ID = "a2a_task_id"


class GraphExecutor(AgentExecutor):
    """Run the assistant a request names on the task's thread, through the server's API."""

    def __init__(self, graph_of: Any) -> None:
        # Resolves an assistant id (a graph name or an assistant's UUID) to its graph.
        self.graph_of = graph_of
        # Tasks whose run an A2A cancel is stopping: the cancel says so, not the run's end.
        self.cancelling: set[str] = set()

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Answer one message: start a run, relay its progress, end in the task's state."""
        assert context.message is not None
        caller = Caller.of(context.call_context)
        task = context.current_task
        if task is None:
            task = new_task_from_user_message(context.message)
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        waiting = task.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
        thread = thread_of(task.context_id)
        async with caller.client() as client:
            graph = await self.graph_of(caller, client)
            try:
                payload = run_payload(graph, context.message, waiting, thread)
            except NotWaitingError as exc:
                await updater.failed(updater.new_agent_message([Part(text=str(exc))]))
                return
            await client.threads.create(thread_id=thread, if_exists="do_nothing")
            run = await client.runs.create(
                thread,
                caller.assistant,
                **payload,
                stream_mode=["updates", "custom"],
                # What A2A agents working for it say comes from inside their steps.
                stream_subgraphs=True,
                multitask_strategy="reject",
                metadata={TASK_ID: task.id},
            )
            await updater.start_work()
            error = await self.relay(client, thread, run["run_id"], updater)
            await self.conclude(client, thread, run["run_id"], graph, error, updater)

    async def relay(
        self, client: LangGraphClient, thread: str, run_id: str, updater: TaskUpdater
    ) -> str:
        """Pass the run's progress on as `working` updates; return its error, if any."""
        last = ""
        async for chunk in client.runs.join_stream(thread, run_id):
            if chunk.event == "error":
                data = chunk.data if isinstance(chunk.data, dict) else {}
                return str(data.get("message") or data.get("error") or chunk.data)
            said = progress_in(chunk)
            if said and said != last:
                last = said
                message = updater.new_agent_message([Part(text=said)])
                await updater.update_status(TaskState.TASK_STATE_WORKING, message)
        return ""

    async def conclude(
        self,
        client: LangGraphClient,
        thread: str,
        run_id: str,
        graph: str,
        error: str,
        updater: TaskUpdater,
    ) -> None:
        """Put the task in the state the run ended in."""
        run = await client.runs.get(thread, run_id)
        if run["status"] == "error" or error:
            why = error or "the run failed"
            await updater.failed(updater.new_agent_message([Part(text=why)]))
            return
        state: dict[str, Any] = dict(await client.threads.get_state(thread))
        # An approval first: Aegra ends a run that pauses for one `interrupted`, as a cancel.
        waits = interrupts_of(state)
        if waits:
            parts = [Part(text=asked_text(waits[0])), new_data_part(waits[0])]
            await updater.requires_input(updater.new_agent_message(parts))
            return
        if run["status"] != "success":
            if updater.task_id not in self.cancelling:
                await updater.cancel()
            return
        said = answer_of(graph, state.get("values") or {})
        await updater.add_artifact([Part(text=said)], name="answer")
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Say the task is cancelled (its run was stopped through the server's API)."""
        task = context.current_task
        if task is not None:
            await TaskUpdater(event_queue, task.id, task.context_id).cancel()
            self.cancelling.discard(task.id)
