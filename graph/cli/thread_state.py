"""A thread's latest state read from its latest checkpoint alone: `show` builds no graph.

LangGraph's `aget_state` asks the compiled graph which tasks come next. A StateGraph names
each node's trigger in the checkpoint itself (the channel `branch:to:<node>`, `__start__` for
its input) and keeps its pending sends in `__pregel_tasks`, so the same tasks, with the same
ids and the same writes, are read here from the checkpoint and its pending writes. As there,
the state is the latest one: a task that finished in a step the run stopped in adds its writes
(graph/cli/finished_tasks.py). A shape this reading does not cover (several nodes triggered at
once, whose order only the graph knows; input written but not applied; a write only the graph
can merge; an older checkpoint format) gives None: the command asks the graph.
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langgraph._internal._constants import (
    ERROR,
    ERROR_SOURCE_NODE,
    INTERRUPT,
    NULL_TASK_ID,
    PULL,
    PUSH,
    RESUME,
    RETURN,
    TASKS,
)
from langgraph.checkpoint.base import CheckpointTuple
from xxhash import xxh3_128_hexdigest

from graph.cli.finished_tasks import with_finished
from graph.persistence.thread_reader import Reader
from state.users import owner_of

START = "__start__"
BRANCH = "branch:to:"
CONTROL = frozenset((ERROR, ERROR_SOURCE_NODE, INTERRUPT, RESUME))
# The checkpoint format this reading knows (LangGraph migrates older ones on read).
FORMAT = 4


@dataclass(frozen=True)
class Task:
    """A task of the next step, as a StateSnapshot lists it."""

    id: str
    name: str
    error: Any = None
    interrupts: tuple[Any, ...] = ()
    result: Any = None


@dataclass(frozen=True)
class Snapshot:
    """What `show` reads of a StateSnapshot: values, next tasks, interrupts, metadata."""

    values: dict[str, Any]
    next: tuple[str, ...]
    tasks: tuple[Task, ...]
    interrupts: tuple[Any, ...]
    metadata: dict[str, Any] | None
    created_at: str | None


def is_state_key(channel: str) -> bool:
    """Return True for a channel of the graph's state (not a trigger, input or send)."""
    return ":" not in channel and not channel.startswith("__")


def task_id(checkpoint: dict[str, Any], *parts: str) -> str:
    """Return a task's id as LangGraph makes it: a hash of the checkpoint id and the task."""
    namespace = binascii.unhexlify(checkpoint["id"].replace("-", ""))
    digest = xxh3_128_hexdigest(namespace + "".join(parts).encode())
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def next_tasks(checkpoint: dict[str, Any], step: int) -> list[tuple[str, str, str]] | None:
    """Return the next step's tasks as (id, node, path): the sends, then the triggered node.

    The path is LangGraph's, as text: the order in which a step's writes are applied.
    """
    values, versions = checkpoint["channel_values"], checkpoint["channel_versions"]
    if any(":" in c and not c.startswith(BRANCH) for c in versions):
        return None  # a waiting edge (join) or a channel kind this reading does not know
    tasks: list[tuple[str, str, str]] = []
    for index, packet in enumerate(values.get(TASKS) or []):
        node = getattr(packet, "node", None)
        if not isinstance(node, str):
            return None
        path = f"~{PUSH}, {index:010d}, {0:010d}"
        tasks.append((task_id(checkpoint, node, str(step), node, PUSH, str(index)), node, path))
    if not versions:
        return tasks
    # LangGraph's "never seen" version: the empty value of the versions' type.
    null = type(next(iter(versions.values())))()
    pulled = []
    for channel, version in versions.items():
        node = START if channel == START else channel.removeprefix(BRANCH)
        if node == channel and channel != START:
            continue
        seen = checkpoint["versions_seen"].get(node)
        if channel in values and (seen is None or version > seen.get(channel, null)):
            tid = task_id(checkpoint, node, str(step), node, PULL, channel)
            pulled.append((tid, node, f"~{PULL}, {node}"))
    # Two nodes at once run in the graph's order of nodes, which only the graph knows.
    return tasks + pulled if len(pulled) <= 1 else None


def task_statuses(writes: Sequence[tuple[str, str, Any]]) -> dict[str, dict[str, Any]]:
    """Return each task's output writes, interrupts and error, as LangGraph reads them."""
    statuses: dict[str, dict[str, Any]] = {}
    for task, channel, value in writes:
        if task == NULL_TASK_ID:
            continue
        status = statuses.setdefault(task, {"output": [], "interrupts": [], "error": None})
        if channel == INTERRUPT:
            status["interrupts"].extend(value if isinstance(value, Sequence) else [value])
        elif channel == ERROR:
            status["error"] = value if status["error"] is None else status["error"]
        elif channel not in CONTROL:
            status["output"].append((channel, value))
    return statuses


def task_result(output: list[tuple[str, Any]]) -> Any:
    """Return a finished task's result: its return value, else its state writes."""
    for channel, value in output:
        if channel == RETURN:
            return value
    result: dict[str, Any] = {}
    for channel, value in output:
        if not is_state_key(channel):
            continue
        earlier = result.get(channel)
        if earlier is None:
            result[channel] = value
        else:
            many = isinstance(earlier, dict) and isinstance(earlier.get("$writes"), list)
            result[channel] = {"$writes": [*(earlier["$writes"] if many else [earlier]), value]}
    return result


def snapshot_of(saved: CheckpointTuple) -> Snapshot | None:
    """Return the state `aget_state` would give for this checkpoint, or None (ask the graph)."""
    checkpoint: dict[str, Any] = dict(saved.checkpoint)
    writes = saved.pending_writes or []
    if checkpoint.get("v") != FORMAT:
        return None
    if any(task == NULL_TASK_ID and is_state_key(channel) for task, channel, _ in writes):
        return None  # input written to the state but not applied yet: the graph applies it
    metadata: dict[str, Any] = dict(saved.metadata or {})
    planned = next_tasks(checkpoint, metadata.get("step", -1) + 1)
    if planned is None:
        return None
    statuses = task_statuses(writes)
    tasks, due, finished = [], [], []
    for tid, name, path in planned:
        status = statuses.get(tid, {"output": [], "interrupts": [], "error": None})
        if status["output"]:
            # Finished in the step the run stopped in: its writes are in the latest state.
            finished.append((path, status["output"]))
            tasks.append(Task(tid, name, status["error"], (), task_result(status["output"])))
        else:
            tasks.append(Task(tid, name, status["error"], tuple(status["interrupts"])))
            due.append(tasks[-1])
    stored = {k: v for k, v in checkpoint["channel_values"].items() if is_state_key(k)}
    values = with_finished(stored, finished, is_state_key) if finished else stored
    if values is None:
        return None
    return Snapshot(
        values=values,
        next=tuple(task.name for task in due),
        tasks=tuple(tasks),
        interrupts=tuple(i for task in due for i in task.interrupts),
        metadata=metadata,
        created_at=checkpoint["ts"],
    )


async def read_latest(reader: Reader, thread: str, user: str) -> Snapshot | None:
    """Return the user's thread's latest state; None where only the graph can read it.

    A thread that is not there, or is another user's, is refused as `show` refuses it.
    """
    from graph.cli.failures import UsageError

    saved = await reader.latest(thread)
    if saved is None or owner_of(saved.metadata) != user:
        raise UsageError(f"unknown thread '{thread}' (see: orchestra threads)")
    return snapshot_of(saved)
