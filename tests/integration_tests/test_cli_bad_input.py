"""Bad input never gives a traceback: a one-line message and exit code 2.

The entry point runs in process (`cli_here`); one case runs the real command in a subprocess,
so the exit code a shell sees is pinned too.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.integration_tests.conftest import Cli, CliResult, InProcessCli


def one_line_error(result: CliResult) -> str:
    assert result.code == 2, (result.code, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    assert len(errors) == 1, result.stderr
    return errors[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("question", ["", "   \n\t "], ids=["empty", "whitespace"])
def test_empty_question_is_refused(cli_here: InProcessCli, question: str) -> None:
    assert "question is empty" in one_line_error(cli_here("ask", question))


def test_oversized_question_is_refused(cli_here: InProcessCli) -> None:
    assert "limit is 8000" in one_line_error(cli_here("ask", "x" * 9000))


@pytest.mark.parametrize("command", ["resume", "show", "history"])
def test_unknown_thread_is_refused(cli_here: InProcessCli, command: str) -> None:
    assert cli_here("threads").code == 0  # the store exists, the thread does not
    assert "unknown thread 'nope-123'" in one_line_error(cli_here(command, "nope-123"))


def test_unknown_model_provider_is_refused(cli_here: InProcessCli) -> None:
    line = one_line_error(cli_here("ask", "hello?", ORCHESTRA_MODEL="nosuchprovider:model-x"))
    assert "unknown model provider 'nosuchprovider'" in line


def test_model_without_provider_is_refused(cli_here: InProcessCli) -> None:
    assert "provider:model" in one_line_error(cli_here("ask", "hello?", ORCHESTRA_MODEL="gpt-4"))


def test_missing_model_is_refused(cli_here: InProcessCli) -> None:
    assert "no model configured" in one_line_error(cli_here("ask", "hello?"))


def test_missing_api_key_is_refused(cli_here: InProcessCli) -> None:
    assert "OPENAI_API_KEY is not set" in one_line_error(
        cli_here("ask", "hello?", ORCHESTRA_MODEL="openai:gpt-4.1-mini")
    )


def test_unreachable_model_server_is_refused_and_the_run_is_kept(cli: Cli) -> None:
    # The real command, in a subprocess: exit 2 as a shell sees it.
    env = {
        "ORCHESTRA_MODEL": "openai:gpt-4.1-mini",
        "OPENAI_API_KEY": "sk-test-unreachable-000000",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{closed_port()}/v1",
    }
    result = cli("ask", "hello?", "--thread-id", "t-unreach", **env)
    assert "cannot reach the model server at http://127.0.0.1:" in one_line_error(result)
    assert "orchestra resume t-unreach" in result.stderr
    show = cli("show", "t-unreach", "--json")
    assert show.code == 0 and show.json()["stopped_at"] == ["plan"]


def test_bad_checkpointer_url_is_refused(cli_here: InProcessCli) -> None:
    line = one_line_error(cli_here("threads", ORCHESTRA_CHECKPOINTER="redis://u:secret@localhost"))
    assert "ORCHESTRA_CHECKPOINTER: must be sqlite:///path" in line and "secret" not in line


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("ORCHESTRA_REDACT_PATTERNS", "(", "'(' is not a regular expression"),
        ("ORCHESTRA_HOME", "{file}/home", "is a file, not a folder"),
        ("ORCHESTRA_MAX_STEPS", "many", "expected a number"),
        ("ORCHESTRA_REVIEW_PLAN", "perhaps", "expected true or false"),
    ],
)
def test_every_setting_is_checked_at_start_up(
    cli_here: InProcessCli, tmp_path: Path, variable: str, value: str, says: str
) -> None:
    (tmp_path / "file").write_text("not a folder")
    env = {variable: value.format(file=tmp_path / "file"), "ORCHESTRA_MODEL": "openai:x"}
    line = one_line_error(cli_here("ask", "hello?", **env))
    assert line.startswith(f"orchestra: error: {variable}: ") and says in line


@pytest.mark.parametrize("command", ["resume", "show", "history"])
def test_a_thread_id_that_is_a_path_is_refused(cli_here: InProcessCli, command: str) -> None:
    result = cli_here(command, "../../etc")
    assert result.code == 2 and "must be 1-128 letters" in result.stderr
    assert "must be 1-128 letters" in one_line_error(cli_here("ask", "hi", "--thread-id", "a/../b"))


def test_usage_error_from_argparse_exits_2(cli_here: InProcessCli) -> None:
    result = cli_here("resume")
    assert result.code == 2 and "Traceback" not in result.stderr
