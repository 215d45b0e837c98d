"""MCP servers a team file declares: their connections, and what each one offers."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException

from state.team_file import McpServer, mcp_server_of, tool_name

LIST_TIMEOUT_S = 20.0


def connection_of(server: McpServer, folder: Path) -> dict[str, Any]:
    """Return langchain-mcp-adapters' connection for a server declared in a team file.

    A stdio server starts in the team file's folder, so relative paths in its command and
    arguments are relative to the file; the process gets this process's environment plus
    the server's own `env`.
    """
    if server.url:
        return {"transport": "streamable_http", "url": server.url}
    command = server.command or ""
    local = folder / command
    return {
        "transport": "stdio",
        "command": str(local) if "/" in command and local.exists() else command,
        "args": list(server.args),
        "cwd": str(folder),
        "env": {**os.environ, **server.env},
    }


async def list_tools(name: str, server: McpServer, folder: Path) -> tuple[list[str], str]:
    """Return the tool names a server offers, or ([], why it could not be reached)."""
    async with McpToolbox({name: server}, folder) as box:
        return list(box.tools.get(name, {})), box.errors.get(name, "")


@asynccontextmanager
async def server_session(server: McpServer, folder: Path) -> AsyncIterator[Any]:
    """Open an MCP client session to a stdio server, started for it."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    connection = connection_of(server, folder)
    params = StdioServerParameters(
        command=connection["command"],
        args=connection["args"],
        env=connection["env"],
        cwd=connection["cwd"],
    )
    # The server's own log goes to this process's real stderr (a notebook's sys.stderr has
    # no file descriptor for a child process to write to).
    async with stdio_client(params, errlog=sys.__stderr__ or sys.stderr) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


def _reason(exc: BaseException) -> str:
    """Return the innermost message of an exception (task groups wrap the real one)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


class McpToolbox:
    """The tools of a team's MCP servers; each server's session stays open while this is."""

    def __init__(self, servers: Mapping[str, McpServer], folder: Path) -> None:
        self.servers, self.folder = dict(servers), folder
        self.tools: dict[str, dict[str, BaseTool]] = {}
        self.errors: dict[str, str] = {}
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> McpToolbox:
        """Start (or reach) every server; one that fails is recorded, not raised."""
        from langchain_mcp_adapters.tools import load_mcp_tools

        for name, server in self.servers.items():
            try:
                async with asyncio.timeout(LIST_TIMEOUT_S):
                    if server.url:
                        # A session per call over HTTP: a failed request (a 5xx) ends that
                        # call alone, which can be retried, not a session the run shares.
                        connection: Any = connection_of(server, self.folder)
                        found = await load_mcp_tools(None, connection=connection, server_name=name)
                    else:
                        opened = server_session(server, self.folder)
                        session = await self._stack.enter_async_context(opened)
                        found = await load_mcp_tools(session, server_name=name)
            except TimeoutError:
                self.errors[name] = f"no answer within {LIST_TIMEOUT_S:g}s"
            except Exception as exc:  # the steps that need it fail with this reason
                self.errors[name] = _reason(exc)
            else:
                self.tools[name] = {t.name: t for t in found}
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop the stdio servers and close the sessions."""
        await self._stack.aclose()

    def tools_for(self, refs: Sequence[str]) -> tuple[list[BaseTool], str]:
        """Return a specialist's MCP tools, or why it cannot have them (naming the server)."""
        chosen: list[BaseTool] = []
        names = [tool_name(ref) for ref in refs]
        for ref, name in zip(refs, names, strict=True):
            server = mcp_server_of(ref)
            if server is None:
                continue
            if server in self.errors:
                return [], f"MCP server '{server}' is unavailable: {self.errors[server]}"
            found = self.tools.get(server, {}).get(name)
            if found is None:
                return [], f"MCP server '{server}' has no tool '{name}'"
            # A tool keeps its own name; the server's name comes first only on a clash.
            shown = f"{server}_{name}" if names.count(name) > 1 else name
            chosen.append(server_tool(found, server, shown))
        return chosen, ""


def server_tool(tool: BaseTool, server: str, name: str) -> BaseTool:
    """Return an MCP tool under `name` whose failures name its server."""

    async def call(**kwargs: Any) -> Any:
        try:
            return await tool.ainvoke(kwargs)
        except Exception as exc:
            raise ToolException(f"MCP server '{server}': {_reason(exc)}") from exc

    return StructuredTool(
        name=name,
        description=tool.description,
        args_schema=tool.args_schema or {"type": "object", "properties": {}},
        coroutine=call,
        metadata={"mcp_server": server},
    )
