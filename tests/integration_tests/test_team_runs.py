"""A team file at work: a plan across built-in and MCP-backed specialists, and a server down."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

from graph.testing import call, plan, step
from tests.integration_tests.conftest import Cli, model_env
from tests.integration_tests.scripts import ORDERS_2025_SQL, echo_reports, echo_tool
from tests.servers.catalog_mcp import CATALOG
from tests.servers.openai_server import ScriptedOpenAIServer

SERVER = Path(__file__).parents[1] / "servers" / "catalog_mcp.py"
QUESTION = "What is SKU-1, and how many orders were placed in 2025?"


def team_file(folder: Path, catalog: str) -> Path:
    """Write a team file that adds sku_lookup, its tool from the `catalog` MCP server."""
    folder.mkdir(exist_ok=True)
    shutil.copy(SERVER, folder / "catalog_mcp.py")
    path = folder / "team.yaml"
    path.write_text(
        f"""extends: builtin
mcp_servers:
  catalog: {catalog}
specialists:
  - name: sku_lookup
    description: Looks up products by SKU in the catalog service.
    prompt: You are sku_lookup. You answer questions about products with the catalog.
    tools: [mcp:catalog/lookup_sku]
"""
    )
    return path


def both_steps() -> Any:
    return plan(
        step("sku", "sku_lookup", "Look up SKU-1 in the catalog."),
        step("orders", "sql_analyst", "Count the orders placed in 2025."),
    )


def orders_2025(home: Path) -> int:
    db = home / "sample" / "business.db"
    return int(sqlite3.connect(db).execute(ORDERS_2025_SQL).fetchone()[0])


def counted(orders: int) -> str:
    """Return the SQL step's report of the count, as the answer quotes it: column, value."""
    return f"Found: orders_2025\n{orders}\n"


def test_a_plan_runs_a_built_in_and_an_mcp_backed_specialist(
    cli: Cli, isolated_env: Path, tmp_path: Path
) -> None:
    team = team_file(tmp_path / "team", f"{{command: {sys.executable}, args: [catalog_mcp.py]}}")
    script = {
        "orchestrator": [both_steps(), echo_reports],
        "sku_lookup": [call("lookup_sku", sku="SKU-1"), echo_tool],
        "sql_analyst": [call("run_sql", query=ORDERS_2025_SQL), echo_tool],
    }
    with ScriptedOpenAIServer(script) as server:
        result = cli("ask", QUESTION, "--json", ORCHESTRA_TEAM=str(team), **model_env(server))
        requests = server.requests
    assert result.code == 0, result.stderr
    out = result.json()
    assert {(s["id"], s["specialist"], s["status"]) for s in out["steps"]} == {
        ("sku", "sku_lookup", "done"),
        ("orders", "sql_analyst", "done"),
    }
    # The product came from the MCP server's catalog, the count from the database.
    assert CATALOG["SKU-1"] in out["answer"]
    assert counted(orders_2025(isolated_env)) in out["answer"]
    offered = {
        r["role"]: {t["function"]["name"] for t in r["request"].get("tools") or []}
        for r in requests
        if r["role"] in ("sku_lookup", "sql_analyst")
    }
    # Each specialist is offered its own tools: the MCP tool under its own name, and only there.
    assert offered == {
        "sku_lookup": {"lookup_sku"},
        "sql_analyst": {"list_tables", "describe_table", "run_sql"},
    }


def test_an_unreachable_mcp_server_fails_only_its_step_and_the_run_still_answers(
    cli: Cli, isolated_env: Path, tmp_path: Path
) -> None:
    team = team_file(tmp_path / "team", '{url: "http://127.0.0.1:9/mcp"}')
    script = {
        "orchestrator": [
            both_steps(),
            plan(step("orders", "sql_analyst", "Count the orders placed in 2025.")),
            echo_reports,
        ],
        "sql_analyst": [call("run_sql", query=ORDERS_2025_SQL), echo_tool],
    }
    with ScriptedOpenAIServer(script) as server:
        env = {"ORCHESTRA_TEAM": str(team), **model_env(server)}
        result = cli("ask", QUESTION, "--json", "--thread-id", "down", **env)
        shown = cli("show", "down", "--json", **env)
        roles = [r["role"] for r in server.requests]
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    for out in (result.json(), shown.json()):
        steps = {s["id"]: s for s in out["steps"]}
        assert steps["orders"]["status"] == "done"
        # Failed, then left out of the new plan: a step the replan drops that had not
        # finished is "dropped" (plan_request.ledger_updates), and keeps the error naming
        # the server. Both steps ran in one superstep, so review saw both reports at once.
        assert steps["sku"]["status"] == "dropped"
        assert "MCP server 'catalog' is unavailable" in steps["sku"]["error"]
    assert counted(orders_2025(isolated_env)) in result.json()["answer"]
    # What the planner was offered in the turn (a small team: all of it), and how fast.
    [turn] = shown.json()["turns"]
    assert turn["turn"] == 1 and "sku_lookup" in turn["menu"] and turn["menu_ms"] >= 0
    # The step failed before any model call; the planner replanned once.
    assert "sku_lookup" not in roles and roles.count("orchestrator") == 3
