"""`orchestra team` with a real stdio MCP server, started from the team file's folder."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

from tests.integration_tests.conftest import Cli, wait_for

SERVER = Path(__file__).parents[1] / "servers" / "catalog_mcp.py"

TEAM = f"""extends: builtin
mcp_servers:
  catalog: {{command: {sys.executable}, args: [catalog_mcp.py]}}
  closed: {{url: "http://127.0.0.1:9/mcp"}}
specialists:
  - name: sku_lookup
    description: Looks up products by SKU in the catalog service.
    prompt: You are sku_lookup. You answer questions about products with the catalog.
    tools: [mcp:catalog/lookup_sku]
    model: openai:gpt-4.1-mini
  - name: remote_docs
    description: Searches the documents of another team's service.
    remote: {{url: "http://127.0.0.1:2025", graph: doc_researcher}}
"""


def test_team_lists_specialists_where_they_run_and_asks_each_mcp_server(
    cli: Cli, tmp_path: Path
) -> None:
    # The server's path in the file is relative: it starts in the file's folder.
    folder = tmp_path / "team"
    folder.mkdir()
    shutil.copy(SERVER, folder / "catalog_mcp.py")
    (folder / "team.yaml").write_text(TEAM)
    result = cli("team", "--json", ORCHESTRA_TEAM=str(folder / "team.yaml"))
    assert result.code == 0, result.stderr
    team = result.json()
    by_name = {s["name"]: s for s in team["specialists"]}
    assert list(by_name)[:4] == ["sql_analyst", "doc_researcher", "data_analyst", "report_writer"]
    assert by_name["sql_analyst"]["where"] == "local"
    assert by_name["sku_lookup"]["where"] == "local, tools from MCP server catalog"
    assert by_name["sku_lookup"]["model"] == "openai:gpt-4.1-mini"
    assert by_name["remote_docs"]["remote"] == {
        "url": "http://127.0.0.1:2025",
        "graph": "doc_researcher",
    }
    servers = team["mcp_servers"]
    assert servers["catalog"] == {"transport": "stdio", "reachable": True, "tools": ["lookup_sku"]}
    assert servers["closed"]["reachable"] is False and servers["closed"]["error"]


def test_team_without_a_file_is_the_built_in_four(cli: Cli) -> None:
    result = cli("team", "--json")
    assert result.code == 0, result.stderr
    assert [s["name"] for s in result.json()["specialists"]] == [
        "sql_analyst",
        "doc_researcher",
        "data_analyst",
        "report_writer",
    ]
    assert result.json()["mcp_servers"] == {}


def test_team_reaches_an_mcp_server_over_streamable_http(cli: Cli, tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: listening(port), timeout=30)
        team = tmp_path / "team.yaml"
        team.write_text(
            f"""mcp_servers:
  catalog: {{url: "http://127.0.0.1:{port}/mcp"}}
specialists:
  - name: sku_lookup
    description: Looks up products by SKU.
    prompt: You are sku_lookup.
    tools: [mcp:catalog/lookup_sku]
"""
        )
        result = cli("team", "--json", ORCHESTRA_TEAM=str(team))
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.code == 0, result.stderr
    assert result.json()["mcp_servers"]["catalog"] == {
        "transport": "http",
        "reachable": True,
        "tools": ["lookup_sku"],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
