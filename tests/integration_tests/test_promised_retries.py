"""README's failure semantics through `orchestra`: what is retried, what is not, what stops."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from graph.testing import answer, call, plan, step
from tests.integration_tests.conftest import REPO, Cli, model_env, wait_for
from tests.integration_tests.scripts import echo_reports, echo_tool
from tests.integration_tests.studio import COUNT_SQL
from tests.servers.catalog_mcp import CATALOG
from tests.servers.openai_server import ScriptedOpenAIServer

QUESTION = "How many orders are there?"


def count_script() -> dict[str, Any]:
    return {
        "orchestrator": [plan(step("count", "sql_analyst", "Count the orders.")), echo_reports],
        "sql_analyst": [call("run_sql", query=COUNT_SQL), echo_tool],
    }


def orders(home: Path) -> int:
    return int(sqlite3.connect(home / "sample" / "business.db").execute(COUNT_SQL).fetchone()[0])


def statuses(server: ScriptedOpenAIServer, role: str) -> list[Any]:
    return [r["status"] for r in server.calls_for(role)]


def test_a_dropped_model_connection_is_retried_on_that_call_alone(
    cli: Cli, isolated_env: Path
) -> None:
    dropped: list[str] = []

    def drop_first(role: str, step_id: str) -> bool:
        # The connection closes with no answer, once: the client sees it dropped.
        if role == "sql_analyst" and not dropped:
            dropped.append(step_id)
            return True
        return False

    with ScriptedOpenAIServer(count_script()) as server:
        server.on_request = drop_first
        result = cli("ask", QUESTION, "--json", **model_env(server))
        assert statuses(server, "sql_analyst") == ["dropped", 200, 200]
        assert statuses(server, "orchestrator") == [200, 200]
        assert server.repeats == []
    assert result.code == 0, result.stderr
    [count] = result.json()["steps"]
    assert (count["status"], count["attempts"], count["model_attempts"]) == ("done", 1, 3)
    assert f"Found: orders\n{orders(isolated_env)}" in result.json()["answer"]


@pytest.mark.parametrize("status", [400, 422])
def test_a_validation_error_from_the_model_is_never_retried(cli: Cli, status: int) -> None:
    script = count_script()
    script["sql_analyst"] = [{"status": status, "message": "messages[1]: invalid content"}]
    with ScriptedOpenAIServer(script) as server:
        env = {**model_env(server), "ORCHESTRA_MAX_REPLANS": "0"}
        result = cli("ask", QUESTION, "--json", **env)
        assert statuses(server, "sql_analyst") == [status]
    assert result.code == 0, result.stderr
    [count] = result.json()["steps"]
    assert (count["status"], count["attempts"], count["model_attempts"]) == ("failed", 1, 1)
    assert f"Error code: {status}" in count["error"]
    assert "messages[1]: invalid content" in count["error"]


# The catalog MCP server over streamable HTTP, answering its first tool call with a 500.
FLAKY_MCP = f"""import sys
sys.path.insert(0, {str(REPO)!r})
import uvicorn
from tests.servers.catalog_mcp import catalog_server

port, log = int(sys.argv[1]), sys.argv[2]
app = catalog_server(port).streamable_http_app()
faults = [500]


async def flaky(scope, receive, send):
    if scope["type"] != "http" or scope["method"] != "POST":
        return await app(scope, receive, send)
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    if b'"tools/call"' in body:
        status = faults.pop(0) if faults else 200
        with open(log, "a") as fh:
            fh.write(f"{{status}}\\n")
        if status != 200:
            await send({{"type": "http.response.start", "status": status, "headers": []}})
            return await send({{"type": "http.response.body", "body": b"scripted fault"}})
    sent = []

    async def replay():
        if sent:
            return await receive()
        sent.append(True)
        return {{"type": "http.request", "body": body, "more_body": False}}

    await app(scope, replay, send)


uvicorn.run(flaky, host="127.0.0.1", port=port, log_level="critical")
"""


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_tool_call_meeting_a_5xx_is_retried_alone(cli: Cli, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "flaky_mcp.py").write_text(FLAKY_MCP)
    calls = tmp_path / "tool-calls.log"
    server = subprocess.Popen(
        [sys.executable, str(tmp_path / "flaky_mcp.py"), str(port), str(calls)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    team = tmp_path / "team.yaml"
    team.write_text(
        f"""mcp_servers:
  catalog: {{url: "http://127.0.0.1:{port}/mcp"}}
specialists:
  - name: sku_lookup
    description: Looks up products by SKU in the catalog service.
    prompt: You are sku_lookup. You answer questions about products with the catalog.
    tools: [mcp:catalog/lookup_sku]
"""
    )
    script = {
        "orchestrator": [plan(step("sku", "sku_lookup", "Look up SKU-1.")), echo_reports],
        "sku_lookup": [call("lookup_sku", sku="SKU-1"), echo_tool],
    }
    try:
        wait_for(lambda: listening(port), timeout=30)
        with ScriptedOpenAIServer(script) as model:
            env = {"ORCHESTRA_TEAM": str(team), **model_env(model)}
            result = cli("ask", "What is SKU-1?", "--json", **env)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.code == 0, result.stderr
    assert calls.read_text().split() == ["500", "200"]
    [sku] = result.json()["steps"]
    # One tool call in the step, retried where it failed: the model was not asked again.
    assert (sku["status"], sku["tools"], sku["model_attempts"]) == ("done", ["lookup_sku"], 2)
    assert f"Found: {CATALOG['SKU-1']}" in result.json()["answer"]


def test_an_invalid_plan_twice_stops_with_exit_3_and_resume_goes_on_from_the_plan(
    cli: Cli, isolated_env: Path
) -> None:
    model_fixed: list[bool] = []

    def orchestrator(messages: list[BaseMessage]) -> dict[str, Any]:
        if "finalizer" in messages[0].text:
            return echo_reports(messages)
        if not model_fixed:
            return plan(step("stars", "astrologer", "Read the orders in the stars."))
        return plan(step("count", "sql_analyst", "Count the orders."))

    script = {**count_script(), "orchestrator": orchestrator}
    with ScriptedOpenAIServer(script) as server:
        env = model_env(server)
        stopped = cli("ask", QUESTION, "--thread-id", "bad-plan", **env)
        assert stopped.code == 3, stopped.stderr
        assert (
            "error: PlanError: the orchestrator's plan is invalid: step 'stars' names unknown "
            "specialist 'astrologer'" in " ".join(stopped.stderr.split())
        )
        assert "orchestra resume bad-plan" in stopped.stderr
        # Planned once, sent back once with the error; no specialist ran.
        plans = server.calls_for("orchestrator")
        assert len(plans) == 2 and server.calls_for("sql_analyst") == []
        last = plans[1]["request"]["messages"][-1]["content"]
        assert "Your previous plan was invalid" in last
        model_fixed.append(True)
        resumed = cli("resume", "bad-plan", "--json", **env)
        again = server.calls_for("orchestrator")[2]["request"]["messages"][-1]["content"]
    assert resumed.code == 0, resumed.stderr
    # The plan node ran again from its checkpoint: the same request, the error still in it.
    assert again == last
    assert f"Found: orders\n{orders(isolated_env)}" in resumed.json()["answer"]
    assert [s["status"] for s in resumed.json()["steps"]] == ["done"]


def slow(reply: Any) -> Any:
    """Return the reply, answered a second late: a step that takes time."""
    return lambda messages: {**reply(messages), "delay": 1}


@pytest.mark.parametrize(
    "setting, said",
    [
        ("ORCHESTRA_MAX_RUN_TOKENS=1", "the turn's token budget of 1 is spent"),
        ("ORCHESTRA_MAX_TURN_SECONDS=0.5", "the turn's time budget of 0.5s is spent"),
    ],
    ids=["tokens", "seconds"],
)
def test_a_spent_turn_budget_starts_no_new_step_and_the_answer_says_which(
    cli: Cli, setting: str, said: str
) -> None:
    script = {
        "orchestrator": [
            plan(
                step("count", "sql_analyst", "Count the orders."),
                step("policy", "doc_researcher", "Find the returns policy.", "count"),
            ),
            echo_reports,
        ],
        "sql_analyst": [call("run_sql", query=COUNT_SQL), echo_tool],
        "doc_researcher": [answer("The policy.")],
    }
    name, value = setting.split("=")
    if name == "ORCHESTRA_MAX_TURN_SECONDS":
        script["sql_analyst"][-1] = slow(echo_tool)
    with ScriptedOpenAIServer(script) as server:
        result = cli("ask", QUESTION, "--json", **model_env(server), **{name: value})
        assert server.calls_for("doc_researcher") == []
    assert result.code == 0, result.stderr
    out = result.json()
    assert {s["id"]: s["status"] for s in out["steps"]} == {"count": "done", "policy": "waiting"}
    assert f"stopped: {said}" in out["answer"] and "finished: count" in out["answer"]
