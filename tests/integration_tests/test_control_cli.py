"""Conversation control on the command line: a question while an approval waits, Ctrl-C.

`orchestra ask` on a thread that waits supersedes what waits (and says so); SIGINT or SIGTERM
during a specialist's model call, or at the approval prompt, stops the run at once with exit
130 and the resume command, and `orchestra resume` finishes it: no completed model call made
again, one report file, every answered call counted once.
"""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from graph.testing import answer, call, plan, step
from tests.integration_tests.conftest import Cli, model_env, wait_for
from tests.integration_tests.scripts import echo_reports, echo_tool
from tests.integration_tests.studio import tracing_env as traces
from tests.servers.langsmith_server import LangSmithCaptureServer
from tests.servers.openai_server import ScriptedOpenAIServer

COUNT_SQL = "SELECT COUNT(*) AS orders FROM orders"
COUNT_AND_WRITE = plan(
    step("count", "sql_analyst", "Count the orders."),
    step("write", "report_writer", "Write a one-line report of the count.", "count"),
)
# How long a stopped command may take to exit: "at once", with room for a loaded machine.
EXIT_S = 10


def script(*orchestrator: Any) -> dict[str, Any]:
    return {
        "orchestrator": list(orchestrator),
        "sql_analyst": [call("run_sql", query=COUNT_SQL), echo_tool],
        "report_writer": [
            call("write_report", title="Order count", body_markdown="The orders were counted."),
            echo_tool,
        ],
    }


def reports(home: Path, thread: str) -> list[str]:
    return sorted(p.name for p in (home / "runs" / thread).glob("*.md"))


def steps(result: Any) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in result.json()["steps"]}


def assert_each_answer_counted_once(server: ScriptedOpenAIServer, usage: dict[str, int]) -> None:
    assert [(r["role"], r["step"], r["position"]) for r in server.repeats] == []
    answered = [r for r in server.requests if r.get("status") == 200]
    assert usage["llm_calls"] == len(answered)


def traced(smith: LangSmithCaptureServer, name: str) -> dict[str, Any]:
    """Return the one traced run of that name (the stop a step or a plan recorded)."""
    [run] = [r for r in smith.runs.values() if r.get("name") == name]
    return run


def test_a_question_while_an_approval_waits_supersedes_it(cli: Cli, isolated_env: Path) -> None:
    with (
        ScriptedOpenAIServer(script(COUNT_AND_WRITE, plan(), answer("Noted."))) as server,
        LangSmithCaptureServer() as smith,
    ):
        env = model_env(server)
        waiting = cli("ask", "Count the orders and report", "--thread-id", "sup", **env)
        assert waiting.code == 4, waiting.stderr
        again = cli("ask", "yes, approve", "--thread-id", "sup", "--json", **env, **traces(smith))
        assert again.code == 0, again.stderr
        superseded = traced(smith, "superseded")["extra"]["metadata"]
        assert "thread sup was waiting for review (write_report)" in again.stderr
        assert "supersedes it" in again.stderr
        second_plan = server.calls_for("orchestrator")[1]["request"]["messages"][-1]["content"]
        shown = cli("show", "sup", "--json", **env)
    assert reports(isolated_env, "sup") == []
    assert "Current request:\nyes, approve" in second_plan
    assert "waiting for approval of write_report" in second_plan
    assert "1.count (sql_analyst)" in second_plan  # the finished step is offered for reuse
    write = next(s for s in shown.json()["steps"] if s["key"] == "1.write")
    assert write["status"] == "superseded"
    [stopped] = write["stops"]
    assert stopped["why"] == "a new message came: 'yes, approve'" and stopped["at"]
    assert steps(again) == {}  # the new turn answered directly, nothing waits
    assert superseded["why"] == stopped["why"] and superseded["at"] == stopped["at"]
    assert superseded["steps"] == {"1.write": "superseded"}
    assert again.json()["status"] == "done" and again.json()["answer"] == "Noted."


def on_request_send(proc: list[subprocess.Popen[Any]], role: str, sig: signal.Signals) -> Any:
    """Return a server hook that signals the command as `role`'s first request arrives."""

    def hook(who: str, at: str) -> bool:
        if who != role:
            return False
        proc[0].send_signal(sig)
        # Held until the command has gone, so its client never sees the request fail (and
        # retry it); then dropped, unanswered.
        proc[0].wait(timeout=EXIT_S)
        return True

    return hook


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_model_call_exits_130_and_resume_finishes(
    cli: Cli, isolated_env: Path, sig: signal.Signals
) -> None:
    with (
        ScriptedOpenAIServer(script(COUNT_AND_WRITE, echo_reports)) as server,
        LangSmithCaptureServer() as smith,
    ):
        env = model_env(server)
        proc: list[subprocess.Popen[Any]] = []
        server.on_request = on_request_send(proc, "report_writer", sig)
        asked = ("ask", "Count and report", "--thread-id", "sig", "--json")
        proc.append(cli.start(*asked, **env, **traces(smith)))
        out, err = proc[0].communicate(timeout=60)
        server.on_request = None
        assert proc[0].returncode == 130, err
        cancelled = traced(smith, "cancelled")
        assert "steps stopped: write" in err
        assert "continue it with: orchestra resume sig" in err
        stopped = steps_of(out)
        assert stopped["write"]["status"] == "cancelled"
        why = stopped["write"]["stops"][0]["why"]
        assert why == f"interrupted on the command line ({sig.name})"
        # In the trace: a run `cancelled` beside the step's own (and the step before it), in
        # the dispatch node's run.
        assert cancelled["extra"]["metadata"]["why"] == why
        beside = [
            r["name"]
            for r in smith.runs.values()
            if r.get("parent_run_id") == cancelled["parent_run_id"]
        ]
        assert sorted(beside) == ["cancelled", "report_writer:write", "sql_analyst:count"]
        assert stopped["count"]["status"] == "done"
        if sig == signal.SIGINT:
            shown = cli("show", "sig", **env)
            assert "write report_writer cancelled" in shown.stdout
            assert "cancelled at" in shown.stdout and "(SIGINT)" in shown.stdout
        done = cli("resume", "sig", "--yes", "--json", **env)
        assert done.code == 0, done.stderr
        assert_each_answer_counted_once(server, done.json()["usage"])
    assert reports(isolated_env, "sig") == ["report.md"]
    write = steps(done)["write"]
    assert write["status"] == "done" and [s["status"] for s in write["stops"]] == ["cancelled"]


def steps_of(stdout: str) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in json.loads(stdout.strip().splitlines()[-1])["steps"]}


def test_ctrl_c_at_the_approval_prompt_exits_at_once_and_resume_writes_once(
    cli: Cli, isolated_env: Path
) -> None:
    with ScriptedOpenAIServer(script(COUNT_AND_WRITE, echo_reports)) as server:
        env = model_env(server)
        # A terminal, so the command asks [a]pprove, [e]dit, [r]eject and waits for a person.
        main, terminal = pty.openpty()
        proc = subprocess.Popen(
            cli.command("ask", "Count and report", "--thread-id", "tty"),
            env={**cli.env, **env},
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=terminal,
        )
        os.close(terminal)
        seen = bytearray()
        reader = threading.Thread(target=read_all, args=(main, seen), daemon=True)
        reader.start()
        try:
            wait_for(lambda: "write_report: [a]pprove, [e]dit, [r]eject?" in plain(seen))
            proc.send_signal(signal.SIGINT)
            started = time.monotonic()
            code = proc.wait(timeout=EXIT_S)
            elapsed = time.monotonic() - started
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        reader.join(timeout=5)
        os.close(main)
        text = plain(seen)
        assert code == 130, text
        assert "continue it with: orchestra resume tty" in text
        assert elapsed < EXIT_S
        assert reports(isolated_env, "tty") == []
        done = cli("resume", "tty", "--yes", "--json", **env)
        assert done.code == 0, done.stderr
        assert_each_answer_counted_once(server, done.json()["usage"])
    assert reports(isolated_env, "tty") == ["report.md"]


def plain(output: bytearray) -> str:
    """Return a terminal's output as text, without its colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", output.decode(errors="replace"))


def read_all(fd: int, into: bytearray) -> None:
    """Read a terminal's output until it closes."""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return
        if not chunk:
            return
        into.extend(chunk)
