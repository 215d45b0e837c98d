"""A real MCP server for the tests: a product catalog with one lookup tool.

Over stdio by default; `--http PORT` serves streamable HTTP on 127.0.0.1:PORT/mcp instead.
"""

from __future__ import annotations

import sys

from mcp.server.fastmcp import FastMCP

CATALOG = {"SKU-1": "Summit Tent, 2 person, 249.00", "SKU-2": "Ridge Stove, 89.00"}


def catalog_server(port: int = 8000) -> FastMCP:
    """Return the catalog server (FastMCP), listening on `port` if served over HTTP."""
    server = FastMCP("catalog", log_level="WARNING", host="127.0.0.1", port=port)

    @server.tool()
    def lookup_sku(sku: str) -> str:
        """Look up a product of the catalog by its SKU."""
        return CATALOG.get(sku, f"no product {sku}")

    return server


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        catalog_server(int(sys.argv[2])).run(transport="streamable-http")
    else:
        catalog_server().run()
