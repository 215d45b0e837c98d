"""The LangSmith tree of a mixed team: MCP tool calls and the remote server's run inside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.testing import call, plan, step
from tests.integration_tests.conftest import Cli, model_env, wait_for
from tests.integration_tests.scripts import echo_reports, echo_tool
from tests.integration_tests.studio import Studio, catalog_team, tracing_env
from tests.servers.langsmith_server import LangSmithCaptureServer
from tests.servers.openai_server import ScriptedOpenAIServer

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]


def test_mcp_tool_calls_and_the_remote_servers_run_are_in_the_parent_trace(
    cli: Cli, tmp_path: Path, studio: Studio
) -> None:
    # The session's server is the remote, and traces to the same LangSmith stand-in.
    smith = studio.smith
    assert smith is not None
    remote = (
        "  - name: remote_sql\n"
        "    description: Counts on the data team's server.\n"
        f'    remote: {{url: "{studio.url}", graph: sql_analyst}}\n'
    )
    team = catalog_team(tmp_path / "team", remote)
    script = {
        "orchestrator": [
            plan(
                step("sku", "sku_lookup", "Look up SKU-1 in the catalog."),
                step("count", "remote_sql", "Count the orders in the database."),
            ),
            echo_reports,
        ],
        "sku_lookup": [call("lookup_sku", sku="SKU-1"), echo_tool],
    }
    with ScriptedOpenAIServer(script) as model:
        env = {"ORCHESTRA_TEAM": str(team), **model_env(model), **tracing_env(smith)}
        # The remote asks for a key: the SDK sends LANGGRAPH_API_KEY (before LangSmith's).
        env["LANGGRAPH_API_KEY"] = str(studio.api_key)
        result = cli("ask", "SKU-1, and a count.", "--json", **env)
    assert result.code == 0, result.stderr
    out = result.json()
    thread = out["thread_id"]
    [remote_thread] = [s["remote_thread_id"] for s in out["steps"] if s["id"] == "count"]
    [root] = wait_for_root(smith, thread)
    trace = root["trace_id"]
    # The remote server sends its runs on its own schedule: wait for its run of this step.
    [served] = wait_for_runs(smith, "sql_analyst", remote_thread)
    runs = smith.runs
    # The session's LangSmith stand-in holds other tests' runs too: look at this thread's.
    by_name: dict[str, list[dict[str, Any]]] = {}
    for run in runs.values():
        if (run.get("extra") or {}).get("metadata", {}).get("thread_id") == thread:
            by_name.setdefault(run["name"], []).append(run)
    # The MCP tool call is a tool run inside the sku_lookup step, in the run's one trace.
    lookups = by_name["lookup_sku"]
    assert all(r["run_type"] == "tool" and r["trace_id"] == trace for r in lookups)
    [sku_step] = by_name["sku_lookup:sku"]
    assert all(str(sku_step["id"]) in ancestors(runs, r) for r in lookups)
    # The remote step runs in the dispatch node (which calls RemoteGraph), off this run's root...
    [step_run] = [r for r in by_name["dispatch"] if r.get("parent_run_id") == root["id"]]
    # ...and the remote server's run of the step's graph is filed under it: distributed tracing.
    assert served["trace_id"] == trace
    assert str(served["parent_run_id"]) == str(step_run["id"])
    metadata = served["extra"]["metadata"]
    assert (metadata["parent_thread_id"], metadata["parent_step_id"]) == (thread, "1.count")
    # The remote's own runs (its model call, its SQL) are in the caller's trace as well.
    inner = [r for r in runs.values() if str(served["id"]) in ancestors(runs, r)]
    assert {"ChatOpenAI", "run_sql"} <= {r["name"] for r in inner}
    assert all(r["trace_id"] == trace for r in inner)


def ancestors(runs: dict[str, dict[str, Any]], run: dict[str, Any]) -> set[str]:
    """Return the ids of a run's ancestors."""
    found: set[str] = set()
    parent = run.get("parent_run_id")
    while parent and str(parent) in runs and str(parent) not in found:
        found.add(str(parent))
        parent = runs[str(parent)].get("parent_run_id")
    return found


def wait_for_runs(smith: LangSmithCaptureServer, name: str, thread: str) -> list[dict[str, Any]]:
    """Return the finished runs named `name` on a thread, once they have arrived."""

    def found() -> list[dict[str, Any]]:
        return [
            r
            for r in smith.runs.values()
            if r["name"] == name
            and r.get("end_time")
            and (r.get("extra") or {}).get("metadata", {}).get("thread_id") == thread
        ]

    wait_for(lambda: bool(found()))
    return found()


def wait_for_root(smith: LangSmithCaptureServer, thread: str) -> list[dict[str, Any]]:
    """Return the root orchestrator run of a thread's trace, once it has arrived."""

    def roots() -> list[dict[str, Any]]:
        return [
            r
            for r in smith.runs.values()
            if r["name"] == "orchestrator"
            and not r.get("parent_run_id")
            and (r.get("extra") or {}).get("metadata", {}).get("thread_id") == thread
        ]

    wait_for(lambda: bool(roots()))
    return roots()
