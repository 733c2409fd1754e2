"""Fixtures of the end-to-end tests: a real Prometheus binary and the demo service spec."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adk_observe.demo.prometheus import find_binary
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec

ROOT = Path(__file__).resolve().parents[2]
DEMO_SPEC = ROOT / "examples" / "demo-agent.yaml"


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    """The `prometheus` on PATH; missing fails under CI=true and skips elsewhere."""
    binary = find_binary()
    if binary is None:
        message = "prometheus is not installed (apt-get install -y prometheus)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binary


@pytest.fixture(scope="session")
def demo_spec() -> ServiceSpec:
    return load_specs([DEMO_SPEC])[0]
