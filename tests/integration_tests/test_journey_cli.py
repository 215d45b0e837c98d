"""A user's three-turn thread on the command line, as a person types it.

`orchestra ask ... --thread-id T` three times against the scripted OpenAI server and the real
sample team: turn 1 counts 2025's orders (--json), turn 2 asks for a report of that (text;
it reuses turn 1's count and waits for approval, exit 4, then `resume --yes`), turn 3
compares with 2024 and is killed mid-step, then `orchestra resume` finishes it. Each answer
is checked against the sample database; no completed model call is made twice. The
follow-up question is the one that crashed with `'Overwrite' object has no attribute
'items'` when the progress printer read the stream's updates as plain dicts.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from tests.integration_tests.conftest import Cli, model_env
from tests.journey import JOURNEY_SCRIPT as SCRIPT
from tests.journey import year_count_sql
from tests.servers.openai_server import ScriptedOpenAIServer

THREAD = "journey"
QUESTIONS = (
    "Journey: how many orders were placed in 2025?",
    "Journey: write a report of that.",
    "Journey: and how many in 2024, compared with 2025?",
)


def killer(step: str, n: int, proc: list[subprocess.Popen[str]]) -> Callable[[str, str], bool]:
    """Return a server hook that SIGKILLs the command as a step's n-th model request arrives."""
    seen = 0

    def on_request(role: str, at: str) -> bool:
        nonlocal seen
        seen += at == step
        if at == step and seen == n:
            os.kill(proc[0].pid, signal.SIGKILL)
            proc[0].wait(timeout=10)
            return True
        return False

    return on_request


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_a_three_turn_thread_on_the_command_line_approves_reuses_and_survives_a_kill(
    cli: Cli, isolated_env: Path
) -> None:
    with closing(sqlite3.connect(isolated_env / "sample" / "business.db")) as conn:
        orders = {y: conn.execute(year_count_sql(y)).fetchone()[0] for y in (2024, 2025)}
    said = {y: f"There were {n} orders in {y}." for y, n in orders.items()}
    report = isolated_env / "runs" / THREAD / "report.md"
    with ScriptedOpenAIServer(SCRIPT) as server:
        env = model_env(server)

        first = cli("ask", QUESTIONS[0], "--thread-id", THREAD, "--json", **env)
        assert first.code == 0, first.stderr
        assert first.json()["answer"] == f"Step j2025: {said[2025]}"
        assert [(s["id"], s["status"]) for s in first.json()["steps"]] == [("j2025", "done")]

        # The follow-up plans afresh, reusing turn 1's count, and waits for approval.
        second = cli("ask", QUESTIONS[1], "--thread-id", THREAD, **env)
        assert second.code == 4, second.stderr
        shown = lines(second.stderr)
        plan_at = shown.index("plan (turn 2):")
        assert shown[plan_at : plan_at + 8] == [
            "plan (turn 2):",
            "  • jcite sql_analyst: Count the orders placed in 2025.",
            "    reused jcite sql_analyst",
            "  • jwrite report_writer: Write a report of the 2025 order count. (after jcite)",
            "   running jwrite report_writer",
            "  needs_review jwrite report_writer",
            "⏸  waiting for approval",
            "review needed: report_writer wants to run write_report for step jwrite: "
            "Write a report of the 2025 order count.",
        ]
        # What the person approves states turn 1's fact, found in the reused report.
        assert shown[plan_at + 8] == (
            '  write_report {"title": "Orders in 2025", "body_markdown": "' + said[2025] + '"}'
        )
        assert f"orchestra resume {THREAD} --yes (or --reject)" in second.stderr
        assert second.stdout == ""
        assert not report.exists()

        approved = cli("resume", THREAD, "--yes", **env)
        assert approved.code == 0, approved.stderr
        assert "approved" in lines(approved.stderr)
        assert lines(approved.stdout)[-1] == (
            f"Step jcite (reused): {said[2025]} Step jwrite: Report written to {report}"
        )
        # The approved call ran as asked, with the reused report's fact.
        assert report.read_text().startswith("# Orders in 2025")
        assert said[2025] in report.read_text()

        proc: list[subprocess.Popen[str]] = []
        server.on_request = killer("j2024", 2, proc)
        proc.append(cli.start("ask", QUESTIONS[2], "--thread-id", THREAD, "--json", **env))
        assert proc[0].wait(timeout=120) == -signal.SIGKILL
        server.on_request = None
        resumed = cli("resume", THREAD, **env)
        assert resumed.code == 0, resumed.stderr
        more = orders[2025] - orders[2024]
        assert lines(resumed.stdout)[-1] == (
            f"Step j2024: {said[2024]} Step jagain (reused): {said[2025]} "
            f"2025 had {abs(more)} {'more' if more >= 0 else 'fewer'} orders than 2024."
        )
        assert "      done j2024 sql_analyst" in lines(resumed.stderr)
        assert "answer ready" in lines(resumed.stderr)

        thread = cli("show", THREAD, "--json", **env)
        assert thread.code == 0, thread.stderr
        calls = [(r["step"], r["status"]) for r in server.calls_for("sql_analyst")]
        repeats = server.repeats
    steps = [(s["turn"], s["id"], s["status"], s["reused_from"]) for s in thread.json()["steps"]]
    assert steps == [
        (1, "j2025", "done", None),
        (2, "jcite", "reused", "1.j2025"),
        (2, "jwrite", "done", None),
        (3, "j2024", "done", None),
        (3, "jagain", "reused", "1.j2025"),
    ]
    # The reused steps never reached the model; the killed call alone was asked again.
    assert calls == [
        ("j2025", 200),
        ("j2025", 200),
        ("j2024", 200),
        ("j2024", "dropped"),
        ("j2024", 200),
    ]
    assert repeats == []
    assert [p.name for p in report.parent.glob("*.md")] == ["report.md"]
