"""README's team file through `orchestra`: a remote that never answers, MCP servers, a lead."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from graph.testing import call, plan, step
from nodes.specialists.team import open_team
from tests.integration_tests.conftest import REPO, Cli, model_env
from tests.integration_tests.scripts import echo_reports, echo_tool
from tests.integration_tests.studio import COUNT_SQL
from tests.servers.catalog_mcp import CATALOG
from tests.servers.openai_server import ScriptedOpenAIServer


class Silent:
    """A loopback server that accepts connections and never answers on them."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:  # closed by the test
                return

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent() -> Iterator[Silent]:
    server = Silent()
    try:
        yield server
    finally:
        server.close()


def test_a_remote_specialist_that_does_not_answer_in_time_fails_its_step(
    cli: Cli, tmp_path: Path, silent: Silent
) -> None:
    url = f"http://127.0.0.1:{silent.port}"
    team = tmp_path / "team.yaml"
    team.write_text(
        f"""specialists:
  - name: remote_docs
    description: Searches the documents of another team's service.
    remote: {{url: "{url}", graph: doc_researcher}}
"""
    )
    script = {
        "orchestrator": [plan(step("far", "remote_docs", "Find the returns policy.")), echo_reports]
    }
    # A remote step may take as long as a local one could: every model turn at its limit.
    limits = {"ORCHESTRA_MODEL_TIMEOUT_S": "1", "ORCHESTRA_SPECIALIST_ITERATIONS": "1"}
    with ScriptedOpenAIServer(script) as server:
        env = {"ORCHESTRA_TEAM": str(team), "ORCHESTRA_MAX_REPLANS": "0", **limits}
        result = cli("ask", "What is the returns policy?", "--json", **env, **model_env(server))
    assert result.code == 0, result.stderr
    assert silent.held, "the remote was never called"
    [far] = result.json()["steps"]
    error = f"remote specialist remote_docs (doc_researcher at {url}): no report within 2s"
    assert (far["status"], far["error"]) == ("failed", error)
    assert error in result.json()["answer"]  # the run still answered, saying what failed


def processes_running(script: Path) -> list[int]:
    """Return the processes whose command line names this script."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if str(script).encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone while we looked
            continue
    return found


# A catalog server that does not exit when its input closes (a worker thread keeps it up),
# as some servers do: only being stopped ends it.
STUBBORN = f"""import sys, threading
sys.path.insert(0, {str(REPO)!r})
from tests.servers.catalog_mcp import catalog_server
threading.Thread(target=threading.Event().wait).start()
catalog_server().run()
"""


@pytest.fixture
def stubborn(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Yield (server script, team file) for sku_lookup on the stubborn catalog server."""
    server_script = tmp_path / "stubborn_catalog_mcp.py"
    server_script.write_text(STUBBORN)
    team = tmp_path / "team.yaml"
    team.write_text(
        f"""mcp_servers:
  catalog: {{command: {sys.executable}, args: [{server_script}]}}
specialists:
  - name: sku_lookup
    description: Looks up products by SKU in the catalog service.
    prompt: You are sku_lookup. You answer questions about products with the catalog.
    tools: [mcp:catalog/lookup_sku]
"""
    )
    try:
        yield server_script, team
    finally:
        for pid in processes_running(server_script):
            os.kill(pid, signal.SIGKILL)


def test_no_mcp_server_a_command_started_outlives_it(cli: Cli, stubborn: tuple[Path, Path]) -> None:
    server_script, team = stubborn
    script = {
        "orchestrator": [plan(step("sku", "sku_lookup", "Look up SKU-1.")), echo_reports],
        "sku_lookup": [call("lookup_sku", sku="SKU-1"), echo_tool],
    }
    during: list[list[int]] = []
    with ScriptedOpenAIServer(script) as server:
        server.on_request = lambda role, _: bool(
            role == "sku_lookup" and during.append(processes_running(server_script))
        )
        env = {"ORCHESTRA_TEAM": str(team), **model_env(server)}
        result = cli("ask", "What is SKU-1?", "--json", **env)
    assert result.code == 0, result.stderr
    assert CATALOG["SKU-1"] in result.json()["answer"]
    assert during and all(len(pids) == 1 for pids in during)  # up while the step ran
    assert processes_running(server_script) == []


def test_open_team_stops_its_mcp_servers_as_it_closes(stubborn: tuple[Path, Path]) -> None:
    server_script, team = stubborn

    async def run() -> tuple[list[int], str, list[int]]:
        async with open_team(team) as specs:
            [lookup] = specs[0].tools
            running = processes_running(server_script)
            found = await lookup.ainvoke({"sku": "SKU-1"})
        # Checked before the event loop ends: stopped by the team, not at interpreter exit.
        return running, str(found), processes_running(server_script)

    running, found, after = asyncio.run(run())
    assert len(running) == 1 and CATALOG["SKU-1"] in found
    assert after == []


def lead_orchestrator(messages: list[BaseMessage]) -> dict[str, Any]:
    """Play both orchestrators: the top one plans for the lead, the lead for its bookkeeper."""
    if "finalizer" in messages[0].text:
        return echo_reports(messages)
    if "Step q:" in messages[-1].text:  # the lead's planner: the step's brief is its question
        return plan(step("a", "bookkeeper", "Count the orders in the books."))
    return plan(step("q", "finance_lead", "How many orders are there?"))


def test_a_team_lead_from_a_team_file_runs_its_own_team_as_one_step(
    cli: Cli, tmp_path: Path, isolated_env: Path
) -> None:
    (tmp_path / "finance.yaml").write_text(
        """specialists:
  - name: bookkeeper
    description: Counts orders in the books.
    prompt: You are bookkeeper. You count with SQL.
    tools: [run_sql]
"""
    )
    team = tmp_path / "team.yaml"
    team.write_text(
        """specialists:
  - name: finance_lead
    description: Leads the finance specialists.
    team: finance.yaml
"""
    )
    script = {
        "orchestrator": lead_orchestrator,
        "bookkeeper": [call("run_sql", query=COUNT_SQL), echo_tool],
    }
    with ScriptedOpenAIServer(script) as server:
        result = cli(
            "ask", "How many orders?", "--json", ORCHESTRA_TEAM=str(team), **model_env(server)
        )
        planned = [
            r["request"]["messages"][-1]["content"] for r in server.calls_for("orchestrator")
        ]
        offered = [
            [t["function"]["name"] for t in r["request"]["tools"]]
            for r in server.calls_for("bookkeeper")
        ]
    assert result.code == 0, result.stderr
    [lead] = result.json()["steps"]
    assert (lead["specialist"], lead["status"], lead["tools"]) == (
        "finance_lead",
        "done",
        ["bookkeeper:1.a"],
    )
    # Its team's files are the step's, in the lead's own thread's folder.
    assert [Path(a).relative_to(isolated_env / "runs").parts[1:] for a in lead["artifacts"]] == [
        ("1.a", "query_1.csv")
    ]
    # Top plan, the lead's plan (asked with the step's brief), the lead's answer, the answer.
    assert len(planned) == 4 and "Step q: How many orders are there?" in planned[1]
    assert offered == [["run_sql"], ["run_sql"]]
    db = sqlite3.connect(isolated_env / "sample" / "business.db")
    assert f"Found: orders\n{db.execute(COUNT_SQL).fetchone()[0]}" in result.json()["answer"]
