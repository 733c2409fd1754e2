"""Fixtures of the dashboard tests: golden cases, the Grafana dashboard schema."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "grafana" / "dashboard.v1.schema.json"
UPDATE_OPTION = "--update-golden-dashboards"


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption(UPDATE_OPTION))


@pytest.fixture(scope="session")
def dashboard_schema() -> dict[str, Any]:
    """The strict dashboard schema from ../shared; a missing file fails under CI, skips locally."""
    if not SCHEMA.is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"dashboard schema missing: {SCHEMA}")
        pytest.skip(f"dashboard schema not found at {SCHEMA}")
    data: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, so spec paths (and the generated-by note) are relative."""
    monkeypatch.chdir(ROOT)
    return ROOT
