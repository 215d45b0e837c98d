"""MCP servers a team file declares: their connections, and what each one offers."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from state.team_file import McpServer

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
    from langchain_mcp_adapters.client import MultiServerMCPClient

    client = MultiServerMCPClient({name: connection_of(server, folder)})  # type: ignore[dict-item]
    try:
        tools = await asyncio.wait_for(client.get_tools(server_name=name), LIST_TIMEOUT_S)
    except TimeoutError:
        return [], f"no answer within {LIST_TIMEOUT_S:g}s"
    except Exception as exc:  # any failure to start or reach it is what the user must see
        return [], _reason(exc)
    return [t.name for t in tools], ""


def _reason(exc: BaseException) -> str:
    """Return the innermost message of an exception (task groups wrap the real one)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
