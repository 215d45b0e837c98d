"""An A2A agent's step: send the brief as a task, follow it to its end, make it the Report.

Three nodes, each checkpointed in the step's subgraph: `send` keeps the task's id as soon as
the agent accepts it (sent with `return_immediately`), so a step resumed after a crash goes
on at `follow`, which asks the agent for the task (`tasks/get`) instead of sending it again,
then follows its status updates to its end; `conclude` writes the Report. Each request has
its own deadline and retries (nodes/calls.py); the trace goes along as `traceparent`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from a2a.types import GetTaskRequest, SendMessageRequest, SubscribeToTaskRequest, Task
from google.protobuf.json_format import MessageToDict
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime
from langsmith.run_trees import RunTree

from nodes.calls import acall_tool, arun_with_deadline, call_tool, run_with_deadline
from nodes.faces import Body, Call, both_faces
from nodes.faults import exception_line
from nodes.model_access import context_of
from nodes.specialist.a2a_exchange import concluded, outgoing, state_name, texts
from nodes.specialists.spec import SpecialistSpec
from state.a2a_task import FINISHED, WAITING, A2AStepState, TaskRef, last_task
from state.context import Context
from state.reports import Brief
from tools.a2a_agents import agent_client, card_of

POLL_S = (0.05, 1.0)  # first and longest wait between two `tasks/get` when not streaming


def trace_headers(config: RunnableConfig, brief: Brief) -> dict[str, str]:
    """Return the trace context for the agent: W3C `traceparent`, and LangSmith's when traced."""
    tree = RunTree.from_runnable_config(dict(config))
    if tree is not None:
        trace, span = tree.trace_id.hex, tree.id.hex[-16:]
        return {"traceparent": f"00-{trace}-{span}-01", **tree.to_headers()}
    # Untraced: still one trace id per step, so the agent's logs of it can be found.
    trace = uuid.uuid5(uuid.NAMESPACE_URL, f"orchestra:{brief.thread_id}/{brief.step_key}").hex
    return {"traceparent": f"00-{trace}-{trace[:16]}-01"}


def step_deadline(ctx: Context) -> float:
    """Return how long a task may take: as long as a local step could (every model turn)."""
    return ctx.model_timeout_s * (ctx.specialist_iterations + 1)


def both_ways(op: Callable[[], Coroutine[Any, Any, Any]], ctx: Context, what: str) -> Call[Any]:
    """Return one request to the agent with its deadline and retries, in both faces."""
    return Call(
        lambda: call_tool(lambda: asyncio.run(op()), ctx, what),
        lambda: acall_tool(op, ctx, what),
    )


def make_a2a_nodes(spec: SpecialistSpec) -> dict[str, Any]:
    """Return the step's nodes for the agent the spec names: send, follow, conclude."""
    assert spec.a2a is not None
    agent = spec.a2a
    card = card_of(agent.card)
    where = f"A2A agent {spec.name} ({agent.url})"

    def send(state: A2AStepState, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Send the brief (or the user's answer) and keep the task the agent started."""
        ctx, brief = context_of(runtime), Brief(**state["brief"])
        message = outgoing(brief, last_task(brief.transcript))
        headers = {**trace_headers(config, brief), **agent.credentials()}

        async def ask() -> dict[str, Any]:
            async with agent_client(card, headers, ctx.tool_timeout_s) as client:
                async for event in client.send_message(SendMessageRequest(message=message)):
                    if event.HasField("message"):
                        return {"outcome": {"message": MessageToDict(event.message)}}
                    task = event.task
                    ref = TaskRef(task_id=task.id, context_id=task.context_id)
                    return {"task": ref.model_dump()}
            raise RuntimeError("the agent answered nothing")

        try:
            return (yield both_ways(ask, ctx, f"{where}: message/send"))
        except Exception as exc:  # the step fails with the reason; the orchestrator replans
            return {"outcome": {"error": f"message/send failed: {exception_line(exc)}"}}

    def follow(state: A2AStepState, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Follow the task to its end or its question, streaming its status as it goes."""
        if state.get("outcome"):
            return {}
        ctx, brief, ref = context_of(runtime), Brief(**state["brief"]), TaskRef(**state["task"])
        headers = {**trace_headers(config, brief), **agent.credentials()}
        write = get_stream_writer()
        said: list[str] = []

        def heard(text: str, task_state: str) -> None:
            said.append(text)
            event = {"step": brief.step_key, "specialist": spec.name, "state": task_state}
            write({"a2a_status": {**event, "text": text}})

        async def watch() -> Task:
            return await followed(card, headers, ref, ctx.tool_timeout_s, heard)

        seconds = step_deadline(ctx)
        what = f"{where}: task {ref.task_id}"
        try:
            task = yield Call(
                lambda: run_with_deadline(lambda: asyncio.run(watch()), seconds, what),
                lambda: arun_with_deadline(watch(), seconds, what),
            )
        except Exception as exc:
            failed = f"following task {ref.task_id} failed: {exception_line(exc)}"
            return {"outcome": {"error": failed, "task": ref.model_dump()}}
        return {"outcome": {"task": MessageToDict(task)}, "statuses": said}

    def conclude(state: A2AStepState) -> dict[str, Any]:
        """Write the step's Report from what the agent answered."""
        brief = Brief(**state["brief"])
        report = concluded(spec.name, brief, state.get("outcome") or {}, where)
        return {"reports": {brief.step_key: report.model_dump()}}

    return {
        "send": both_faces("send", send),
        "follow": both_faces("follow", follow),
        "conclude": conclude,
    }


async def followed(
    card: Any,
    headers: dict[str, str],
    ref: TaskRef,
    timeout: float,
    heard: Callable[[str, str], None],
) -> Task:
    """Return the task once it ends or asks for input: streamed when the agent streams."""
    async with agent_client(card, headers, timeout, streaming=True) as client:
        task = await client.get_task(GetTaskRequest(id=ref.task_id))
        if state_name(task.status.state) in FINISHED | WAITING:
            return task
        if card.capabilities.streaming:
            try:
                last = ""
                async for event in client.subscribe(SubscribeToTaskRequest(id=ref.task_id)):
                    # The task as it stands first, then each change of its status.
                    if event.HasField("task"):
                        status = event.task.status
                    elif event.HasField("status_update"):
                        status = event.status_update.status
                    else:
                        continue
                    now, text = state_name(status.state), texts(status.message.parts)
                    if text and text != last:
                        heard(text, now)
                        last = text
                    if now in FINISHED | WAITING:
                        break
            except Exception:  # a dropped (or refused) stream: the task is asked for below
                pass
        wait = POLL_S[0]
        while True:
            task = await client.get_task(GetTaskRequest(id=ref.task_id))
            if state_name(task.status.state) in FINISHED | WAITING:
                return task
            await asyncio.sleep(wait)
            wait = min(POLL_S[1], wait * 2)
