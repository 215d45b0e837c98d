"""The graphs of langgraph.json, served by `langgraph dev` and driven with langgraph_sdk."""

from __future__ import annotations

import asyncio

import pytest

from nodes.specialists import SAMPLE_TEAM
from tests.integration_tests.studio import Studio

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]

RUN_S = 60
CONTEXT_FIELDS = {"model", "orchestrator_model", "specialist_models", "max_steps", "review_plan"}


async def _drive(studio: Studio) -> None:
    client = studio.client()

    # Every graph of langgraph.json is an assistant: the orchestrator, each built-in
    # specialist, and `specialist` (any specialist of the team file, chosen in its config).
    assistants = await client.assistants.search(limit=50)
    expected = {"orchestrator", "specialist", *(spec.name for spec in SAMPLE_TEAM)}
    assert {a["graph_id"] for a in assistants} == expected

    # Models and budgets are the context schema, which Studio renders as editable fields.
    ids = {a["graph_id"]: a["assistant_id"] for a in assistants}
    schemas = await client.assistants.get_schemas(ids["orchestrator"])
    assert CONTEXT_FIELDS <= set(schemas["context_schema"]["properties"])
    specialist_schemas = await client.assistants.get_schemas(ids["sql_analyst"])
    assert "brief" in specialist_schemas["input_schema"]["properties"]

    # A specialist runs alone from a brief and returns its report.
    brief = {"objective": "List the tables of the database.", "step_id": "s1"}
    output = await asyncio.wait_for(
        client.runs.wait(None, "sql_analyst", input={"brief": brief}), RUN_S
    )
    report = output["reports"]["0.s1"]
    assert report["specialist"] == "sql_analyst"
    assert report["status"] == "done"
    assert report["summary"].startswith("The database has customers")
    assert [t["name"] for t in report["tools_called"]] == ["list_tables"]


def test_studio_serves_every_graph_and_runs_a_specialist_alone(studio: Studio) -> None:
    asyncio.run(_drive(studio))
    assert studio.model.calls_for("default") == []
