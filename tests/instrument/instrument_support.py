"""The instrumentation tests' service on the shared harness (tests/telemetry_support.py)."""

from __future__ import annotations

from typing import Any

from tests import telemetry_support
from tests.telemetry_support import Telemetry, reset_state

__all__ = ["PRICES", "Telemetry", "_reset_state", "make_telemetry", "telemetry"]

PRICES = {"gpt-test": (2.0, 8.0)}
_reset_state = reset_state


def make_telemetry(**options: Any) -> Telemetry:
    options.setdefault("prices", PRICES)
    return telemetry_support.make_telemetry("billing-agent", **options)


def telemetry() -> Telemetry:
    return make_telemetry()
