"""The report writer's approval from the command line: wait (exit 4), approve, or reject."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.testing import call, plan, step
from tests.integration_tests.conftest import Cli, model_env
from tests.integration_tests.scripts import echo_reports, echo_tool
from tests.servers.openai_server import ScriptedOpenAIServer


def report_script() -> dict[str, list[Any]]:
    steps = step("report", "report_writer", "Write a one-paragraph report on North's returns.")
    return {
        "orchestrator": [plan(steps), echo_reports],
        "report_writer": [
            call("write_report", title="North returns", body_markdown="Returns fell."),
            echo_tool,
        ],
    }


def test_non_interactive_run_waits_with_exit_4_then_approve_writes(
    cli: Cli, isolated_env: Path
) -> None:
    report = isolated_env / "runs" / "ok" / "report.md"
    with ScriptedOpenAIServer(report_script()) as server:
        waiting = cli("ask", "Report please", "--thread-id", "ok", "--json", **model_env(server))
        assert waiting.code == 4, waiting.stderr
        assert waiting.json()["status"] == "interrupted"
        [request] = waiting.json()["pending"]
        assert request["action_requests"][0]["name"] == "write_report"
        assert request["action_requests"][0]["args"]["title"] == "North returns"
        assert request["review_configs"][0]["allowed_decisions"] == ["approve", "edit", "reject"]
        assert "orchestra resume ok --yes" in waiting.stderr
        assert not report.exists()
        again = cli("resume", "ok", **model_env(server))
        assert again.code == 4 and not report.exists()
        approved = cli("resume", "ok", "--yes", "--json", **model_env(server))
    assert approved.code == 0, approved.stderr
    assert report.read_text().startswith("# North returns")
    assert "Report written to" in approved.json()["answer"]


def test_reject_declines_and_writes_nothing(cli: Cli, isolated_env: Path) -> None:
    with ScriptedOpenAIServer(report_script()) as server:
        assert cli("ask", "Report please", "--thread-id", "no", **model_env(server)).code == 4
        rejected = cli("resume", "no", "--reject", "--json", **model_env(server))
    assert rejected.code == 0, rejected.stderr
    assert "with reason: rejected from the command line" in rejected.json()["answer"]
    assert not list((isolated_env / "runs" / "no").glob("*.md"))


def test_yes_on_ask_approves_without_stopping(cli: Cli, isolated_env: Path) -> None:
    with ScriptedOpenAIServer(report_script()) as server:
        result = cli("ask", "Report please", "--thread-id", "yes", "--yes", **model_env(server))
    assert result.code == 0, result.stderr
    assert (isolated_env / "runs" / "yes" / "report.md").exists()


def test_review_plan_waits_for_sign_off_before_any_step(cli: Cli, isolated_env: Path) -> None:
    with ScriptedOpenAIServer(report_script()) as server:
        env = model_env(server)
        waiting = cli("ask", "Report please", "--thread-id", "p", "--review-plan", "--json", **env)
        assert waiting.code == 4, waiting.stderr
        [request] = waiting.json()["pending"]
        assert request["action_requests"][0]["name"] == "execute_plan"
        assert [s["specialist"] for s in request["action_requests"][0]["args"]["steps"]] == [
            "report_writer"
        ]
        assert server.calls_for("report_writer") == []
        # --yes signs the plan off and approves the report it leads to
        done = cli("resume", "p", "--yes", "--review-plan", "--json", **env)
    assert done.code == 0, done.stderr
    assert (isolated_env / "runs" / "p" / "report.md").exists()
