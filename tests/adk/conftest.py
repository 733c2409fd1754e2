"""Fixtures for the adk tests (the helpers live in adk_support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import adk_support
import pytest


@pytest.fixture(autouse=True)
def _reset_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from adk_support._reset_state(monkeypatch)


@pytest.fixture
def telemetry() -> adk_support.Telemetry:
    return adk_support.telemetry()


@pytest.fixture
def mcp_command() -> tuple[str, list[str]]:
    return adk_support.mcp_command()
