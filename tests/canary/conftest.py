"""A real Prometheus serving the backfilled canary history (history.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.canary import history
from tests.conftest import backfill, require_tool

from adk_observe.demo.prometheus import PrometheusServer


@pytest.fixture(scope="session")
def canary_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    binary = require_tool("prometheus")
    data = backfill(tmp_path_factory.mktemp("canary-tsdb"), history.openmetrics())
    with PrometheusServer(rules={}, targets={}, binary=binary, storage=data) as prom:
        # Ready is not enough: the blocks must be loaded before the first check.
        probe = f'adk_agent_requests_total{{job="{history.JOB}"}}'
        prom.wait_until(
            lambda: prom.api("query", query=probe, time=str(history.END))["result"],
            30,
            "the backfilled blocks to load",
        )
        yield prom
