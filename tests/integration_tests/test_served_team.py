"""`langgraph dev` serving a team file: MCP servers started per run, any specialist alone."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from langgraph_sdk import get_sync_client

from tests.integration_tests.studio import serve
from tests.servers.catalog_mcp import CATALOG

SERVER = Path(__file__).parents[1] / "servers" / "catalog_mcp.py"


def test_the_server_runs_the_team_file_with_its_mcp_tools_and_serves_a_specialist_alone(
    tmp_path: Path,
) -> None:
    team_dir = tmp_path / "team"
    team_dir.mkdir()
    shutil.copy(SERVER, team_dir / "catalog_mcp.py")
    team = team_dir / "team.yaml"
    team.write_text(
        f"""extends: builtin
mcp_servers:
  catalog: {{command: {sys.executable}, args: [catalog_mcp.py]}}
specialists:
  - name: sku_lookup
    description: Looks up products by SKU in the catalog service.
    prompt: You are sku_lookup. You answer questions about products with the catalog.
    tools: [mcp:catalog/lookup_sku]
"""
    )
    folder = tmp_path / "server"
    folder.mkdir()
    with serve(folder, {"ORCHESTRA_TEAM": str(team)}) as server:
        client = get_sync_client(url=server.url)
        thread = client.threads.create()["thread_id"]
        question = {"messages": [{"role": "user", "content": "What is SKU-1?"}]}
        values = client.runs.wait(thread, "orchestrator", input=question)
        assert isinstance(values, dict)
        assert CATALOG["SKU-1"] in values["messages"][-1]["content"]
        assert values["ledger"]["1.sku"]["status"] == "done"
        # The team's specialist, opened alone from a brief, with its MCP tool.
        brief = {"step_key": "0.sku", "step_id": "sku", "objective": "Look up SKU-1."}
        alone = client.runs.wait(
            None,
            "specialist",
            input={"brief": brief},
            config={"configurable": {"specialist": "sku_lookup"}},
        )
        assert isinstance(alone, dict)
        report = alone["reports"]["0.sku"]
        assert report["status"] == "done" and CATALOG["SKU-1"] in report["summary"]
