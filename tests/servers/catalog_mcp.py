"""A real MCP server over stdio for the tests: a product catalog with one lookup tool."""

from __future__ import annotations

from mcp.server.fastmcp import FastMCP

CATALOG = {"SKU-1": "Summit Tent, 2 person, 249.00", "SKU-2": "Ridge Stove, 89.00"}

server = FastMCP("catalog", log_level="WARNING")


@server.tool()
def lookup_sku(sku: str) -> str:
    """Look up a product of the catalog by its SKU."""
    return CATALOG.get(sku, f"no product {sku}")


if __name__ == "__main__":
    server.run()
