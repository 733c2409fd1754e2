"""The ADK plugin tests' service on the shared harness (tests/telemetry_support.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests import telemetry_support
from tests.telemetry_support import Telemetry, reset_state

__all__ = ["PRICES", "Telemetry", "_reset_state", "mcp_command", "telemetry"]

MCP_SERVER_SCRIPT = Path(__file__).with_name("mcp_server.py")
PRICES = {"scripted-model": (1.0, 2.0)}
_reset_state = reset_state


def telemetry() -> Telemetry:
    return telemetry_support.make_telemetry("support-agent", prices=PRICES)


def mcp_command() -> tuple[str, list[str]]:
    return sys.executable, [str(MCP_SERVER_SCRIPT)]
