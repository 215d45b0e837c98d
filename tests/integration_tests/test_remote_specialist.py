"""One plan across a built-in, an MCP-backed and a remote specialist (another langgraph dev)."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from graph.testing import call, plan, step
from tests.integration_tests.conftest import Cli, model_env
from tests.integration_tests.scripts import echo_reports, echo_tool
from tests.integration_tests.studio import COUNT_SQL, Studio
from tests.servers.catalog_mcp import CATALOG
from tests.servers.openai_server import ScriptedOpenAIServer

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]

SERVER = Path(__file__).parents[1] / "servers" / "catalog_mcp.py"


def team_file(folder: Path, remote_url: str) -> Path:
    folder.mkdir()
    shutil.copy(SERVER, folder / "catalog_mcp.py")
    path = folder / "team.yaml"
    path.write_text(
        f"""extends: builtin
mcp_servers:
  catalog: {{command: {sys.executable}, args: [catalog_mcp.py]}}
specialists:
  - name: sku_lookup
    description: Looks up products by SKU in the catalog service.
    prompt: You are sku_lookup. You answer questions about products with the catalog.
    tools: [mcp:catalog/lookup_sku]
  - name: remote_writer
    description: Writes report files on the reporting team's server.
    remote: {{url: "{remote_url}", graph: report_writer}}
"""
    )
    return path


def test_a_plan_across_local_mcp_and_remote_specialists_with_an_approval_on_the_remote(
    cli: Cli, isolated_env: Path, tmp_path: Path, studio: Studio
) -> None:
    team = team_file(tmp_path / "team", studio.url)
    script = {
        "orchestrator": [
            plan(
                step("count", "sql_analyst", "Count the orders in the database."),
                step("sku", "sku_lookup", "Look up SKU-1 in the catalog."),
                step("write", "remote_writer", "Write a one-line report of the count.", "count"),
            ),
            echo_reports,
        ],
        "sql_analyst": [call("run_sql", query=COUNT_SQL), echo_tool],
        "sku_lookup": [call("lookup_sku", sku="SKU-1"), echo_tool],
    }
    thread = "mixed-team"
    with ScriptedOpenAIServer(script) as server:
        # The remote asks for a key: the SDK sends LANGGRAPH_API_KEY as X-Api-Key.
        env = {
            "ORCHESTRA_TEAM": str(team),
            "LANGGRAPH_API_KEY": str(studio.api_key),
            **model_env(server),
        }
        result = cli(
            "ask", "Count, look up, report.", "--json", "--yes", "--thread-id", thread, **env
        )
        shown = cli("show", thread, "--json", **env)
    assert result.code == 0, result.stderr
    steps = {s["id"]: s for s in shown.json()["steps"]}
    assert {k: s["status"] for k, s in steps.items()} == {
        "count": "done",
        "sku": "done",
        "write": "done",
    }
    out = result.json()
    [orders] = sqlite3.connect(isolated_env / "sample" / "business.db").execute(COUNT_SQL)
    # The count step's report as the answer quotes it: the column, then the database's count.
    assert f"Found: orders\n{orders[0]}\n" in out["answer"]
    assert CATALOG["SKU-1"] in out["answer"]
    # The remote step ran on a thread of the other server that names its parent.
    remote_thread = steps["write"]["remote_thread_id"]
    assert remote_thread and steps["count"]["remote_thread_id"] is None
    remote = studio.sync_client()
    metadata = remote.threads.get(remote_thread)["metadata"]
    assert metadata["parent_thread_id"] == thread and metadata["parent_step_id"] == "1.write"
    # The write paused for approval there, was approved here (--yes), and went on there in a
    # second leg that continued the first one's transcript: one report file, two remote legs.
    legs = remote.threads.search(metadata={"parent_thread_id": thread}, limit=10)
    assert len(legs) == 2 and remote_thread in {leg["thread_id"] for leg in legs}
    assert len(list((studio.home / "runs" / thread).glob("report*.md"))) == 1
    assert steps["write"]["attempts"] == 1 and "write_report" in steps["write"]["tools"]


def test_an_unreachable_remote_fails_its_step_and_the_run_still_answers(
    cli: Cli, tmp_path: Path
) -> None:
    team = team_file(tmp_path / "team", "http://127.0.0.1:9")
    script = {
        "orchestrator": [
            plan(step("write", "remote_writer", "Write a one-line report.")),
            plan(),
            {"content": "The report could not be written: the reporting server is down."},
        ],
    }
    with ScriptedOpenAIServer(script) as server:
        env = {"ORCHESTRA_TEAM": str(team), **model_env(server)}
        result = cli("ask", "Write the report.", "--json", "--thread-id", "far", **env)
    assert result.code == 0, result.stderr
    [write] = result.json()["steps"]
    # Failed, then left out of the replan (which plans nothing): a step a replan leaves out
    # that had not finished is "dropped" (plan_request.ledger_updates), its error kept.
    assert write["status"] == "dropped"
    assert "remote specialist remote_writer (report_writer at http://127.0.0.1:9)" in write["error"]
