"""The long-conversation passes: a 50-turn thread, thread listing, per-delegation overhead."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import AsyncExitStack, closing
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.architectures import bench_registry, supervisor_available
from benchmarks.backends import add_backends, postgres_bytes, ratios_by_backend, sqlite_bytes
from benchmarks.delegation import (
    WORKERS,
    delegation_model,
    langgraph_supervisor,
    noop_team,
    per_delegation_ms,
    time_side_by_side,
    tool_calling_supervisor,
)
from benchmarks.floor import lean_orchestrator
from benchmarks.long_thread import as_rows, drive, policy
from benchmarks.scratch import POSTGRES_URL
from graph.build import build_graph
from graph.cli.run_view import summarize
from graph.cli.thread_index import latest_checkpoints
from graph.persistence.checkpoints import (
    CheckpointStoreError,
    open_checkpointer,
    open_persistence,
    open_store,
)
from graph.testing.policy_model import PolicyModel
from nodes.specialists import SAMPLE_TEAM
from state.archive import Archive
from state.guardrail_spec import STAGES_OF, Guardrail
from state.users import LOCAL_USER

TABLES = ("checkpoints", "writes", "checkpoint_blobs")


async def long_thread_pass(home: Path, turns: int, threads: int) -> dict[str, Any]:
    """Run one thread for `turns` turns, then list `threads` copies of it and show one."""
    db = home / "long-thread.sqlite"
    url = f"sqlite:///{db}"
    model = PolicyModel(script={})
    model.use(policy)
    recall_at = frozenset(t for t in (30, 50) if t <= turns)
    async with open_checkpointer(url) as saver, open_store(url) as store:
        # One thread's growth; memory across threads is measured apart (benchmarks/memory.py).
        graph = build_graph(
            saver,
            {"default": model},
            store=store,
            specialists=bench_registry(SAMPLE_TEAM),
            memory=False,
        )
        figures = await drive(graph, model, db, turns, "long", recall_at)
        await asyncio.to_thread(_copy_thread, db, "long", threads - 1)
        listing = await _listing(graph, store, saver, db, threads, turns)
    return {"turns": as_rows(figures), "listing": listing, "recall_at": sorted(recall_at)}


def _copy_thread(db: Path, thread: str, copies: int) -> None:
    """Copy a thread's checkpoints under other thread ids (a store of many long threads)."""
    with closing(sqlite3.connect(db)) as conn:
        for table in TABLES:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            rest = ", ".join(c for c in cols if c != "thread_id")
            for n in range(copies):
                conn.execute(
                    f"INSERT INTO {table} (thread_id, {rest}) "
                    f"SELECT ?, {rest} FROM {table} WHERE thread_id = ?",
                    (f"{thread}-copy-{n}", thread),
                )
        conn.commit()


async def _listing(
    graph: Any, store: Any, saver: Any, db: Path, threads: int, turns: int
) -> dict[str, Any]:
    """Time `threads` and `show` as the CLI does them, in process and as a command."""
    listed: list[float] = []
    shown: list[float] = []
    for _ in range(5):
        started = time.perf_counter()
        rows = await latest_checkpoints(saver, LOCAL_USER)
        listed.append(time.perf_counter() - started)
        started = time.perf_counter()
        snapshot = await graph.aget_state({"configurable": {"thread_id": "long"}})
        archived = await Archive(store, "long", LOCAL_USER).asteps()
        steps = summarize("long", snapshot, archived)["steps"]
        shown.append(time.perf_counter() - started)
    # The thread was run by bare code, so it is the local user's (state/users.py).
    env = {**os.environ, "ORCHESTRA_CHECKPOINTER": f"sqlite:///{db}", "ORCHESTRA_USER": LOCAL_USER}
    command = [sys.executable, "-m", "graph.cli", "threads", "--json"]
    started = time.perf_counter()
    done = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True)
    cli_s = time.perf_counter() - started
    with closing(sqlite3.connect(db)) as conn:
        count = conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0]
    return {
        "threads": len(rows),
        "turns": turns,
        "checkpoints": count,
        "threads_ms": round(statistics.median(listed) * 1000, 1),
        "show_ms": round(statistics.median(shown) * 1000, 1),
        "show_steps": len(steps),
        "threads_command_s": round(cli_s, 2),
        "threads_command_ok": done.returncode == 0,
    }


# One guardrail of each deterministic kind, at every stage that kind can guard.
EVERY_CHECK = [
    Guardrail(name=f"{check}-{stage}", stage=stage, check=check, **extra)  # type: ignore[arg-type]
    for check, extra in (
        ("pii", {"pii": "email", "action": "redact"}),
        ("regex", {"pattern": r"(?i)project\s+falcon", "action": "flag"}),
        ("prompt_injection", {}),
        ("grounded_numbers", {"action": "flag"}),
        ("specialists", {"deny": ["report_writer"]}),
    )
    for stage in STAGES_OF[check]
]
BASELINES = ("langgraph-supervisor (in-memory)", "tool-calling supervisor (in-memory)")
OVERHEAD_ROWS = (*BASELINES, "orchestra (in-memory)")
FLOORS = (
    "LangGraph floor: step nodes, calls as tasks (in-memory)",
    "LangGraph floor: step subgraphs and a review node (in-memory)",
)


async def delegation_pass(home: Path, runs: int, warm_ups: int) -> dict[str, Any]:
    """Time one request with two delegations per system and checkpointer, side by side."""
    team, model = noop_team(), delegation_model()
    contenders: dict[str, tuple[Any, dict[str, Any]]] = {}
    notes: list[str] = []
    db = home / "delegation.sqlite"
    async with AsyncExitStack() as stack:
        if not supervisor_available():
            graph = langgraph_supervisor(model).compile(checkpointer=InMemorySaver())
            contenders[BASELINES[0]] = (graph, {})
        contenders[BASELINES[1]] = (tool_calling_supervisor(model, InMemorySaver()), {})
        # The supervisors remember nothing across threads: neither does Orchestra here
        # (memory's cost is measured apart, benchmarks/memory.py).
        unsaved = build_graph(InMemorySaver(), {"default": model}, specialists=team, memory=False)
        contenders["orchestra (in-memory)"] = (unsaved, {})
        # What LangGraph itself costs for the same request, and what subgraphs add to it.
        contenders[FLOORS[0]] = (lean_orchestrator(model), {})
        contenders[FLOORS[1]] = (lean_orchestrator(model, subgraphs=True, review=True), {})
        # The cost of deterministic guardrails: none, the two shipped, and one of each kind.
        for label, guards in (("no guardrails", []), ("every check", EVERY_CHECK)):
            variant = build_graph(
                InMemorySaver(),
                {"default": model},
                specialists=team,
                guardrails=guards,
                memory=False,
            )
            contenders[f"orchestra (in-memory, {label})"] = (variant, {})
        sqlite = await stack.enter_async_context(open_persistence(f"sqlite:///{db}"))
        graph = build_graph(
            sqlite.saver, {"default": model}, store=sqlite.store, specialists=team, memory=False
        )
        contenders["orchestra (SQLite, sync)"] = (graph, {})
        try:
            pg = await stack.enter_async_context(open_persistence(POSTGRES_URL))
            graph = build_graph(
                pg.saver, {"default": model}, store=pg.store, specialists=team, memory=False
            )
            contenders["orchestra (Postgres, sync)"] = (graph, {})
        except (CheckpointStoreError, OSError) as exc:
            notes.append(f"Postgres skipped: {exc}")
        # LangGraph's floor and the supervisors on SQLite and Postgres, each apart.
        meters = await add_backends(stack, contenders, home, model, POSTGRES_URL, notes)
        before: dict[str, int | None] = {"SQLite": await asyncio.to_thread(sqlite_bytes, db)}
        before["Postgres"] = await postgres_bytes(POSTGRES_URL, notes)
        before.update({k: await meter() for k, meter in meters.items()})
        seconds = await time_side_by_side(contenders, runs=runs, warm_ups=warm_ups)
        # The same again, the model and tool time taken off each run: the framework's own.
        in_memory = {k: v for k, v in contenders.items() if k in OVERHEAD_ROWS}
        framework = await time_side_by_side(in_memory, runs=runs, warm_ups=warm_ups, busy=True)
        after: dict[str, int | None] = {"SQLite": await asyncio.to_thread(sqlite_bytes, db)}
        after["Postgres"] = await postgres_bytes(POSTGRES_URL, notes)
        after.update({k: await meter() for k, meter in meters.items()})
    delegations = (runs + warm_ups) * len(WORKERS)
    rows = {name: per_delegation_ms(s) for name, s in seconds.items()}
    own = {name: per_delegation_ms(s) for name, s in framework.items()}
    quickest = min((own[b] for b in BASELINES if b in own), default=None)
    fastest = min((rows[b] for b in BASELINES if b in rows), default=None)
    bare = rows["orchestra (in-memory, no guardrails)"]
    return {
        "ms_per_delegation": rows,
        "ratio_to_fastest_supervisor": (
            {k: round(v / fastest, 2) for k, v in rows.items()} if fastest else {}
        ),
        "by_backend": ratios_by_backend(rows),
        "framework_ms_per_delegation": own,
        "framework_ratio_to_fastest_supervisor": (
            {k: round(v / quickest, 2) for k, v in own.items()} if quickest else {}
        ),
        "checkpoint_bytes_per_delegation": {
            k: round((a - b) / delegations)
            for k in before
            if (b := before[k]) is not None and (a := after[k]) is not None
        },
        "guardrail_overhead": {
            "shipped two": round(rows["orchestra (in-memory)"] / bare, 3),
            "every check": round(rows["orchestra (in-memory, every check)"] / bare, 3),
        },
        "runs": runs,
        "warm_ups": warm_ups,
        "notes": notes,
    }


def profile_step(out: Path) -> str:
    """Record a flame graph of Orchestra's step with py-spy; return the file or why not."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return "py-spy is not installed (pip install -e '.[bench]')"
    target = out / "delegation_flame.svg"
    command = [spy, "record", "-r", "250", "-o", str(target), "--", sys.executable]
    command += ["-m", "benchmarks.profile_step"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not target.exists():
        return f"py-spy could not record: {done.stderr.strip().splitlines()[-1:]}"
    return target.name
