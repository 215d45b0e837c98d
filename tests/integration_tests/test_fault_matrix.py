"""The fault matrix: every injected fault, on SQLite and Postgres, through the real command.

Each case runs "count the orders, write a report" (approved with --yes) through `orchestra`
against the scripted OpenAI server, injects one fault, resumes after a kill, and checks what
the issue asks: zero repeated completed model calls, one report file per approved call, the
right final ledger, and an answer whose number is the database's own.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from graph.testing import call, malformed
from tests.integration_tests.conftest import Cli, model_env, wait_for
from tests.integration_tests.scripts import echo_tool
from tests.integration_tests.studio import COUNT_SQL, SCRIPT
from tests.servers.openai_server import ScriptedOpenAIServer

QUESTION = "How many orders are there? Write a report."
LOCKED_SQL = "SELECT COUNT(*) AS locked_out FROM orders"
LIMITS = {"ORCHESTRA_MODEL_TIMEOUT_S": "2", "ORCHESTRA_TOOL_TIMEOUT_S": "2"}


@dataclass
class Fault:
    """One row of the matrix: how the script changes, and where the run is killed, if it is."""

    name: str
    count: list[Any] = field(default_factory=lambda: [call("run_sql", query=COUNT_SQL), echo_tool])
    kill_at: tuple[str, int] | None = None  # (role, n): SIGKILL as its n-th model request arrives
    kill_on_report: bool = False  # SIGKILL as soon as the report file exists
    # The database is locked from the step's 1st model call to its 2nd: the tool message
    # the 2nd call carries, when the query between them hangs.
    locked_tool_says: str | None = None


FAULTS = [
    Fault(
        "model 429 then 500",
        [{"status": 429}, {"status": 500}, call("run_sql", query=COUNT_SQL), echo_tool],
    ),
    Fault(
        "model hangs past its timeout",
        [call("run_sql", query=COUNT_SQL), {"hang": True}, echo_tool],
    ),
    Fault(
        "tool error",
        [
            call("run_sql", query="SELECT nope FROM nowhere"),
            call("run_sql", query=COUNT_SQL),
            echo_tool,
        ],
    ),
    Fault(
        "tool hangs past its timeout",
        [call("run_sql", query=LOCKED_SQL), call("run_sql", query=COUNT_SQL), echo_tool],
        # Only the tool's deadline (2 s) says this; SQLite would give up on the lock at 5 s
        # with "database is locked".
        locked_tool_says="Error: tool run_sql timed out after 2s",
    ),
    Fault(
        "malformed tool call",
        [malformed("run_sql", '{"query": "SELECT'), call("run_sql", query=COUNT_SQL), echo_tool],
    ),
    Fault("SIGKILL at the step's 1st model call", kill_at=("sql_analyst", 1)),
    Fault("SIGKILL at the step's 2nd model call", kill_at=("sql_analyst", 2)),
    Fault("SIGKILL after write_report, at its model call", kill_at=("report_writer", 2)),
    Fault("SIGKILL as write_report's file appears", kill_on_report=True),
]


def database_locked(database: Path, held: list[sqlite3.Connection]) -> Callable[[str, str], bool]:
    """Return a server hook that locks the database from the step's 1st model call to its 2nd.

    The query the 1st call asks for waits on the lock; the 2nd call comes once the specialist
    has been told the query's fate, and then the lock goes, so the abandoned query ends too.
    """
    seen: list[str] = []

    def on_request(who: str, step: str) -> bool:
        if who == "sql_analyst":
            seen.append(step)
            if len(seen) == 1:
                held.append(
                    sqlite3.connect(database, isolation_level=None, check_same_thread=False)
                )
                held[0].execute("BEGIN EXCLUSIVE")
            elif len(seen) == 2:
                held[0].rollback()
                held[0].close()
        return False

    return on_request


def killer(
    target: tuple[str, int], proc: list[subprocess.Popen[str]]
) -> Callable[[str, str], bool]:
    """Return a server hook that kills the command as the n-th request of a role arrives."""
    seen: dict[str, int] = {}
    role, n = target

    def on_request(who: str, step: str) -> bool:
        seen[who] = seen.get(who, 0) + 1
        if who == role and seen[who] == n and proc:
            os.kill(proc[0].pid, signal.SIGKILL)
            proc[0].wait(timeout=10)
            return True
        return False

    return on_request


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_fault(
    fault: Fault, backend: str, cli: Cli, isolated_env: Path, request: pytest.FixtureRequest
) -> None:
    store = (
        {}
        if backend == "sqlite"
        else {"ORCHESTRA_CHECKPOINTER": request.getfixturevalue("postgres_url")}
    )
    script = {**SCRIPT, "sql_analyst:count": fault.count}
    thread = "fault"
    report_dir = isolated_env / "runs" / thread
    # The home holds the session's sample (isolated_env), so a tool's time limit measures
    # the tool, not the setup.
    started = time.monotonic()
    [database] = isolated_env.rglob("business.db")
    held: list[sqlite3.Connection] = []
    with ScriptedOpenAIServer(script) as server:
        env = {**model_env(server), **store, **LIMITS}
        args = ("ask", QUESTION, "--thread-id", thread, "--yes", "--json")
        resumes = 0
        if fault.locked_tool_says:
            server.on_request = database_locked(database, held)
        if fault.kill_at or fault.kill_on_report:
            proc: list[subprocess.Popen[str]] = []
            if fault.kill_at:
                server.on_request = killer(fault.kill_at, proc)
            if fault.kill_on_report:
                # Once the file exists, the step's next model call goes unanswered until the
                # kill: the kill lands between the tool and that call however fast the run is.
                server.on_request = lambda role, step: (
                    role == "report_writer" and any(report_dir.glob("*.md"))
                )
            proc.append(cli.start(*args, **env))
            if fault.kill_on_report:
                # polled often: the kill should land before the tool's checkpoint
                wait_for(lambda: any(report_dir.glob("*.md")), every=0.01)
                proc[0].send_signal(signal.SIGKILL)
            assert proc[0].wait(timeout=60) == -signal.SIGKILL
            server.on_request = None
            result = cli("resume", thread, "--yes", "--json", **env)
            resumes = 1
        else:
            result = cli(*args, **env)
        assert result.code == 0, result.stderr
        repeated = [(r["role"], r["step"], r["position"]) for r in server.repeats]
        failed_calls = sum(1 for r in server.requests if r["status"] != 200)
        told = [r["request"]["messages"][-1] for r in server.calls_for("sql_analyst")[1:2]]
    for lock in held:
        lock.close()
    out = result.json()
    reports = sorted(p.name for p in report_dir.glob("*.md"))
    orders = sqlite3.connect(database).execute(COUNT_SQL).fetchone()[0]
    ledger = {s["id"]: (s["status"], s["attempts"]) for s in out["steps"]}
    record(fault.name, backend, repeated, reports, ledger, resumes, failed_calls, started)
    if fault.locked_tool_says:
        assert [(m["role"], m["content"]) for m in told] == [("tool", fault.locked_tool_says)]
    assert repeated == [], f"completed model calls were made again: {repeated}"
    assert reports == ["report.md"]  # one side effect for the one approved call
    assert ledger == {"count": ("done", 1), "write": ("done", 1)}
    assert out["answer"] == f"There are {orders} orders (step count).", (out, result.stderr)


def record(
    name: str,
    backend: str,
    repeated: list[Any],
    reports: list[str],
    ledger: dict[str, Any],
    resumes: int,
    failed_calls: int,
    started: float,
) -> None:
    """Append the case's outcome to FAULT_MATRIX_LOG, for benchmarks/RESULTS.md."""
    log = os.environ.get("FAULT_MATRIX_LOG")
    if not log:
        return
    row = {
        "fault": name,
        "backend": backend,
        "repeated_calls": len(repeated),
        "report_files": len(reports),
        "ledger": {k: v[0] for k, v in ledger.items()},
        "resumes": resumes,
        "faulted_requests": failed_calls,
        "seconds": round(time.monotonic() - started, 1),
    }
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
