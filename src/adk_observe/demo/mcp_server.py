"""The demo's MCP server (stdio): an inventory lookup the demo agent calls every turn.

Run by the agent's McpToolset as `python -m adk_observe.demo.mcp_server`.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

SERVER_NAME = "inventory"
server = MCPServer(SERVER_NAME)


@server.tool()
def check_stock(sku: str) -> str:
    """How many items of `sku` are in stock."""
    return f"{sku}: {sum(map(ord, sku)) % 20} in stock"


if __name__ == "__main__":
    server.run("stdio")
