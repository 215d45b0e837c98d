"""Reads in a blink: `orchestra show` and `orchestra threads` against `orchestra --help`.

One thread of N turns (the long conversation's questions, two sql_analyst steps a turn, the
scripted stand-in) is left on SQLite and on a scratch Postgres database, stamped as one
user's; then each command runs as a person runs it, a fresh process, a few times in turn,
and the median is kept. What a read costs is its time over `--help`'s (the interpreter and
the command line's own start, which every command pays).

`python -m benchmarks.reads` runs this alone and prints the figures and the section.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from benchmarks.architectures import bench_registry
from benchmarks.long_thread import policy, question
from benchmarks.scratch import scratch_database
from graph.build import build_graph
from graph.persistence.checkpoints import Persistence, open_persistence
from graph.testing.policy_model import PolicyModel
from nodes.specialists import SAMPLE_TEAM
from tools.sample import ensure_sample

USER, THREAD = "reader", "reads"
GOAL_S = 0.5
COMMANDS = {"help": ["--help"], "show": ["show", THREAD], "threads": ["threads"]}


def conversation_graph(kept: Persistence, model: BaseChatModel) -> Any:
    """Return the long conversation's graph (the sample team, no memory) on a database."""
    return build_graph(
        kept.saver,
        {"default": model},
        store=kept.store,
        specialists=bench_registry(SAMPLE_TEAM),
        memory=False,
    )


async def leave_thread(url: str, turns: int) -> None:
    """Run one thread of `turns` turns for USER on the database a URL names."""
    model = PolicyModel(script={})
    model.use(policy)
    config: Any = {
        "configurable": {"thread_id": THREAD, "user_id": USER},
        "metadata": {"owner": USER},
        "recursion_limit": 200,
    }
    recall = frozenset(t for t in (30, 50) if t <= turns)
    async with open_persistence(url) as kept:
        graph = conversation_graph(kept, model)
        for turn in range(1, turns + 1):
            asked = {"messages": [HumanMessage(question(turn, recall))]}
            await graph.ainvoke(asked, config, durability="sync")


def orchestra() -> list[str]:
    """Return the command that starts `orchestra` (the installed script, else the module)."""
    script = Path(sys.executable).with_name("orchestra")
    return [str(script)] if script.exists() else [sys.executable, "-m", "graph.cli"]


def time_commands(url: str, home: Path, runs: int) -> dict[str, float]:
    """Return each command's median seconds as a fresh process, the commands taken in turn."""
    env = {
        **os.environ,
        "ORCHESTRA_CHECKPOINTER": url,
        "ORCHESTRA_USER": USER,
        "ORCHESTRA_HOME": str(home),
        "LANGSMITH_TRACING": "false",
    }
    # As installed: the interpreter reads its compiled modules, it does not compile them.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    seconds: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for run in range(runs + 1):
        for name, argv in COMMANDS.items():
            started = time.perf_counter()
            done = subprocess.run([*orchestra(), *argv], env=env, capture_output=True, text=True)
            took = time.perf_counter() - started
            if done.returncode != 0:
                raise RuntimeError(f"orchestra {' '.join(argv)} failed: {done.stderr.strip()}")
            if run:  # the first round only warms the file cache
                seconds[name].append(took)
    return {name: round(statistics.median(times), 3) for name, times in seconds.items()}


async def backend_row(store: str, url: str, home: Path, turns: int, runs: int) -> dict[str, Any]:
    """Leave the thread on one back end and time the three commands there."""
    await leave_thread(url, turns)
    times = await asyncio.to_thread(time_commands, url, home, runs)
    return {
        "store": store,
        "turns": turns,
        "runs": runs,
        **{f"{name}_s": value for name, value in times.items()},
        "show_over_help_s": round(times["show"] - times["help"], 3),
        "threads_over_help_s": round(times["threads"] - times["help"], 3),
    }


async def reads_pass(home: Path, turns: int, runs: int, pg_base: str) -> dict[str, Any]:
    """Return the reading figures on SQLite and (where it answers) on Postgres."""
    ensure_sample(home)
    folder = home / "reads"
    folder.mkdir(exist_ok=True)
    sqlite = f"sqlite:///{folder / 'reads.sqlite'}"
    figures: dict[str, Any] = {
        "goal_s": GOAL_S,
        "rows": [await backend_row("SQLite", sqlite, folder, turns, runs)],
    }
    async with scratch_database(pg_base) as url:
        if url is None:
            figures["note"] = f"Postgres skipped: not reachable at {pg_base}"
        else:
            figures["rows"].append(await backend_row("Postgres", url, folder, turns, runs))
    return figures


def main() -> int:
    """Run the pass alone; print its figures and its RESULTS.md section (files untouched)."""
    import json

    from benchmarks.reads_report import section
    from benchmarks.run import isolated_home
    from benchmarks.scratch import POSTGRES_URL

    with isolated_home() as home:
        figures = asyncio.run(reads_pass(home, 30, 5, POSTGRES_URL))
    print(json.dumps(figures, indent=1))
    print("\n".join(section(figures)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
