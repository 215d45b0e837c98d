"""The benchmark's passes: zero latency, SQLite bytes, fixed latency, scaling, real model."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.architectures import ORCHESTRA, Built, bench_registry, build
from benchmarks.runner import TaskRun, run_task
from benchmarks.synthetic import scaling_tasks, synthetic_team
from graph.persistence.checkpoints import open_checkpointer, open_store
from graph.testing.policy_model import PolicyModel
from graph.testing.tasks import Task
from nodes.specialists import SAMPLE_TEAM
from nodes.specialists.spec import SpecialistSpec


@dataclass(frozen=True)
class BenchConfig:
    """How much to run: repeats, the fixed model latency, registry sizes, which tasks."""

    repeats: int = 3
    latency_repeats: int = 2
    latency_s: float = 0.2
    sizes: tuple[int, ...] = (4, 16, 64)
    only: tuple[str, ...] = ()
    long_turns: int = 50
    listed_threads: int = 100
    delegation_runs: int = 25
    delegation_warm_ups: int = 5
    profile: bool = True
    # Requests per kind to langgraph dev with and without auth (0: the in-process figures only).
    auth_requests: int = 200
    # Memory: sample examples asked with memory on and off (0: all), memories recalled among.
    memory_examples: int = 0
    memory_count: int = 10_000
    # Reads: the thread's turns, and runs of each command (a fresh process each).
    read_turns: int = 30
    read_runs: int = 5


class Bench:
    """Runs passes over a set of architectures with one checkpoint folder."""

    def __init__(self, archs: Sequence[str], home: Path) -> None:
        self.archs = list(archs)
        self.home = home

    async def _run_all(
        self,
        tasks: Sequence[Task],
        registry: Sequence[SpecialistSpec],
        *,
        repeats: int,
        latency: float = 0.0,
        sqlite_for: Sequence[str] = (ORCHESTRA,),
        recoveries: Sequence[str] = ("restart",),
        model: Any = None,
        tag: str = "",
    ) -> list[dict[str, Any]]:
        """Run every task on every architecture `repeats` times, interleaved for fair noise."""
        owners = {name: s.name for s in registry for name in s.tool_names()}
        runs: list[dict[str, Any]] = []
        async with AsyncExitStack() as stack:
            built: dict[str, tuple[Built, Any, Any]] = {}
            for arch in self.archs:
                chat = model or PolicyModel(latency_s=latency)
                if arch in sqlite_for:
                    url = f"sqlite:///{self.home / f'{tag}-{arch}.sqlite'}"
                    saver = await stack.enter_async_context(open_checkpointer(url))
                    store = await stack.enter_async_context(open_store(url))
                else:
                    saver, store = InMemorySaver(), None
                built[arch] = (build(arch, chat, registry, saver, store), chat, saver)
            for repeat in range(repeats):
                for task in tasks:
                    for arch, (graph, chat, saver) in built.items():
                        modes = ["resume"] if arch == ORCHESTRA or not task.fault else recoveries
                        for mode in modes:
                            run: TaskRun = await run_task(
                                graph,
                                chat,
                                task,
                                saver=saver,
                                recovery=mode,  # type: ignore[arg-type]
                                owners=owners,
                            )
                            runs.append({**run.as_dict(), "repeat": repeat, "pass": tag})
        return runs

    async def zero_latency(self, tasks: Sequence[Task], cfg: BenchConfig) -> list[dict[str, Any]]:
        """Orchestra on SQLite with sync durability, the baselines in memory, no model latency."""
        team = bench_registry(SAMPLE_TEAM)
        await self._run_all(tasks[:1], team, repeats=1, tag="warmup")
        return await self._run_all(tasks, team, repeats=cfg.repeats, tag="zero")

    async def sqlite_all(self, tasks: Sequence[Task]) -> list[dict[str, Any]]:
        """Every architecture on SQLite once: checkpoint bytes, and resuming after a stop."""
        return await self._run_all(
            tasks,
            bench_registry(SAMPLE_TEAM),
            repeats=1,
            sqlite_for=self.archs,
            recoveries=("restart", "resume"),
            tag="sqlite",
        )

    async def latency(self, tasks: Sequence[Task], cfg: BenchConfig) -> list[dict[str, Any]]:
        """The parallel tasks with a fixed model latency, for wall time against critical path."""
        parallel = [t for t in tasks if t.kind == "parallel"]
        return await self._run_all(
            parallel,
            bench_registry(SAMPLE_TEAM),
            repeats=cfg.latency_repeats,
            latency=cfg.latency_s,
            tag="latency",
        )

    async def scaling(self, cfg: BenchConfig) -> list[dict[str, Any]]:
        """The synthetic tasks as the registry grows."""
        runs: list[dict[str, Any]] = []
        for size in cfg.sizes:
            for run in await self._run_all(
                scaling_tasks(),
                synthetic_team(size),
                repeats=max(1, cfg.repeats - 1),
                tag=f"scale{size}",
            ):
                runs.append({**run, "size": size})
        return runs

    async def real_model(self, tasks: Sequence[Task]) -> list[dict[str, Any]]:
        """The fault-free tasks once per architecture with the configured real model."""
        from graph.models import ModelResolver
        from state.context import Context

        model = ModelResolver()("default", Context())
        clean = [t for t in tasks if t.fault is None]
        return await self._run_all(
            clean, bench_registry(SAMPLE_TEAM), repeats=1, model=model, tag="real"
        )


def real_model_configured() -> bool:
    """Return True when a real model is configured (ORCHESTRA_MODEL, or an OpenAI key)."""
    if os.environ.get("OPENAI_API_KEY") and not os.environ.get("ORCHESTRA_MODEL"):
        os.environ["ORCHESTRA_MODEL"] = "openai:gpt-4.1-mini"
    return bool(os.environ.get("ORCHESTRA_MODEL"))
