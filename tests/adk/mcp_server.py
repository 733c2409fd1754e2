"""A local stdio MCP server for the tests: one tool succeeds, one returns an isError result."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

server = MCPServer("inventory")


@server.tool()
def lookup_stock(sku: str) -> str:
    """How many items of `sku` are in stock."""
    return f"{sku}: 7 in stock"


@server.tool()
def reserve_stock(sku: str) -> str:
    """Reserve an item; always fails (the result carries isError)."""
    raise ValueError(f"cannot reserve {sku}")


if __name__ == "__main__":
    server.run("stdio")
