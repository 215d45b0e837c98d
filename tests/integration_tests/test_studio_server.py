"""The graphs of langgraph.json, served by `langgraph dev` and driven with langgraph_sdk."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_client

from graph.testing import answer, call, plan, step
from nodes.specialists import SAMPLE_TEAM
from tests.servers.openai_server import ScriptedOpenAIServer

pytestmark = pytest.mark.server

REPO = Path(__file__).resolve().parents[2]
LANGGRAPH = Path(sys.executable).with_name("langgraph")
STARTUP_S = 60
RUN_S = 60
CONTEXT_FIELDS = {"model", "orchestrator_model", "specialist_models", "max_steps", "max_parallel"}


# The orchestrator's run comes first; then sql_analyst runs alone as step s1.
SCRIPT: dict[str, list[Any]] = {
    "orchestrator": [
        plan(
            step("count", "sql_analyst", "Count the orders in the database."),
            step("write", "report_writer", "Write a one-line report of the count.", "count"),
        ),
        answer("The database holds the orders counted by step count; the report is saved."),
    ],
    "sql_analyst:count": [
        call("run_sql", query="SELECT COUNT(*) AS orders FROM orders"),
        answer("Counted the orders with SELECT COUNT(*) FROM orders."),
    ],
    "sql_analyst:s1": [
        call("list_tables"),
        answer("The database has customers, orders, order_lines, products and returns."),
    ],
    "report_writer": [
        call("write_report", title="Order count", body_markdown="The orders were counted."),
        answer("Report written."),
    ],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ok(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"langgraph dev exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/ok", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"langgraph dev did not answer /ok in {STARTUP_S}s:\n{log.read_text()[-4000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@pytest.fixture()
def studio(tmp_path: Path) -> Iterator[tuple[str, ScriptedOpenAIServer]]:
    """Serve the project's langgraph.json with `langgraph dev`, the scripted model behind it."""
    model_server = ScriptedOpenAIServer(SCRIPT, log_path=tmp_path / "model_requests.jsonl")
    model_server.start()
    env = {
        "ORCHESTRA_MODEL": "openai:scripted",
        "OPENAI_BASE_URL": model_server.base_url,
        "OPENAI_API_KEY": "sk-test",
        "ORCHESTRA_HOME": str(tmp_path / "home"),
        "LANGSMITH_TRACING": "false",
    }
    # The project's graphs, run from a temporary folder (the server keeps its files in the
    # working directory) and with the test's environment instead of a developer's .env,
    # whose values the server would let override these.
    config = json.loads((REPO / "langgraph.json").read_text())
    graphs = {name: str(REPO / path) for name, path in config["graphs"].items()}
    config.update(graphs=graphs, dependencies=[str(REPO)], env=env)
    config_path = tmp_path / "langgraph.json"
    config_path.write_text(json.dumps(config))
    port = _free_port()
    log = tmp_path / "langgraph_dev.log"
    process_env = {
        **os.environ,
        **env,
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_NO_VERSION_CHECK": "true",
        "PYTHONUNBUFFERED": "1",
    }
    command = [str(LANGGRAPH), "dev", "--no-browser", "--no-reload", "--config", str(config_path)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    proc: subprocess.Popen[bytes] | None = None
    try:
        with log.open("wb") as out:
            proc = subprocess.Popen(
                command,
                cwd=tmp_path,
                env=process_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        _wait_ok(url, proc, log)
        yield url, model_server
    finally:
        if proc is not None:
            _stop(proc)
        model_server.shutdown()


async def _stream(client: Any, thread_id: str | None, assistant: str, **kwargs: Any) -> list[Any]:
    """Stream one run's updates (subgraphs included) to its end, bounded."""

    async def collect() -> list[Any]:
        return [
            part
            async for part in client.runs.stream(
                thread_id, assistant, stream_mode="updates", stream_subgraphs=True, **kwargs
            )
        ]

    parts = await asyncio.wait_for(collect(), RUN_S)
    errors = [p.data for p in parts if p.event == "error"]
    assert not errors, errors
    return parts


def _nodes(parts: list[Any]) -> set[str]:
    return {node for p in parts if p.event.startswith("updates") for node in p.data}


async def _drive(url: str) -> None:
    client = get_client(url=url)

    # Every graph of langgraph.json is an assistant: the orchestrator and each specialist.
    assistants = await client.assistants.search(limit=50)
    expected = {"orchestrator", *(spec.name for spec in SAMPLE_TEAM)}
    assert {a["graph_id"] for a in assistants} == expected
    ids = {a["graph_id"]: a["assistant_id"] for a in assistants}

    # Models and budgets are the context schema, which Studio renders as editable fields.
    schemas = await client.assistants.get_schemas(ids["orchestrator"])
    assert CONTEXT_FIELDS <= set(schemas["context_schema"]["properties"])
    specialist_schemas = await client.assistants.get_schemas(ids["sql_analyst"])
    assert "brief" in specialist_schemas["input_schema"]["properties"]

    thread = await client.threads.create()
    thread_id = thread["thread_id"]
    question = {"messages": [{"role": "user", "content": "How many orders are there?"}]}
    parts = await _stream(client, thread_id, "orchestrator", input=question)
    assert {"plan", "dispatch", "sql_analyst", "review", "__interrupt__"} <= _nodes(parts)
    assert "finalize" not in _nodes(parts)

    # The run waits for approval of the report file, with plan and reports in the state.
    state = await client.threads.get_state(thread_id)
    ledger, reports = state["values"]["ledger"], state["values"]["reports"]
    assert [(r["id"], r["specialist"]) for r in ledger.values()] == [
        ("count", "sql_analyst"),
        ("write", "report_writer"),
    ]
    assert reports["1.count"]["status"] == "done"
    assert reports["1.count"]["tools_called"][0]["name"] == "run_sql"
    assert state["next"] == ["report_writer"]
    pending = state["interrupts"]
    assert [i["value"]["kind"] for i in pending] == ["approval"]
    assert pending[0]["value"]["tool_calls"][0]["name"] == "write_report"
    history = await client.threads.get_history(thread_id, limit=100)
    assert len(history) >= 4
    assert history[-1]["next"] == ["__start__"]

    # Approving in Studio is a resume command on the same thread.
    resume = {"resume": {i["id"]: {"approved": True} for i in pending}}
    parts = await _stream(client, thread_id, "orchestrator", command=resume)
    assert "finalize" in _nodes(parts)
    state = await client.threads.get_state(thread_id)
    values = state["values"]
    assert state["next"] == [] and not state["interrupts"]
    assert values["status"] == "done"
    assert values["reports"]["1.write"]["status"] == "done"
    assert values["reports"]["1.write"]["artifacts"][0].endswith(".md")
    assert values["messages"][-1]["content"].startswith("The database holds the orders")

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


def test_studio_server_serves_every_graph_and_resumes_an_approval(
    studio: tuple[str, ScriptedOpenAIServer],
) -> None:
    url, model_server = studio
    asyncio.run(_drive(url))
    assert model_server.calls_for("default") == []
    assert len(model_server.calls_for("orchestrator")) == 2
