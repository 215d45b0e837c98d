"""A step whose run stops under it: what it had done is kept, and its ledger told on resume.

A cancelled run (Ctrl-C, SIGTERM, the server's `runs.cancel`) or a drained one
(`RunControl.request_drain`) ends a step between or during its calls. Its subgraph's
checkpoint keeps every finished call, so a resume goes on from there; this module files a
stop record in the thread's Archive — when, why, and the step's partial report (its usage,
counted once: by the views while the step is stopped, by its report once it finishes) — and
hands the stop to the ledger when the step runs again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.runnables.config import merge_configs

from nodes.specialist.report import make_report
from nodes.specialists.spec import SpecialistSpec
from state.archive import Archive
from state.reports import Brief
from state.stops import CANCELLED, stop

Stopped = Literal["cancelled", "drained"]
_reason: str | None = None


def stopping(reason: str) -> None:
    """Say why this process is cancelling its run (a front end's signal handler calls it)."""
    global _reason
    _reason = reason


def cancel_reason() -> str:
    """Return why the run was cancelled, as far as this process knows."""
    return _reason or CANCELLED


def is_resuming(config: RunnableConfig) -> bool:
    """Return True when the node runs in a run that continues a thread's checkpoint."""
    return bool((config.get("configurable") or {}).get("__pregel_resuming"))


def stop_item(
    spec: SpecialistSpec,
    brief: Brief,
    values: dict[str, Any],
    status: Stopped,
    why: str,
    earlier: dict[str, Any] | None,
    task: str,
) -> dict[str, Any]:
    """Return a step's stop record: its stops so far, its partial report, its task's id."""
    started = values.get("started_at") or time.time()
    partial = make_report(spec, brief, values, started, 0, status, error=why)[brief.step_key]
    partial.pop("transcript", None)
    stops = [*(earlier or {}).get("stops", []), stop(status, why)]
    return {
        "stops": stops,
        "report": partial,
        "attempt": brief.attempt,
        "task": task,
        "time": time.time(),
    }


def task_of(config: RunnableConfig) -> str:
    """Return the id of the orchestrator's task the step runs in (its dispatch node's)."""
    return str((config.get("configurable") or {}).get("__pregel_task_id", ""))


def traced_stop(status: str, why: str, config: RunnableConfig) -> None:
    """Record the stop as a child run of the step's run (`cancelled`/`drained`), when traced."""
    if not config.get("callbacks"):
        return
    child = merge_configs(
        config, {"run_name": status, "tags": ["conversation_control"], "metadata": {"why": why}}
    )
    RunnableLambda(stopped_run).invoke({status: True, "why": why}, child)


def stopped_run(stop: dict[str, Any]) -> dict[str, Any]:
    """Return what a stop's run records as its output."""
    return stop


@dataclass
class StepStop:
    """A step whose run may stop under it: where it files the stop, in both faces."""

    spec: SpecialistSpec
    brief: Brief
    subgraph: Runnable[Any, Any]
    inner: RunnableConfig
    archive: Archive

    def filed(
        self, values: Any, earlier: dict[str, Any] | None, status: Stopped, why: str
    ) -> dict[str, Any]:
        """Return the stop record to file (and trace the stop)."""
        traced_stop(status, why, self.inner)
        task = task_of(self.inner)
        return stop_item(self.spec, self.brief, dict(values or {}), status, why, earlier, task)

    def record(self, status: Stopped, why: str) -> None:
        """File the stop and what the step had done when its run stopped (sync face)."""
        key, graph = self.brief.step_key, self.subgraph
        values = graph.get_state(self.inner).values  # type: ignore[attr-defined]
        self.archive.put_stop(key, self.filed(values, self.archive.stop(key), status, why))

    async def arecord(self, status: Stopped, why: str) -> None:
        """File the stop and what the step had done when its run stopped (async face)."""
        key, graph = self.brief.step_key, self.subgraph
        snapshot = await graph.aget_state(self.inner)  # type: ignore[attr-defined]
        earlier = await self.archive.astop(key)
        await self.archive.aput_stop(key, self.filed(snapshot.values, earlier, status, why))


def resumed(archive: Archive, brief: Brief, config: RunnableConfig) -> list[dict[str, Any]]:
    """Return the stops of a step that runs again, its stop record closed (sync face)."""
    if not is_resuming(config):
        return []
    item = archive.stop(brief.step_key)
    if item is None:
        return []
    archive.drop_stop(brief.step_key)
    # A step that had finished when its dispatch stopped comes back with no stop.
    return [] if item.get("finished") else list(item.get("stops", []))


async def aresumed(archive: Archive, brief: Brief, config: RunnableConfig) -> list[dict[str, Any]]:
    """Return the stops of a step that runs again, its stop record closed (async face)."""
    if not is_resuming(config):
        return []
    item = await archive.astop(brief.step_key)
    if item is None:
        return []
    await archive.adrop_stop(brief.step_key)
    # A step that had finished when its dispatch stopped comes back with no stop.
    return [] if item.get("finished") else list(item.get("stops", []))


def with_stops(update: dict[str, Any], key: str, stops: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the step's update, its ledger record told of the stops it came back from."""
    return {**update, "ledger": {key: {"stops": stops}}} if stops else update
