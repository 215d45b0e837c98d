"""Run the whole benchmark in its own data folder and return the published data."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import (
    asymmetric,
    conversation,
    conversation_report,
    memory,
    plots,
    publish,
    reads,
    weak_plans,
)
from benchmarks import auth as auth_bench
from benchmarks import figures as fig
from benchmarks.architectures import ARCHITECTURES, SUPERVISOR, supervisor_available
from benchmarks.large_team.evaluate import evaluate_all
from benchmarks.passes import Bench, BenchConfig, real_model_configured
from benchmarks.scratch import POSTGRES_URL
from benchmarks.suite import sample_suite

QUICK_TASKS = ("orders_2024", "north_why", "outdoor_growth", "failed_first_call", "answer_outage")
METHOD = [
    "- One scripted model policy per task (the same tool calls, arguments and answer text) is "
    "played by each architecture; the SQL, document search, sandboxed Python and report "
    "tools run for real on the generated sample. Tokens are estimated as characters / 4 of "
    "the messages plus the offered tool schemas, exactly as the model receives them.",
    '- Orchestra: `build_graph` with its SQLite checkpointer and `durability="sync"`. Single '
    "agent: `langchain.agents.create_agent` with every tool and one merged prompt. Supervisor: "
    '`langgraph_supervisor.create_supervisor` (default `output_mode="last_message"`) over one '
    "`create_agent` worker per specialist. Baselines run on `InMemorySaver` for timing, and on "
    "the same SQLite checkpointer (sync) once for checkpoint bytes and resume-after-stop.",
    "- Framework overhead = wall time − the union of time inside model calls and inside tools "
    "(hand-off tools count as framework), over fault-free tasks, divided by delegations; "
    "median over repeats, and the headline ratio is taken repeat by repeat in the same run.",
    "- Critical path = planner call + the heaviest dependency chain of steps (their model "
    "calls and tool time, as measured in the run) + finalizer call.",
    "- Faults: the model raises an HTTP 500 for the named move (a count of consecutive "
    "requests). Orchestra retries a node three times, then reports the step failed and "
    "replans; a stopped Orchestra run is resumed. Baselines: `restart` re-runs the request "
    "from scratch (the naive retry), `resume` re-invokes the checkpointed thread. A repeated "
    "call is a completed call whose role and conversation equal an earlier completed call's.",
    "- Long conversation: one thread of 50 turns, two sql_analyst steps a turn (real SQL on "
    "the sample), turns 30 and 50 asking again what turn 1 found; planner tokens are the "
    "turn's first planner prompt (characters / 4); checkpoint bytes are what the turn added to "
    "the checkpoint tables (rows, per-version values, writes); the Store's bytes apart.",
    "- Per delegation: see its section; the supervisor runs on `InMemorySaver` as its users "
    "run it by default, Orchestra on its SQLite checkpointer and Store with sync durability.",
    "- Approval pauses are off for the report writer in every architecture (neither baseline "
    "has them). The data folder is a temporary ORCHESTRA_HOME; LangSmith tracing is off.",
]


@contextmanager
def isolated_home() -> Iterator[Path]:
    """Point ORCHESTRA_HOME at a fresh folder, clear data overrides, and restore afterwards."""
    names = (
        "ORCHESTRA_HOME",
        "ORCHESTRA_DATABASE_URL",
        "ORCHESTRA_DOCS_DIR",
        "ORCHESTRA_CHECKPOINTER",
        "LANGSMITH_TRACING",
        "LANGCHAIN_TRACING_V2",
    )
    saved = {n: os.environ.get(n) for n in names}
    with tempfile.TemporaryDirectory(prefix="orchestra-bench-") as home:
        for n in names:
            os.environ.pop(n, None)
        os.environ["ORCHESTRA_HOME"] = home
        os.environ["LANGSMITH_TRACING"] = "false"
        try:
            yield Path(home)
        finally:
            for n, value in saved.items():
                if value is None:
                    os.environ.pop(n, None)
                else:
                    os.environ[n] = value


async def run_bench_async(
    cfg: BenchConfig, out: Path | None, *, real: bool = True
) -> dict[str, Any]:
    """Run every pass, compute the figures, and write them (with plots) into `out`."""
    skipped = supervisor_available()
    archs = [a for a in ARCHITECTURES if not (skipped and a == SUPERVISOR)]
    tasks = [t for t in sample_suite() if not cfg.only or t.name in cfg.only]
    started = time.perf_counter()
    with isolated_home() as home:
        bench = Bench(archs, home)
        zero = await bench.zero_latency(tasks, cfg)
        sqlite = await bench.sqlite_all(tasks)
        latency = await bench.latency(tasks, cfg)
        scaling = await bench.scaling(cfg)
        real_runs = await bench.real_model(tasks) if real and real_model_configured() else []
        long = await conversation.long_thread_pass(home, cfg.long_turns, cfg.listed_threads)
        asymmetric_row = await asymmetric.asymmetric_pass(max(cfg.latency_repeats, 3))
        delegation = await conversation.delegation_pass(
            home, cfg.delegation_runs, cfg.delegation_warm_ups
        )
        profile = conversation.profile_step(out) if cfg.profile and out else "not recorded"
        large = evaluate_all()
        users = await auth_bench.auth_pass(cfg.auth_requests)
        remembering = await memory.memory_pass(
            home, cfg.memory_examples, cfg.memory_count, POSTGRES_URL
        )
        reading = await reads.reads_pass(home, cfg.read_turns, cfg.read_runs, POSTGRES_URL)
        # HTTP to a loopback server with the sync client: off the event loop.
        weak = await asyncio.to_thread(weak_plans.measure)
    data: dict[str, Any] = {
        "machine": publish.machine(),
        "config": {**cfg.__dict__, "tasks": [t.name for t in tasks]},
        "seconds": round(time.perf_counter() - started, 1),
        "skipped": skipped and f"supervisor: {skipped}",
        "architectures": {a: fig.architecture_figures(zero, sqlite, a) for a in archs},
        "overhead_ratio": fig.overhead_ratio(zero) if not skipped else None,
        "failures": fig.failure_figures(zero, sqlite),
        "parallel": fig.parallel_figures(latency),
        "asymmetric": asymmetric_row,
        "scaling": fig.scaling_figures(scaling),
        "method": METHOD,
        "real": _real_figures(real_runs, tasks) if real_runs else None,
        "long": long,
        "growth": conversation_report.growth_figures(long),
        "delegation": delegation,
        "profile": profile,
        "large_team": large,
        "auth": users,
        "memory": remembering,
        "reads": reading,
        "weak_plans": weak,
        "runs": {
            "zero": zero,
            "sqlite": sqlite,
            "latency": latency,
            "scaling": scaling,
            "real": real_runs,
        },
    }
    data["targets"] = publish.targets(data)
    if out is not None:
        publish.write({k: v for k, v in data.items() if k != "runs"}, out)
        plots.prompt_tokens(zero, out / "prompt_tokens_per_call.png")
        plots.scaling(data["scaling"], out / "scaling.png")
        plots.parallel(data["parallel"], cfg.latency_s, out / "parallel_wall_time.png")
        conversation_report.plot(long, out / "long_thread.png")
    return data


def _real_figures(runs: list[dict[str, Any]], tasks: list[Any]) -> dict[str, Any]:
    """Return task success and routing accuracy per architecture with a real model."""
    routes = {t.name: sorted(t.routed()) for t in tasks}
    out: dict[str, Any] = {"model": os.environ.get("ORCHESTRA_MODEL", "")}
    for arch in sorted({r["arch"] for r in runs}):
        rs = [r for r in runs if r["arch"] == arch]
        routed = [r for r in rs if arch != "single_agent" or r["routed"]]
        out[arch] = {
            "success": sum(r["answered"] for r in rs) / len(rs),
            "routing_accuracy": sum(r["routed"] == routes[r["task"]] for r in routed)
            / max(1, len(routed)),
        }
    return out
