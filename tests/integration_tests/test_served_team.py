"""`langgraph dev` serving a team file: MCP servers started per run, any specialist alone."""

from __future__ import annotations

import pytest

from tests.integration_tests.studio import Studio
from tests.servers.catalog_mcp import CATALOG

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]


def test_the_server_runs_the_team_file_with_its_mcp_tools_and_serves_a_specialist_alone(
    studio: Studio,
) -> None:
    # The session's server serves a team file: the built-in four and sku_lookup, whose tool
    # comes from the catalog MCP server (stdio), started for each run.
    client = studio.sync_client()
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
