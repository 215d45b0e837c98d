"""`orchestra ask --json` as a subprocess against a scripted OpenAI-compatible server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.integration_tests.conftest import Cli, model_env
from tests.integration_tests.scripts import NORTH_SECTION, ORDERS_2025_SQL, sql_and_docs
from tests.servers.openai_server import ScriptedOpenAIServer
from tests.servers.openai_wire import usage_of as usage


@pytest.mark.parametrize("streamed", [False, True], ids=["non-streamed", "streamed"])
def test_ask_json_runs_the_team_through_the_real_openai_client(
    cli: Cli, isolated_env: Path, streamed: bool
) -> None:
    with ScriptedOpenAIServer(sql_and_docs()) as server:
        args = ["ask", "How many orders in 2025, and what is North's returns policy?", "--json"]
        result = cli(*args, *(["--stream"] if streamed else []), **model_env(server))
        requests = server.requests
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.json()
    assert out["status"] == "done"
    assert {(s["id"], s["specialist"], s["status"]) for s in out["steps"]} == {
        ("orders", "sql_analyst", "done"),
        ("policy", "doc_researcher", "done"),
    }
    assert all(s["attempts"] == 1 for s in out["steps"])
    db = isolated_env / "sample" / "business.db"
    expected = sqlite3.connect(db).execute(ORDERS_2025_SQL).fetchone()[0]
    # The SQL step's report as the answer quotes it: the column, then the database's count.
    assert f"Found: orders_2025\n{expected}\n" in out["answer"]
    assert NORTH_SECTION in out["answer"]
    # usage in the ledger is what the server billed, call by call
    served = [r for r in requests if r["status"] == 200]
    assert out["usage"]["llm_calls"] == len(served) == 7
    billed = sum(usage(r["request"], "", [])["prompt_tokens"] for r in served)
    assert out["usage"]["input_tokens"] == billed
    # The answer streams; specialists' calls run outside the message stream altogether.
    assert requests[-1]["role"] == "orchestrator" and requests[-1]["stream"] == streamed
    assert not any(r["stream"] for r in requests if r["role"] != "orchestrator")
    sql_requests = [r for r in requests if r["role"] == "sql_analyst"]
    for request in sql_requests:
        offered = {t["function"]["name"] for t in request["request"]["tools"]}
        assert offered == {"list_tables", "describe_table", "run_sql"}


def test_progress_shows_the_plan_and_each_step_state(cli: Cli) -> None:
    with ScriptedOpenAIServer(sql_and_docs()) as server:
        result = cli("ask", "Orders in 2025 and North's policy?", **model_env(server))
    assert result.code == 0, result.stderr
    assert "plan (turn 1):" in result.stderr
    assert "orders sql_analyst: Count the orders placed in 2025." in result.stderr
    for line in ("running orders sql_analyst", "done orders sql_analyst", "done policy"):
        assert line in " ".join(result.stderr.split())
    assert "Answer from the team." in result.stdout
