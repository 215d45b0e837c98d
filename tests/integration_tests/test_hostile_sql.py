"""A prompt-injected model on a superuser database URL, through the real command."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url

from graph.testing import answer, call, plan, step
from tests.integration_tests.conftest import Cli, model_env
from tests.integration_tests.scripts import echo_tool
from tests.servers.openai_server import ScriptedOpenAIServer
from tools.sample import ensure_sample
from tools.sql_load import drop_postgres_schema, load_sample_into_postgres

pytestmark = pytest.mark.postgres


def test_a_superuser_url_runs_nothing_the_model_asks_outside_the_data(
    cli: Cli, postgres_url: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    schema = "sample"
    load_sample_into_postgres(ensure_sample(tmp_path / "sample"), postgres_url, schema)
    url = make_url(postgres_url).update_query_dict({"options": f"-c search_path={schema}"})
    attack = f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'"
    script = {
        "orchestrator": [plan(step("count", "sql_analyst", "Count the orders.")), answer("done")],
        "sql_analyst": [call("run_sql", query=attack), echo_tool],
    }
    try:
        with ScriptedOpenAIServer(script) as server:
            env = {**model_env(server), "ORCHESTRA_DATABASE_URL": url.render_as_string(False)}
            result = cli("ask", "How many orders?", "--json", **env)
            told = server.calls_for("sql_analyst")[-1]["request"]["messages"][-1]["content"]
        assert result.code == 0, result.stderr
        assert not marker.exists()
        assert "is a superuser or may run programs" in told
        # opted in, the query check still refuses it
        with ScriptedOpenAIServer(script) as server:
            env = {
                **model_env(server),
                "ORCHESTRA_DATABASE_URL": url.render_as_string(False),
                "ORCHESTRA_DATABASE_ALLOW_SUPERUSER": "true",
            }
            result = cli("ask", "How many orders?", "--json", **env)
            told = server.calls_for("sql_analyst")[-1]["request"]["messages"][-1]["content"]
        assert result.code == 0, result.stderr
        assert not marker.exists()
        assert "refused: COPY reaches outside the database's tables" in told
    finally:
        drop_postgres_schema(postgres_url, schema)
