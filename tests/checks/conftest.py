"""A real Prometheus serving backfilled histories (see history.py), shared by the report tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.checks import history
from tests.conftest import backfill, require_tool

from adk_observe.demo.prometheus import PrometheusServer


@pytest.fixture(scope="session")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("specs")
    out = {}
    for service in history.scenarios():
        path = root / f"{service.name}.yaml"
        path.write_text(history.spec_text(service))
        out[service.name] = path
    return out


@pytest.fixture(scope="session")
def services() -> dict[str, history.Service]:
    return {s.name: s for s in history.scenarios()}


@pytest.fixture(scope="session")
def backfilled(
    tmp_path_factory: pytest.TempPathFactory, services: dict[str, history.Service]
) -> Iterator[PrometheusServer]:
    binary = require_tool("prometheus")
    data = backfill(tmp_path_factory.mktemp("tsdb"), history.openmetrics(list(services.values())))
    with PrometheusServer(
        rules={}, targets={}, binary=binary, storage=data, retention="3650d"
    ) as prom:
        # Ready is not enough: the blocks must be loaded (a query at END returns the history).
        end = history.END
        prom.wait_until(
            lambda: prom.api("query", query="up", time=str(end))["result"],
            30,
            "the backfilled blocks to load",
        )
        yield prom
