"""A turn's steps run side by side inside one node: threads under invoke, tasks under ainvoke.

Each step's subgraph runs under a checkpoint namespace of its own, `<specialist>:<id>`, the id
derived from the node's task and the step, so concurrent subgraphs never share a checkpoint
and a resumed node finds each step's where it was left: a finished one returns its report
without a call, a stopped one goes on from its last finished model or tool call.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ContextThreadPoolExecutor
from langgraph._internal._constants import (
    CONFIG_KEY_CHECKPOINT_NS,
    CONFIG_KEY_SCRATCHPAD,
    CONFIG_KEY_TASK_ID,
    NS_SEP,
)
from langgraph.errors import GraphDrained, GraphInterrupt

from nodes.faces import Body, run_async, run_sync
from nodes.scheduling import Scheduler, Start

StepBody = Callable[[Start], Body]


def step_config(config: RunnableConfig, specialist: str, key: str) -> RunnableConfig:
    """Return the config a step runs under: the node's, with the step's own namespace."""
    configurable = dict(config.get("configurable") or {})
    parts = str(configurable.get(CONFIG_KEY_CHECKPOINT_NS, "")).split(NS_SEP)
    task = str(configurable.get(CONFIG_KEY_TASK_ID, ""))
    # In place of the node's own part, as a step node of its own would have had.
    parts[-1] = f"{specialist}:{uuid.uuid5(uuid.NAMESPACE_URL, f'{task}/{key}')}"
    configurable[CONFIG_KEY_CHECKPOINT_NS] = NS_SEP.join(parts)
    # The node's scratchpad numbers the subgraphs it calls in the order they start, which
    # differs run to run; each step's namespace is already its own.
    configurable.pop(CONFIG_KEY_SCRATCHPAD, None)
    return {**config, "configurable": configurable}


def run_steps(scheduler: Scheduler, body_of: StepBody) -> None:
    """Run the steps as they become ready, each in a thread of its own (sync face)."""
    stops: list[BaseException] = []
    with ContextThreadPoolExecutor(max_workers=max(scheduler.ctx.max_parallel, 1)) as pool:
        running: dict[Future[Any], str] = {}

        def launch() -> None:
            for start in scheduler.ready():
                running[pool.submit(run_sync, body_of(start))] = start.brief.step_key

        launch()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                took(scheduler, running.pop(future), future.result, stops)
            launch()
    raise_stop(stops)


async def arun_steps(scheduler: Scheduler, body_of: StepBody) -> None:
    """Run the steps as they become ready, each an asyncio task (async face)."""
    stops: list[BaseException] = []
    running: dict[asyncio.Task[Any], str] = {}

    def launch() -> None:
        for start in scheduler.ready():
            running[asyncio.create_task(run_async(body_of(start)))] = start.brief.step_key

    launch()
    try:
        while running:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                took(scheduler, running.pop(task), task.result, stops)
            launch()
    except asyncio.CancelledError:
        # Each step files its own stop as it is cancelled; wait until they have.
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        raise
    raise_stop(stops)


def took(
    scheduler: Scheduler, key: str, result: Callable[[], Any], stops: list[BaseException]
) -> None:
    """Take a step's outcome in: its report, or how it stopped (raised once the rest end)."""
    try:
        scheduler.finished(key, result())
    except BaseException as exc:  # a pause, a drain, a cancel or a crash
        scheduler.stopped(key, exc)
        stops.append(exc)


def raise_stop(stops: list[BaseException]) -> None:
    """Raise how the steps stopped: every pause at once, else a drain, else the first error."""
    pauses = [exc for exc in stops if isinstance(exc, GraphInterrupt)]
    if pauses:
        raise GraphInterrupt([i for exc in pauses for i in exc.args[0]])
    for exc in stops:
        if isinstance(exc, GraphDrained):
            raise exc
    if stops:
        raise stops[0]
