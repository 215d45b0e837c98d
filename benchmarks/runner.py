"""Run one task on one architecture: invoke, recover from stops, and measure what happened."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from langchain_core.messages import HumanMessage

from benchmarks.architectures import ORCHESTRA, SUPERVISOR, Built
from benchmarks.recorder import CallRecorder
from graph.persistence.sqlite_loop import LoopSqliteSaver
from graph.testing.policy import Policy
from graph.testing.policy_model import PolicyModel
from graph.testing.tasks import Task
from state.settings import Settings
from state.usage import spent
from tools.workspace import Workspace

MAX_ATTEMPTS = 5
Recovery = Literal["resume", "restart"]


@dataclass
class TaskRun:
    """What one task cost on one architecture, and whether it answered."""

    task: str
    kind: str
    arch: str
    recovery: str
    answer: str
    answered: bool
    stops: int
    wall_s: float
    busy_s: float
    framework_s: float
    delegations: int
    routed: list[str]
    repeats: int
    failed_calls: int
    calls: list[dict[str, Any]] = field(default_factory=list)
    checkpoint_bytes: int | None = None
    critical_path_s: float | None = None
    usage: dict[str, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the run as plain data for results.json."""
        return asdict(self)


def union_length(spans: Sequence[tuple[float, float]]) -> float:
    """Return the total time covered by possibly overlapping intervals."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def expected_answers(task: Task) -> list[str]:
    """Return the strings a correct answer contains: fixed phrases and the ground-truth row."""
    wanted = list(task.expect)
    if task.expect_sql:
        db = Workspace(Settings()).sample.db_path
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            row = con.execute(task.expect_sql).fetchone()
        wanted += [str(v) for v in row or ()]
    return wanted


def answered(answer: str, wanted: Sequence[str]) -> bool:
    """Return True when the answer holds every expected string (thousands separators aside)."""
    text = answer.lower().replace(",", "")
    return bool(answer.strip()) and all(w.lower().replace(",", "") in text for w in wanted)


async def checkpoint_bytes(saver: Any, threads: Sequence[str]) -> int | None:
    """Return the bytes a SQLite checkpointer holds for these threads (checkpoints and writes)."""
    if not isinstance(saver, LoopSqliteSaver):
        return None
    marks = ",".join("?" * len(threads))
    total = 0
    for query in (
        "SELECT SUM(LENGTH(checkpoint) + LENGTH(metadata)) FROM checkpoints "
        f"WHERE thread_id IN ({marks})",
        f"SELECT SUM(LENGTH(value)) FROM writes WHERE thread_id IN ({marks})",
        f"SELECT SUM(LENGTH(blob)) FROM checkpoint_blobs WHERE thread_id IN ({marks})",
    ):
        rows = await saver.aquery(query, list(threads))
        total += int(rows[0][0] or 0) if rows else 0
    return total


async def run_task(
    built: Built,
    model: Any,
    task: Task,
    *,
    saver: Any,
    recovery: Recovery = "resume",
    owners: dict[str, str] | None = None,
) -> TaskRun:
    """Run a task to its answer, resuming or restarting after each stop, and measure it."""
    if isinstance(model, PolicyModel):
        model.use(Policy(task))
    threads = [f"{built.name}-{task.name}-{uuid.uuid4().hex[:8]}"]
    recorder = CallRecorder()
    payload: Any = {"messages": [HumanMessage(task.question)]}
    kwargs = dict(built.invoke_kwargs)
    if isinstance(saver, LoopSqliteSaver):
        kwargs["durability"] = "sync"
    stops, answer = 0, ""
    started = time.perf_counter()
    for _ in range(MAX_ATTEMPTS):
        config = {
            "configurable": {"thread_id": threads[-1]},
            "callbacks": [recorder],
            "recursion_limit": 200,
        }
        try:
            out = await built.graph.ainvoke(payload, config, **kwargs)
        except Exception:  # a stopped run: resume it, or start over as a naive caller would
            stops += 1
            if recovery == "resume":
                payload = None
            else:
                threads.append(f"{threads[0]}-retry{stops}")
            continue
        answer = out["messages"][-1].text if out.get("messages") else ""
        break
    wall = time.perf_counter() - started
    tools = [t for t in recorder.tools if not t.name.startswith("transfer_")]
    spans = [(c.start, c.end) for c in recorder.models] + [(t.start, t.end) for t in tools]
    busy = union_length(spans)
    values: dict[str, Any] = {}
    if built.name == ORCHESTRA:
        state = await built.graph.aget_state({"configurable": {"thread_id": threads[-1]}})
        values = state.values
    delegations, routed = _delegations(built, recorder, values, owners or {})
    return TaskRun(
        task=task.name,
        kind=task.kind,
        arch=built.name,
        recovery=recovery,
        answer=answer,
        answered=answered(answer, expected_answers(task)),
        stops=stops,
        wall_s=wall,
        busy_s=busy,
        framework_s=max(0.0, wall - busy),
        delegations=delegations,
        routed=routed,
        repeats=recorder.repeated(),
        failed_calls=sum(not c.ok for c in recorder.models),
        calls=[
            {
                "kind": c.kind,
                "role": c.role,
                "tools": c.tools,
                "input_tokens": c.input_tokens,
                "ok": c.ok,
            }
            for c in recorder.models
        ],
        checkpoint_bytes=await checkpoint_bytes(saver, threads),
        critical_path_s=_critical_path(task, recorder) if built.name == ORCHESTRA else None,
        # Orchestra's own account of the run, summed where the CLI and `show` sum it.
        usage=spent(values).model_dump() if built.name == ORCHESTRA else None,
    )


def _delegations(
    built: Built, recorder: CallRecorder, values: dict[str, Any], owners: dict[str, str]
) -> tuple[int, list[str]]:
    """Return how many hand-offs to specialists the run made, and to whom."""
    if built.name == ORCHESTRA:
        ledger = values.get("ledger", {})
        return sum(int(r.get("attempts", 0)) for r in ledger.values()), sorted(
            {r["specialist"] for r in ledger.values()}
        )
    if built.name == SUPERVISOR:
        names = [
            t.name.removeprefix("transfer_to_")
            for t in recorder.tools
            if t.name.startswith("transfer_to_")
        ]
        return len(names), sorted(set(names))
    return 0, sorted({owners[t.name] for t in recorder.tools if t.name in owners})


def _critical_path(task: Task, recorder: CallRecorder) -> float:
    """Return the run's inherent time: planner, the heaviest chain of steps, and finalizer."""
    step_of = {c.group: c.step for c in recorder.models if c.step}
    spans: dict[str, list[tuple[float, float]]] = {}
    for c in recorder.models:
        spans.setdefault(step_of.get(c.group, c.kind), []).append((c.start, c.end))
    for t in recorder.tools:
        spans.setdefault(step_of.get(t.group, "?"), []).append((t.start, t.end))
    busy = {key: union_length(v) for key, v in spans.items()}
    return busy.get("planner", 0.0) + task.critical_chain(busy) + busy.get("finalizer", 0.0)
