"""Fixtures of the alerting tests: amtool, and the example specs loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import require_tool

from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture(scope="session")
def amtool() -> str:
    return require_tool("amtool", "prometheus-alertmanager")


@pytest.fixture(scope="session")
def examples() -> list[ServiceSpec]:
    return load_specs(EXAMPLES)
