"""The text a person reads: `show`, `history`, `threads`, `team`, and the prompt at a terminal."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

from tests.integration_tests.conftest import Cli, model_env, wait_for
from tests.integration_tests.scripts import sql_and_docs
from tests.integration_tests.test_cli_approval import report_script
from tests.integration_tests.test_team_cli import SERVER, TEAM
from tests.servers.openai_server import ScriptedOpenAIServer

CHECKPOINT_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def lines(text: str) -> list[str]:
    """Return the lines of a rendered tree or table without its drawing characters."""
    return [" ".join(re.sub(r"[│├└─┃┏┓┗┛┡┩┳┻╇━┼┤┬┴]", " ", ln).split()) for ln in text.splitlines()]


def test_show_history_and_threads_print_each_runs_steps_checkpoints_and_threads(
    cli: Cli, isolated_env: Path
) -> None:
    question = "Orders in 2025 and North's policy?"
    with ScriptedOpenAIServer(sql_and_docs()) as server:
        assert cli("ask", question, "--thread-id", "views", **model_env(server)).code == 0
        served = len(server.requests)
    with ScriptedOpenAIServer({"orchestrator": [{"status": 500}]}) as down:
        env = {**model_env(down), "ORCHESTRA_RETRY_ATTEMPTS": "1"}
        assert cli("ask", question, "--thread-id", "down", **env).code == 3
    shown, stopped = cli("show", "views"), cli("show", "down")
    history, threads = cli("history", "views"), cli("threads")

    view = lines(shown.stdout)
    assert view[0].startswith(f"thread views — done · {served} calls · ")
    assert view[1] == "turn 1"
    assert re.fullmatch(
        r"orders sql_analyst done · attempts 1 \(model 2\) · \d+\.\d\ds · \d+ tokens", view[2]
    )
    csv = isolated_env / "runs" / "views" / "1.orders" / "query_1.csv"
    assert view[3:6] == ["Count the orders placed in 2025.", "tools: run_sql", f"artifact: {csv}"]
    assert csv.exists()
    assert re.fullmatch(r"policy doc_researcher done · attempts 1 \(model 3\) · .+", view[6])
    assert view[8:] == [
        "tools: search_docs, read_doc",
        "source: returns-policy.md § Revision 2025-04-01: North returns window cut to 14 days",
    ]
    # Where a run stopped, why, and how to go on.
    said = " ".join(stopped.stdout.split())
    # The planner's failed call is counted, and listed with its error.
    assert said.startswith("thread down — failed · 1 calls · 0+0 tokens └── turn 1")
    assert re.search(r"planner failed \(plan, [\d\-T:.+]+\) · 1 calls · 0 tokens", said)
    assert "1. OpenAIAPIError: Error code: 500 - scripted fault 500 stopped at plan" in said
    assert "stopped at plan: OpenAIAPIError('Error code: 500 - scripted fault 500')" in said
    assert said.endswith("continue with: orchestra resume down")

    with sqlite3.connect(isolated_env / "checkpoints.sqlite") as db:
        saved = db.execute(
            "SELECT checkpoint_id FROM checkpoints WHERE thread_id = 'views' "
            "AND checkpoint_ns = '' ORDER BY checkpoint_id DESC"
        ).fetchall()
    assert CHECKPOINT_ID.findall(history.stdout) == [row[0] for row in saved]
    rows = lines(history.stdout)
    assert rows[1] == "checkpoint step source next created"
    assert rows[-3].split()[1:4] == ["0", "loop", "plan"]  # newest first, the start last
    assert (
        history.stderr.strip() == "fork from one with: orchestra resume views --from CHECKPOINT_ID"
    )
    listed = [row.split() for row in lines(threads.stdout)[3:-1]]
    assert [row[0] for row in listed] == ["down", "views"]  # the latest first


def test_team_prints_each_specialist_and_each_mcp_server_it_asked(cli: Cli, tmp_path: Path) -> None:
    # The team file `team --json` is tested with, its server beside it.
    shutil.copy(SERVER, tmp_path / "catalog_mcp.py")
    team = tmp_path / "team.yaml"
    team.write_text(TEAM)
    result = cli("team", ORCHESTRA_TEAM=str(team))
    assert result.code == 0, result.stderr
    rows = lines(result.stdout)
    assert rows[0] == str(team)
    assert rows[4:10] == [
        "sql_analyst list_tables, describe_table, run_sql local default",
        "doc_researcher search_docs, read_doc local default",
        "data_analyst run_python local default",
        "report_writer write_report local default",
        "sku_lookup mcp:catalog/lookup_sku local, tools from MCP server catalog "
        "openai:gpt-4.1-mini",
        "remote_docs – remote http://127.0.0.1:2025 (graph doc_researcher) default",
    ]
    assert "MCP server catalog (stdio): 1 tools — lookup_sku" in rows
    [closed] = [row for row in rows if row.startswith("MCP server closed")]
    assert closed.startswith("MCP server closed (http): UNREACHABLE — ")


class Terminal:
    """A command run at a pseudo-terminal: what it shows, and a keyboard to answer it."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        # The prompts and progress go to the terminal, the answer to a pipe.
        self.proc = subprocess.Popen(
            argv, env=env, stdin=slave, stderr=slave, stdout=subprocess.PIPE
        )
        os.close(slave)
        self.shown = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:  # the command has exited and closed the terminal
                return
            if not data:
                return
            self.shown += data

    @property
    def screen(self) -> str:
        return ANSI.sub("", bytes(self.shown).decode(errors="replace"))

    def answer(self, prompt: str, typed: str) -> None:
        """Wait until the prompt is on the screen, then type the answer and Enter."""
        try:
            wait_for(lambda: prompt in self.screen, timeout=30)
        except TimeoutError:
            raise AssertionError(f"never asked {prompt!r}; the screen:\n{self.screen}") from None
        os.write(self.master, typed.encode() + b"\n")

    def finish(self) -> tuple[int, str]:
        """Return the exit code and what went to stdout, once the command ends."""
        assert self.proc.stdout is not None
        out = self.proc.stdout.read().decode()
        return self.proc.wait(timeout=60), out

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:  # a test that failed while it waited for a prompt
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.reader.join(timeout=10)
        os.close(self.master)


def test_at_a_terminal_ask_offers_approve_edit_reject_and_runs_the_edited_call(
    cli: Cli, isolated_env: Path
) -> None:
    edited = '{"title": "Edited at the terminal", "body_markdown": "Typed by a person."}'
    with ScriptedOpenAIServer(report_script()) as server:
        argv = cli.command("ask", "Report please", "--thread-id", "tty")
        with Terminal(argv, {**cli.env, **model_env(server)}) as terminal:
            terminal.answer("write_report: [a]pprove, [e]dit, [r]eject? ", "e")
            terminal.answer("new arguments as JSON: ", edited)
            code, out = terminal.finish()
    assert code == 0, terminal.screen
    report = isolated_env / "runs" / "tty" / "report.md"
    assert report.read_text().startswith("# Edited at the terminal\n\nTyped by a person.")
    assert "Report written to" in out
