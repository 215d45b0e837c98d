"""`make bench-serve`: Orchestra on Aegra, runs per minute with 1, 2 and 4 instances, takeover.

Each configuration is a fresh scratch database, its own redis-server and N instances started
one after another (tests/integration_tests/aegra.py), the scripted model answering every call
after LATENCY_S. A burst of RUNS one-step runs ("Count only", four model calls each) is sent
round-robin to the instances at once; the server's time from the first run's creation to the
last run's end gives runs per minute. Takeover: kill -9 of the instance whose step's model
call is in flight, timed until the survivor asks the model again, at Aegra's default lease
and at a short one.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from langgraph_sdk import get_client

from benchmarks import publish
from benchmarks.serving_report import FIGURES, LATENCY_S, NOTE, REPEATS, RUNS, markdown
from tests.integration_tests.aegra import COUNT_ONLY, COUNT_SCRIPT, Cluster, cluster
from tests.integration_tests.studio import ask
from tools.sample import ensure_sample

INSTANCES = (1, 2, 4)
# 0: Aegra's defaults (lease 30 s, heartbeat 10 s, reaper every 15 s); 3: the tests' short one
LEASES = (0, 3)


def machine_busy() -> tuple[float, float]:
    """Return (busy, total) CPU ticks of the whole machine so far (Linux /proc/stat)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return sum(ticks) - idle, sum(ticks)


def cpu_seconds(pid: int) -> float:
    """Return the user+system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def burst(urls: list[str], runs: int) -> tuple[float, list[str]]:
    """Send `runs` one-step runs round-robin to `urls` at once; return (wall s, statuses).

    The wall time is the server's own: from the first run's creation to the last run's end
    (`created_at`, `updated_at`), since runs.join answers up to 2 s late (Aegra polls).
    """

    async def one(url: str) -> dict[str, Any]:
        client = get_client(url=url)
        thread_id = (await client.threads.create())["thread_id"]
        run = await client.runs.create(thread_id, "orchestrator", input=ask(COUNT_ONLY))
        await client.runs.join(thread_id, run["run_id"])
        return dict(await client.runs.get(thread_id, run["run_id"]))

    done = await asyncio.gather(*(one(urls[i % len(urls)]) for i in range(runs)))
    first = min(datetime.fromisoformat(r["created_at"]) for r in done)
    last = max(datetime.fromisoformat(r["updated_at"]) for r in done)
    return (last - first).total_seconds(), [str(r["status"]) for r in done]


def _pids(running: Cluster) -> list[int]:
    """Return the instances' process ids."""
    return [i.proc.pid for i in running.instances if i.proc is not None]


def throughput(instances: int, folder: Path, sample: Path) -> dict[str, Any]:
    """Measure runs per minute (REPEATS bursts) and the CPU behind them with `instances`."""
    with cluster(folder, sample, COUNT_SCRIPT, instances, latency=LATENCY_S) as running:
        urls = [i.url for i in running.instances]
        asyncio.run(burst(urls, len(urls)))  # warm-up: each instance loads its graphs
        solo, _ = asyncio.run(burst(urls[:1], 1))  # one run alone: the floor of a run's time
        cpu, machine, here = _cpu(running), machine_busy(), time.process_time()
        walls, statuses = [], []
        for _ in range(REPEATS):
            wall, done = asyncio.run(burst(urls, RUNS))
            walls.append(wall)
            statuses += done
        cpu, here = _cpu(running) - cpu, time.process_time() - here
        now = machine_busy()
        busy, total = now[0] - machine[0], now[1] - machine[1]
    wall = sum(walls)
    return {
        "instances": instances,
        "runs": RUNS * REPEATS,
        "ok": statuses.count("success"),
        "solo_run_s": round(solo, 2),
        "runs_per_min_each": [round(RUNS / w * 60, 1) for w in walls],
        "runs_per_min": round(RUNS * REPEATS / wall * 60, 1),
        "instance_cpu_s_per_run": round(cpu / (RUNS * REPEATS), 3),
        "instances_cores_used": round(cpu / wall, 2),
        "bench_process_cores_used": round(here / wall, 2),
        "machine_busy_pct": round(100 * busy / max(1, total)),
    }


def _cpu(running: Cluster) -> float:
    """Return the CPU seconds the cluster's instances have used so far."""
    return sum(cpu_seconds(pid) for pid in _pids(running))


def takeover(lease: int, folder: Path, sample: Path) -> dict[str, Any]:
    """Kill -9 the instance whose model call is in flight; time until the survivor asks again."""
    with cluster(folder, sample, COUNT_SCRIPT, 2, lease=lease, latency=LATENCY_S) as running:
        killed_at: list[float] = []
        asked_again = threading.Event()
        run_id: list[str] = []
        ready = threading.Event()

        def kill_in_flight(role: str, step: str) -> bool:
            if role != "sql_analyst":
                return False
            if killed_at:
                asked_again.set()
                return False
            ready.wait(60)
            running.kill(running.runner(run_id[0]))
            killed_at.append(time.perf_counter())
            return True

        running.model.on_request = kill_in_flight

        async def go() -> str:
            client = get_client(url=running.instances[0].url)
            thread_id = (await client.threads.create())["thread_id"]
            run = await client.runs.create(thread_id, "orchestrator", input=ask(COUNT_ONLY))
            run_id.append(run["run_id"])
            ready.set()
            await asyncio.to_thread(asked_again.wait, 120)
            back = time.perf_counter()
            survivor = next(i for i in running.instances if i.alive)
            other = get_client(url=survivor.url)
            await other.runs.join(thread_id, run["run_id"])
            status = (await other.runs.get(thread_id, run["run_id"]))["status"]
            return f"{status} {back - killed_at[0]:.2f}"

        status, seconds = asyncio.run(go()).split()
    return {"lease_s": lease or 30, "status": status, "takeover_s": float(seconds)}


def main() -> None:
    """Run every configuration, print the figures and write them into RESULTS.md."""
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        root = Path(tmp)
        sample = ensure_sample(root / "sample-home").db_path.parent
        rows = [throughput(n, root / f"t{n}", sample) for n in INSTANCES]
        takeovers = [takeover(lease, root / f"k{lease}", sample) for lease in LEASES]
    figures = {
        "date": time.strftime("%Y-%m-%d"),
        "aegra": _aegra_version(),
        # The machine's, recorded: RESULTS.md is rendered again on whatever machine runs bench.
        "cores": os.cpu_count(),
        "throughput": rows,
        "takeover": takeovers,
        "note": NOTE,
    }
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n")
    publish.main()  # RESULTS.md again, with this section
    print("\n".join(markdown(figures)))


def _aegra_version() -> str:
    """Return the installed aegra-api's version, read from .venv-serve's metadata."""
    found = sorted(Path(".venv-serve/lib").glob("python3.*/site-packages/aegra_api-*.dist-info"))
    return found[-1].name.removesuffix(".dist-info").split("-")[1] if found else "?"


if __name__ == "__main__":
    main()
