"""`langgraph dev` serving the project's langgraph.json, started by the tests themselves."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from langgraph_sdk import get_client, get_sync_client

from deploy.aegra import LaunchError, wait_healthy
from graph.testing import answer, call, plan, step
from tests.integration_tests.scripts import echo_tool
from tests.integration_tests.users import KEYS, client, sync_client
from tests.journey import JOURNEY_SCRIPT, journey
from tests.servers.langsmith_server import LangSmithCaptureServer
from tests.servers.openai_server import ScriptedOpenAIServer

REPO = Path(__file__).resolve().parents[2]
LANGGRAPH = Path(sys.executable).with_name("langgraph")
STARTUP_S = 90
COUNT_SQL = "SELECT COUNT(*) AS orders FROM orders"
# Questions the orchestrator answers with no step (tests of memory on the server).
TALK = ("From now on", "Hello")
CATALOG_SERVER = Path(__file__).parents[1] / "servers" / "catalog_mcp.py"
SKU_LOOKUP = """  - name: sku_lookup
    description: Looks up products by SKU in the catalog service.
    prompt: You are sku_lookup. You answer questions about products with the catalog.
    tools: [mcp:catalog/lookup_sku]
"""


def ask(question: str) -> dict[str, Any]:
    """Return a run's input as a client sends it: one user message."""
    return {"messages": [{"role": "user", "content": question}]}


def catalog_team(folder: Path, *more: str) -> Path:
    """Write a team file: the built-in four, sku_lookup on the catalog MCP server, and `more`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CATALOG_SERVER, folder / "catalog_mcp.py")
    path = folder / "team.yaml"
    path.write_text(
        "extends: builtin\nmcp_servers:\n"
        f"  catalog: {{command: {sys.executable}, args: [catalog_mcp.py]}}\n"
        "specialists:\n" + SKU_LOOKUP + "".join(more)
    )
    return path


def tracing_env(smith: LangSmithCaptureServer, project: str = "orchestra-tests") -> dict[str, str]:
    """Return the environment that traces to the LangSmith stand-in."""
    return {
        "LANGSMITH_TRACING": "true",
        "LANGSMITH_API_KEY": "lsv2_pt_test_0123456789",
        "LANGSMITH_ENDPOINT": smith.url,
        "LANGSMITH_PROJECT": project,
    }


def orchestrate(messages: list[BaseMessage]) -> dict[str, Any]:
    """Play the orchestrator by what it is asked: plan by the question, answer from reports."""
    system, last = messages[0].text, messages[-1].text
    if "journey" in last.lower():
        return journey(messages)
    if "finalizer" in system:
        reports = last.split("Reports:\n", 1)[-1]
        if "sku_lookup" in reports:
            return answer("From the catalog: " + reports)
        numbers = re.findall(r"^\s*(\d+)\s*$", reports, re.MULTILINE)
        found = f"There are {numbers[0]} orders (step count)." if numbers else "Nothing counted."
        return answer(found + (" Step broken failed." if "Status: failed" in reports else ""))
    question = last.split("Current request:\n", 1)[-1]
    if question.startswith(TALK):
        return plan()  # a preference or a greeting: answered with no step
    if "SKU" in question:
        return plan(step("sku", "sku_lookup", "Look up SKU-1 in the catalog."))
    if "broken" in question:
        return plan(step("broken", "sql_analyst", "Count the orders, but the model is down."))
    if "again" in question:
        return plan(step("again", "report_writer", "Write the order count report again."))
    return plan(
        step("count", "sql_analyst", "Count the orders in the database."),
        step("write", "report_writer", "Write a one-line report of the count.", "count"),
    )


def model_down(messages: list[BaseMessage]) -> dict[str, Any]:
    """Fail every call of the step whose model is down."""
    return {"status": 500, "message": "the model is down"}


# Replies chosen by what each request holds, never by how many tests asked before.
SCRIPT: dict[str, Any] = {
    "orchestrator": orchestrate,
    "sql_analyst:count": [call("run_sql", query=COUNT_SQL), echo_tool],
    "sql_analyst:s1": [
        call("list_tables"),
        answer("The database has customers, orders, order_lines, products and returns."),
    ],
    "sql_analyst:broken": model_down,
    "sku_lookup": [call("lookup_sku", sku="SKU-1"), echo_tool],
    "report_writer": [
        call("write_report", title="Order count", body_markdown="The orders were counted."),
        echo_tool,
    ],
    **{key: replies for key, replies in JOURNEY_SCRIPT.items() if key != "orchestrator"},
}


@dataclass
class Studio:
    """A running `langgraph dev` and what the tests look at."""

    url: str
    model: ScriptedOpenAIServer
    log: Path
    cwd: Path
    # The LangSmith stand-in the server traces to, when it traces.
    smith: LangSmithCaptureServer | None = None
    # Whether the server asks for the users' keys (tests/integration_tests/users.py).
    keyed: bool = False

    @property
    def home(self) -> Path:
        """Return the default home: `.orchestra` under the server's working directory."""
        return self.cwd / ".orchestra"

    @property
    def api_key(self) -> str | None:
        """Return the key the tests present (alice's), or None when the server needs none."""
        return KEYS["alice"] if self.keyed else None

    def client(self, user: str = "alice") -> Any:
        """Return a langgraph_sdk client of this server, presenting `user`'s credential."""
        return client(self.url, user) if self.keyed else get_client(url=self.url, api_key=None)

    def sync_client(self, user: str = "alice") -> Any:
        """Return a synchronous client of this server, presenting `user`'s credential."""
        if self.keyed:
            return sync_client(self.url, user)
        return get_sync_client(url=self.url, api_key=None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ok(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    try:
        wait_healthy(url, proc, STARTUP_S, path="/ok", what="langgraph dev")
    except LaunchError as exc:
        pytest.fail(f"{exc}:\n{log.read_text()[-4000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextmanager
def serve(
    folder: Path,
    extra_env: dict[str, str] | None = None,
    smith: LangSmithCaptureServer | None = None,
    script: dict[str, Any] | None = None,
) -> Iterator[Studio]:
    """Serve langgraph.json from `folder` with no ORCHESTRA_HOME: the relative default.

    The scripted model plays `script` (by default SCRIPT, the session server's).
    """
    model = ScriptedOpenAIServer(script or SCRIPT, log_path=folder / "model_requests.jsonl")
    model.start()
    env = {
        "ORCHESTRA_MODEL": "openai:scripted",
        "OPENAI_BASE_URL": model.base_url,
        "OPENAI_API_KEY": "sk-test",
        "LANGSMITH_TRACING": "false",
        **(tracing_env(smith) if smith is not None else {}),
        **(extra_env or {}),
    }
    # The project's graphs, run from a temporary folder (the server keeps its files in the
    # working directory) and with the test's environment instead of a developer's .env.
    config = json.loads((REPO / "langgraph.json").read_text())
    graphs = {name: str(REPO / path) for name, path in config["graphs"].items()}
    config.update(graphs=graphs, dependencies=[str(REPO)], env=env)
    config_path = folder / "langgraph.json"
    config_path.write_text(json.dumps(config))
    port = _free_port()
    log = folder / "langgraph_dev.log"
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRA_")}
    process_env = {
        **inherited,
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
                cwd=folder,
                env=process_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        _wait_ok(url, proc, log)
        yield Studio(url, model, log, folder, smith, keyed="ORCHESTRA_AUTH_KEYS" in env)
    finally:
        if proc is not None:
            _stop(proc)
        model.shutdown()
