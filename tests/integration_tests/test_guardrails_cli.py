"""Guardrails through the real command, against the scripted model server's request log.

Each test runs `orchestra` as a subprocess on a team file with guardrails (or the built-in
team's two) and checks what every model request held, what `--json` and `show` say, and
which files were written.
"""

from __future__ import annotations

import os
import pty
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

from tests.integration_tests.conftest import Cli, CliResult, model_env
from tests.integration_tests.guardrail_team import (
    BAD_ENTRY,
    CHART_QUESTION,
    EMAIL,
    EMAIL_QUESTION,
    FALCON_QUESTION,
    FLAG_INJECTION,
    GROWTH_QUESTION,
    HOUSE_RULES,
    INJECTED,
    OBEY_NOTE,
    READ_NOTE,
    SCRIPT,
    UNGROUNDED,
    body,
    docs_with_note,
    last_message,
    team_file,
)
from tests.integration_tests.studio import COUNT_SQL
from tests.servers.openai_server import ScriptedOpenAIServer

FALCON_REASON = "matches '(?i)project\\\\s+falcon'"


def trips(result: dict[str, Any], name: str) -> list[tuple[str, str, str | None]]:
    events = result["guardrails"]
    return [(e["stage"], e["action"], e.get("step")) for e in events if e["name"] == name]


def test_an_email_in_the_question_reaches_no_model_request_and_no_checkpoint(
    cli: Cli, tmp_path: Path, isolated_env: Path
) -> None:
    team = team_file(tmp_path / "team")
    with ScriptedOpenAIServer(SCRIPT) as server:
        result = cli("ask", EMAIL_QUESTION, "--json", ORCHESTRA_TEAM=str(team), **model_env(server))
    assert result.code == 0, result.stderr
    # Nothing the thread keeps holds it: the checkpoints and their write-ahead log.
    kept = [p for p in isolated_env.glob("checkpoints.sqlite*") if p.is_file()]
    assert kept and not [p.name for p in kept if EMAIL.encode() in p.read_bytes()]
    asked = server.requests
    # The memory call too ("Reply to ..." says more than a question): without the address.
    assert {r["role"] for r in asked} == {"orchestrator", "sql_analyst", "memory"}
    assert [r for r in asked if EMAIL in body(r)] == []
    # The question did reach the planner, rewritten by LangChain's redact strategy.
    planner = server.calls_for("orchestrator")[0]
    assert last_message(planner).endswith("Reply to [REDACTED_EMAIL]")
    assert trips(result.json(), "no-emails") == [("input", "redact", None)]


def write_the_note_twice(cli: Cli, home: Path, tmp_path: Path, **env: str) -> list[dict[str, Any]]:
    """Ask what the supplier note says, then to do what it asks, approving any report."""
    docs = docs_with_note(home / "sample" / "docs", tmp_path / "docs")
    env = {**env, "ORCHESTRA_DOCS_DIR": str(docs)}
    results = []
    for question in (READ_NOTE, OBEY_NOTE):
        done = cli("ask", question, "--thread-id", "note", "--yes", "--json", **env)
        assert done.code == 0, done.stderr
        results.append(done.json())
    return results


def test_an_injected_instruction_in_a_document_never_reaches_the_specialists_model(
    cli: Cli, isolated_env: Path, tmp_path: Path
) -> None:
    # The built-in team's own guardrail, on by default: no team file.
    with ScriptedOpenAIServer(SCRIPT) as server:
        first, second = write_the_note_twice(cli, isolated_env, tmp_path, **model_env(server))
    researcher = server.calls_for("doc_researcher")
    # It searched, read the note, and summarised what it was told in place of the text.
    assert len(researcher) == 3
    told = last_message(researcher[-1])
    assert told.startswith("blocked by guardrail injected-instructions: instructions"), told
    assert [r for r in server.requests if INJECTED in body(r)] == []
    # Both tool results held it: the search's snippet and the section read.
    assert trips(first, "injected-instructions") == [("tool_output", "block", "1.note")] * 2
    # The planner was given the report, which carried no instruction: nothing was written.
    planned = [last_message(r) for r in server.calls_for("orchestrator")]
    [obey] = [text for text in planned if text.endswith(f"Current request:\n{OBEY_NOTE}")]
    assert "blocked by guardrail injected-instructions" in obey
    assert server.calls_for("report_writer") == [] and second["steps"] == []
    assert list((isolated_env / "runs").rglob("*.md")) == []


def test_without_the_injection_guardrail_the_same_document_gets_a_report_written(
    cli: Cli, isolated_env: Path, tmp_path: Path
) -> None:
    # The control: the built-in guardrail replaced by name with one that only records.
    team = team_file(tmp_path / "team", FLAG_INJECTION)
    with ScriptedOpenAIServer(SCRIPT) as server:
        env = {"ORCHESTRA_TEAM": str(team), **model_env(server)}
        first, second = write_the_note_twice(cli, isolated_env, tmp_path, **env)
    assert INJECTED in last_message(server.calls_for("doc_researcher")[-1])
    assert trips(first, "injected-instructions") == [("tool_output", "flag", "1.note")] * 2
    assert [s["specialist"] for s in second["steps"]] == ["report_writer"]
    [written] = (isolated_env / "runs").rglob("*.md")
    assert written.read_text().startswith("# Customer emails")


def test_an_answer_with_a_figure_in_no_report_is_flagged_in_json_and_show(
    cli: Cli, isolated_env: Path
) -> None:
    with closing(sqlite3.connect(isolated_env / "sample" / "business.db")) as conn:
        orders = conn.execute(COUNT_SQL).fetchone()[0]
    with ScriptedOpenAIServer(SCRIPT) as server:
        env = model_env(server)
        result = cli("ask", GROWTH_QUESTION, "--thread-id", "grow", "--json", **env)
    assert result.code == 0, result.stderr
    said = f"There are {orders} orders, up {UNGROUNDED} on last year."
    assert result.json()["answer"] == said  # flagged, not withheld
    # The count is the report's; 37% is in no report.
    detail = f"figures found in no report: {UNGROUNDED}"
    [event] = [e for e in result.json()["guardrails"] if e["name"] == "grounded-figures"]
    assert event == {
        "name": "grounded-figures",
        "stage": "answer",
        "action": "flag",
        "turn": 1,
        "detail": detail,
    }
    shown = cli("show", "grow", "--json")
    assert shown.code == 0, shown.stderr
    assert [e for e in shown.json()["guardrails"] if e["name"] == "grounded-figures"] == [event]
    text = cli("show", "grow")
    assert text.code == 0, text.stderr
    assert f"guardrail grounded-figures (answer, flag): {detail}" in text.stdout


def test_a_plan_with_a_denied_specialist_is_refused_after_one_retry(
    cli: Cli, tmp_path: Path
) -> None:
    team = team_file(tmp_path / "team")
    with ScriptedOpenAIServer(SCRIPT) as server:
        result = cli("ask", CHART_QUESTION, "--json", ORCHESTRA_TEAM=str(team), **model_env(server))
    assert result.code == 0, result.stderr
    reason = (
        "blocked by guardrail no-python: the plan uses data_analyst, which this request may not"
    )
    first, again = server.calls_for("orchestrator")  # two plans, no finalizer
    assert "refused" not in last_message(first)
    assert f"Your previous plan was refused ({reason})" in last_message(again)
    assert server.calls_for("data_analyst") == []
    assert result.json()["steps"] == []
    assert result.json()["answer"] == f"I can't help with this request: {reason}."


def test_an_ask_guardrail_waits_with_exit_4_then_resume_approves_or_rejects(
    cli: Cli, tmp_path: Path
) -> None:
    team = team_file(tmp_path / "team")
    with ScriptedOpenAIServer(SCRIPT) as server:
        env = {"ORCHESTRA_TEAM": str(team), **model_env(server)}
        waiting = cli("ask", FALCON_QUESTION, "--thread-id", "yes", "--json", **env)
        assert waiting.code == 4, waiting.stderr
        [pending] = waiting.json()["pending"]
        [request] = pending["action_requests"]
        assert request["name"] == "guardrail:codename"
        assert request["args"] == {
            "stage": "input",
            "text": FALCON_QUESTION,
            "reason": FALCON_REASON,
        }
        assert pending["review_configs"] == [
            {
                "action_name": "guardrail:codename",
                "allowed_decisions": ["approve", "edit", "reject"],
            }
        ]
        assert server.requests == []  # it waits before the planner is called
        approved = cli("resume", "yes", "--yes", "--json", **env)
        assert approved.code == 0, approved.stderr
        assert FALCON_QUESTION in last_message(server.calls_for("orchestrator")[0])
        assert [e.get("decision") for e in approved.json()["guardrails"]] == ["approve"]
        asked = len(server.requests)

        assert cli("ask", FALCON_QUESTION, "--thread-id", "no", **env).code == 4
        rejected = cli("resume", "no", "--reject", "--json", **env)
        assert rejected.code == 0, rejected.stderr
        assert len(server.requests) == asked  # nothing ran for the rejected question
    assert rejected.json()["answer"] == (
        f"I can't help with this request: blocked by guardrail codename: {FALCON_REASON} "
        "(rejected by the user: rejected from the command line)."
    )
    assert [e.get("decision") for e in rejected.json()["guardrails"]] == ["reject"]


def test_a_bad_guardrail_entry_exits_2_with_file_and_line_before_any_model_call(
    cli: Cli, tmp_path: Path
) -> None:
    team = tmp_path / "team.yaml"
    team.write_text(BAD_ENTRY)
    with ScriptedOpenAIServer(SCRIPT) as server:
        result = cli("ask", EMAIL_QUESTION, ORCHESTRA_TEAM=str(team), **model_env(server))
    assert result.code == 2, result.stderr
    assert f"{team}:3: guardrail 'no-phones': unknown PII type 'phone'" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []


def test_an_edit_at_the_terminal_prompt_replaces_the_question(cli: Cli, tmp_path: Path) -> None:
    team = team_file(tmp_path / "team")
    edited = "How many orders are there?"
    # The answers to the prompt, typed ahead: [e]dit, then the new arguments as JSON.
    typed, terminal = pty.openpty()
    os.write(typed, b'e\n{"text": "' + edited.encode() + b'"}\n')
    with ScriptedOpenAIServer(SCRIPT) as server:
        env = {**cli.env, "ORCHESTRA_TEAM": str(team), **model_env(server)}
        try:
            done = subprocess.run(
                cli.command("ask", FALCON_QUESTION, "--json"),
                env=env,
                stdin=terminal,
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            os.close(terminal)
            os.close(typed)
    assert done.returncode == 0, done.stderr
    assert "guardrail:codename: [a]pprove, [e]dit, [r]eject?" in done.stderr
    asked = last_message(server.calls_for("orchestrator")[0])
    assert asked.endswith(f"Current request:\n{edited}"), asked
    assert [r for r in server.requests if "Falcon" in body(r)] == []
    summary = CliResult(done.returncode, done.stdout, done.stderr).json()
    assert [e.get("decision") for e in summary["guardrails"]] == ["edit"]


def test_a_check_that_raises_stops_with_exit_3_on_one_line_and_resume_finishes(
    cli: Cli, tmp_path: Path, isolated_env: Path
) -> None:
    team = team_file(tmp_path / "team", HOUSE_RULES)
    thread = "a-thread-whose-name-is-long-enough-to-wrap-at-eighty-columns"
    with closing(sqlite3.connect(isolated_env / "sample" / "business.db")) as conn:
        orders = conn.execute(COUNT_SQL).fetchone()[0]
    with ScriptedOpenAIServer(SCRIPT) as server:
        # Piped stderr at 80 columns, as in CI or a log: no line is wrapped.
        env = {"ORCHESTRA_TEAM": str(team), "COLUMNS": "80", **model_env(server)}
        stopped = cli(
            "ask", "How many orders are there?", "--thread-id", thread, RULES_BROKEN="1", **env
        )
        assert stopped.code == 3, stopped.stderr
        lines = stopped.stderr.splitlines()
        assert f"the run is saved; continue it with: orchestra resume {thread}" in lines
        [error] = [line for line in lines if line.startswith("error: ")]
        assert error.endswith(
            "guardrail house-rules (python) failed: FileNotFoundError: house-rules.txt"
        )
        asked = len(server.requests)
        done = cli("resume", thread, "--json", **env)
    assert done.code == 0, done.stderr
    assert done.json()["status"] == "done"
    assert f"{orders}" in done.json()["answer"]
    # Nothing is asked again: the answer was written before its check raised.
    assert server.requests[asked:] == []
