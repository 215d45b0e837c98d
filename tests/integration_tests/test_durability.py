"""Durability under injected faults, on SQLite and on Postgres: nothing done is redone."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from graph.persistence.checkpoints import open_checkpointer
from graph.testing import call, plan, step
from tests.conftest import copy_sample
from tests.integration_tests.conftest import Cli, CliResult, model_env, wait_for
from tests.integration_tests.scripts import echo_reports, echo_tool, sql_and_docs
from tests.servers.openai_server import ScriptedOpenAIServer

QUESTION = "How many orders in 2025, and what is North's returns policy?"


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> dict[str, str]:
    """Return the environment that selects the checkpointer under test."""
    if request.param == "sqlite":
        return {}
    return {"ORCHESTRA_CHECKPOINTER": request.getfixturevalue("postgres_url")}


def env_for(server: ScriptedOpenAIServer, store: dict[str, str]) -> dict[str, str]:
    return {**model_env(server), **store}


def assert_no_completed_call_repeated(server: ScriptedOpenAIServer) -> None:
    # The server answers by request content, so a call made again is seen as a repeat.
    repeats = [(r["role"], r["step"], r["position"]) for r in server.repeats]
    assert repeats == [], f"completed model calls were made again: {repeats}"


def task_saved(env: dict[str, str], home: Path, thread: str, node: str) -> bool:
    """Return True once a step of specialist `node` has its report in its own checkpoint."""

    async def check() -> bool:
        url = env.get("ORCHESTRA_CHECKPOINTER") or f"sqlite:///{home / 'checkpoints.sqlite'}"
        async with open_checkpointer(url, must_exist=True) as saver:
            async for saved in saver.alist({"configurable": {"thread_id": thread}}):
                ns = str(saved.config["configurable"].get("checkpoint_ns", ""))
                # Dispatch runs the step's subgraph under `<specialist>:<id>`; its report is
                # the subgraph's last write.
                if ns.startswith(f"{node}:") and saved.checkpoint["channel_values"].get("reports"):
                    return True
        return False

    try:
        return asyncio.run(check())
    except Exception:  # the store is still being created by the run
        return False


def served(server: ScriptedOpenAIServer, role: str) -> int:
    return sum(1 for r in server.calls_for(role) if r["status"] == 200)


def steps(result: CliResult) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in result.json()["steps"]}


def test_transient_model_faults_are_retried_on_that_node_alone(
    cli: Cli, store: dict[str, str]
) -> None:
    script = sql_and_docs()
    script["sql_analyst"] = [{"status": 500}, {"status": 429}, *script["sql_analyst"]]
    with ScriptedOpenAIServer(script) as server:
        result = cli("ask", QUESTION, "--json", **env_for(server, store))
        assert result.code == 0, result.stderr
        assert_no_completed_call_repeated(server)
        assert [r["status"] for r in server.calls_for("sql_analyst")] == [500, 429, 200, 200]
        assert len(server.calls_for("orchestrator")) == 2
        assert len(server.calls_for("doc_researcher")) == 3
    by_id = steps(result)
    assert by_id["orders"]["attempts"] == 1 and by_id["orders"]["model_attempts"] == 4
    assert by_id["policy"]["model_attempts"] == 3


def test_specialist_failing_for_good_is_replanned_without_rerunning_completed_steps(
    cli: Cli, store: dict[str, str]
) -> None:
    script = sql_and_docs()
    first_plan = script["orchestrator"][0]
    script["orchestrator"] = [first_plan, first_plan, echo_reports]
    script["sql_analyst"] = [{"status": 500}] * 3 + script["sql_analyst"]
    with ScriptedOpenAIServer(script) as server:
        result = cli("ask", QUESTION, "--json", **env_for(server, store))
        assert result.code == 0, result.stderr
        assert_no_completed_call_repeated(server)
        assert served(server, "doc_researcher") == 3  # the completed step never ran again
        replan = server.calls_for("orchestrator")[1]["request"]["messages"][-1]["content"]
        assert "Replanning" in replan and "Error code: 500" in replan
    by_id = steps(result)
    assert by_id["orders"]["status"] == "done" and by_id["orders"]["attempts"] == 2
    assert by_id["policy"]["status"] == "done" and by_id["policy"]["attempts"] == 1


def test_killed_run_resumes_without_repeating_completed_model_calls(
    cli: Cli, store: dict[str, str], isolated_env: Path
) -> None:
    script = sql_and_docs()
    run_sql, summary = script["sql_analyst"]
    script["sql_analyst"] = [run_sql, {"hang": True}, summary]
    with ScriptedOpenAIServer(script) as server:
        env = env_for(server, store)
        proc = cli.start("ask", QUESTION, "--thread-id", "killed", "--json", **env)
        try:
            wait_for(lambda: len(server.calls_for("sql_analyst")) == 2)
            # killed once the finished sibling's writes are on disk, as they would be
            wait_for(lambda: task_saved(env, isolated_env, "killed", "doc_researcher"))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        shown = cli("show", "killed", "--json", **env)
        assert shown.code == 0 and shown.json()["status"] == "failed"
        assert "orchestra resume killed" in shown.json()["resume"]
        result = cli("resume", "killed", "--json", **env)
        assert result.code == 0, result.stderr
        assert_no_completed_call_repeated(server)
        assert served(server, "doc_researcher") == 3
        # position 1 hung and was killed, then answered once on resume
        assert [r["position"] for r in server.calls_for("sql_analyst")] == [0, 1, 1]
    assert result.json()["status"] == "done"
    csvs = list((isolated_env / "runs" / "killed").rglob("query_*.csv"))
    assert len(csvs) == 1  # the SQL tool, completed before the kill, did not run again


def test_crash_in_the_third_tool_iteration_resumes_without_earlier_model_calls(
    cli: Cli, store: dict[str, str], tmp_path: Path
) -> None:
    marker = tmp_path / "hang-while-this-exists"
    marker.write_text("x")
    running = tmp_path / "third-call-running"
    stall = (
        f"import os, time\nopen({str(running)!r}, 'w').close()\n"
        f"while os.path.exists({str(marker)!r}):\n    time.sleep(0.2)\nprint(3)"
    )
    script = {
        "orchestrator": [
            plan(step("calc", "data_analyst", "Compute three numbers one by one.")),
            echo_reports,
        ],
        "data_analyst": [
            call("run_python", code="print(1)"),
            call("run_python", code="print(2)"),
            call("run_python", code=stall),
            echo_tool,
        ],
    }
    with ScriptedOpenAIServer(script) as server:
        env = env_for(server, store)
        proc = cli.start("ask", "Compute", "--thread-id", "crash", "--json", **env)
        try:
            wait_for(running.exists)  # the third tool call is now running
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        marker.unlink()
        result = cli("resume", "crash", "--json", **env)
        assert result.code == 0, result.stderr
        assert_no_completed_call_repeated(server)
        assert [r["position"] for r in server.calls_for("data_analyst")] == [0, 1, 2, 3]
    # the third call's own output, printed once the tool ran to its end after the resume
    calc = next(s for s in result.json()["steps"] if s["id"] == "calc")
    assert calc["tools"] == ["run_python"] * 3
    assert "Found: exit code 0\nstdout:\n3" in result.json()["answer"]


def test_two_processes_share_postgres_and_a_third_resumes_the_killed_one_on_another_machine(
    cli: Cli, postgres_url: str, session_sample: Path, tmp_path: Path
) -> None:
    hanging = sql_and_docs()
    run_sql, summary = hanging["sql_analyst"]
    hanging["sql_analyst"] = [run_sql, {"hang": True}, summary]
    # every "machine" shares the checkpoints (Postgres) and the run files (ORCHESTRA_FILES)
    store = {"ORCHESTRA_CHECKPOINTER": postgres_url, "ORCHESTRA_FILES": str(tmp_path / "shared")}
    other_machine = {**store, "ORCHESTRA_HOME": str(tmp_path / "machine-b")}
    copy_sample(session_sample, tmp_path / "machine-b")
    with (
        ScriptedOpenAIServer(hanging) as server_a,
        ScriptedOpenAIServer(sql_and_docs()) as server_b,
    ):
        killed = cli.start("ask", QUESTION, "--thread-id", "pg-a", **env_for(server_a, store))
        finished = cli.start("ask", QUESTION, "--thread-id", "pg-b", **env_for(server_b, store))
        try:
            wait_for(lambda: len(server_a.calls_for("sql_analyst")) == 2)
            env_a = env_for(server_a, store)
            wait_for(
                lambda: task_saved(env_a, Path(cli.env["ORCHESTRA_HOME"]), "pg-a", "doc_researcher")
            )
        finally:
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=10)
        assert finished.wait(timeout=120) == 0, finished.stderr.read() if finished.stderr else ""
        resumed = cli("resume", "pg-a", "--json", **env_for(server_a, other_machine))
        assert resumed.code == 0, resumed.stderr
        assert resumed.json()["status"] == "done"
        assert_no_completed_call_repeated(server_a)
        other = cli("show", "pg-b", "--json", **env_for(server_b, other_machine))
        assert other.json()["status"] == "done"
        listed = cli("threads", "--json", **other_machine).json()
        assert {"pg-a", "pg-b"} <= {t["thread_id"] for t in listed}
    # one CSV per thread, in the shared folder; the claims in Postgres, not in either home
    shared = sorted(p.relative_to(tmp_path) for p in (tmp_path / "shared").rglob("query_*.csv"))
    assert [p.parts[1] for p in shared] == ["pg-a", "pg-b"]
    assert (
        not list(tmp_path.glob("*/effects"))
        and not (Path(cli.env["ORCHESTRA_HOME"]) / "effects").exists()
    )
    with psycopg.connect(postgres_url) as conn:
        claimed = conn.execute("SELECT path, done FROM orchestra_effects ORDER BY path").fetchall()
    assert claimed == [(str(tmp_path / p), True) for p in shared]
