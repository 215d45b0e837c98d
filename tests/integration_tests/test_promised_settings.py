"""README's configuration table through `orchestra`: models per role, checkpointer, data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph.testing import call, plan, step
from tests.integration_tests.conftest import Cli, model_env
from tests.integration_tests.scripts import echo_reports, echo_tool, sql_and_docs
from tests.servers.openai_server import ScriptedOpenAIServer

WIDGET_DOC = """# Widget warranty

## Coverage

Every Sprocket-XJ9 widget carries a seven-year warranty against rust.
"""


def test_each_role_is_served_by_the_model_its_variable_names(cli: Cli) -> None:
    with ScriptedOpenAIServer(sql_and_docs()) as server:
        env = {
            **model_env(server),
            "ORCHESTRA_MODEL": "openai:default-model",
            "ORCHESTRA_MODEL_ORCHESTRATOR": "openai:planner-model",
            "ORCHESTRA_MODEL_SQL_ANALYST": "openai:sql-model",
        }
        result = cli("ask", "Orders in 2025 and North's policy?", "--json", **env)
        served: dict[str, set[str]] = {}
        for request in server.requests:
            served.setdefault(request["role"], set()).add(request["request"]["model"])
    assert result.code == 0, result.stderr
    assert served == {
        "orchestrator": {"planner-model"},
        "sql_analyst": {"sql-model"},
        "doc_researcher": {"default-model"},  # no variable of its own: ORCHESTRA_MODEL
    }


def test_a_memory_checkpointer_runs_the_turn_and_keeps_nothing_after_it(
    cli: Cli, isolated_env: Path
) -> None:
    with ScriptedOpenAIServer(sql_and_docs()) as server:
        env = {**model_env(server), "ORCHESTRA_CHECKPOINTER": "memory"}
        done = cli("ask", "Orders in 2025 and North's policy?", "--thread-id", "mem", **env)
        shown = cli("show", "mem", **env)
    assert done.code == 0, done.stderr
    assert "Answer from the team." in done.stdout
    assert not list(isolated_env.rglob("checkpoints.sqlite*"))
    # The thread lived in the process that ran it.
    assert shown.code == 2
    assert shown.stderr.strip() == "orchestra: error: unknown thread 'mem' (see: orchestra threads)"


@pytest.mark.fresh_home
def test_the_team_reads_the_database_and_the_documents_it_is_pointed_at(
    cli: Cli, isolated_env: Path, tmp_path: Path
) -> None:
    database = tmp_path / "widgets.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE widgets (name TEXT, stock INTEGER)")
        db.executemany("INSERT INTO widgets VALUES (?, ?)", [("Sprocket-XJ9", 41), ("Cog", 7)])
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "widgets.md").write_text(WIDGET_DOC)
    script = {
        "orchestrator": [
            plan(
                step("stock", "sql_analyst", "How many Sprocket-XJ9 are in stock?"),
                step("warranty", "doc_researcher", "What warranty does the widget carry?"),
            ),
            echo_reports,
        ],
        "sql_analyst": [
            call("run_sql", query="SELECT stock FROM widgets WHERE name = 'Sprocket-XJ9'"),
            echo_tool,
        ],
        "doc_researcher": [call("search_docs", query="widget warranty"), echo_tool],
    }
    with ScriptedOpenAIServer(script) as server:
        env = {
            **model_env(server),
            "ORCHESTRA_DATABASE_URL": f"sqlite:///{database}",
            "ORCHESTRA_DOCS_DIR": str(docs),
        }
        result = cli("ask", "Sprocket stock and warranty?", "--json", **env)
    assert result.code == 0, result.stderr
    found = {s["id"]: s["status"] for s in result.json()["steps"]}
    assert found == {"stock": "done", "warranty": "done"}
    answer = result.json()["answer"]
    assert "Found: stock\n41\n" in answer
    assert "- widgets.md § Coverage: Every Sprocket-XJ9 [widget] carries a seven-year" in answer
    # Neither was read from the sample, which was never generated.
    assert not (isolated_env / "sample").exists()
