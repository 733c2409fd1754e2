"""A real Prometheus serving the backfilled canary history (history.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from tests.canary import history
from tests.conftest import require_tool

from adk_observe.demo.prometheus import PrometheusServer


@pytest.fixture(scope="session")
def canary_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    promtool = require_tool("promtool")
    binary = require_tool("prometheus")
    root = tmp_path_factory.mktemp("canary-tsdb")
    source = root / "history.om"
    source.write_text(history.openmetrics(), encoding="utf-8")
    data = root / "data"
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
        check=True,
        capture_output=True,
    )
    with PrometheusServer(rules={}, targets={}, binary=binary, storage=data) as prom:
        # Ready is not enough: the blocks must be loaded before the first check.
        probe = f'adk_agent_requests_total{{job="{history.JOB}"}}'
        prom.wait_until(
            lambda: prom.api("query", query=probe, time=str(history.END))["result"],
            30,
            "the backfilled blocks to load",
        )
        yield prom
