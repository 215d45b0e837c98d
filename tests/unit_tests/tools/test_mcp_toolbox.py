"""How MCP tools reach a specialist: their own names, the server's on a clash, errors named."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.tools import StructuredTool, ToolException

from tools.mcp_servers import McpToolbox


def remote_tool(name: str, fails: bool = False) -> StructuredTool:
    async def run(sku: str) -> str:
        if fails:
            raise RuntimeError("connection reset by peer")
        return f"{name}:{sku}"

    return StructuredTool.from_function(coroutine=run, name=name, description="Look up.")


def toolbox() -> McpToolbox:
    box = McpToolbox({}, Path("."))
    box.tools = {
        "catalog": {"lookup": remote_tool("lookup"), "broken": remote_tool("broken", True)},
        "archive": {"lookup": remote_tool("lookup")},
    }
    box.errors = {"down": "ConnectError: All connection attempts failed"}
    return box


def test_a_tool_keeps_its_name_and_gets_the_servers_only_on_a_clash() -> None:
    alone, why = toolbox().tools_for(["mcp:catalog/lookup", "run_sql"])
    assert why == "" and [t.name for t in alone] == ["lookup"]
    both, _ = toolbox().tools_for(["mcp:catalog/lookup", "mcp:archive/lookup"])
    assert [t.name for t in both] == ["catalog_lookup", "archive_lookup"]
    assert asyncio.run(both[1].ainvoke({"sku": "S1"})) == "lookup:S1"


def test_a_missing_server_or_tool_is_the_reason_the_specialist_cannot_run() -> None:
    assert toolbox().tools_for(["mcp:down/lookup"]) == (
        [],
        "MCP server 'down' is unavailable: ConnectError: All connection attempts failed",
    )
    assert toolbox().tools_for(["mcp:catalog/nope"])[1] == "MCP server 'catalog' has no tool 'nope'"


def test_a_failing_call_names_its_server() -> None:
    [broken], _ = toolbox().tools_for(["mcp:catalog/broken"])
    with pytest.raises(ToolException, match="MCP server 'catalog': RuntimeError: connection reset"):
        asyncio.run(broken.ainvoke({"sku": "S1"}))
