"""`report` and `gate` on histories backfilled into a real Prometheus, against figures worked out
by hand (in the comments): services whose history does not fill their window.

Each service writes its own raw series (per-minute samples, as a 1m scrape writes them); no rule
ran over them, so the report reads the raw series.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import backfill, require_tool

from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer

pytestmark = pytest.mark.slow

MINUTE, HOUR, DAY = 60, 3600, 86400
END = 1_793_664_000  # 2026-11-03T00:00:00Z
AT = "2026-11-03T00:00:00Z"


def _young() -> Iterator[str]:
    """Born two days ago (a sample a minute from END - 2d to END: 2881 samples), down for the 30
    minutes (END - 1d, END - 1d + 30m]."""
    for t in range(END - 2 * DAY, END + 1, MINUTE):
        up = 0 if END - DAY < t <= END - DAY + 30 * MINUTE else 1
        yield f'up{{job="young",instance="young-0:9464",namespace="ns",pod="young-0"}} {up} {t}'


def _requests(job: str, failed: float, until: int = END) -> Iterator[str]:
    """600 requests a minute, `failed` of them failing, from END - 2d - 2h (before the 2d window
    and its range selectors) to `until`."""
    labels = f'job="{job}",instance="{job}-0:9464",agent_id="a",method="turn",endpoint="agent"'
    for i, t in enumerate(range(END - 2 * DAY - 2 * HOUR, until + 1, MINUTE)):
        yield f'adk_agent_requests_total{{{labels},status_code="200"}} {i * (600 - failed)} {t}'
        yield f'adk_agent_requests_total{{{labels},status_code="500"}} {i * failed} {t}'


def _openmetrics() -> str:
    lines = [
        "# TYPE adk_agent_requests counter",
        *_requests("spent", 6),
        *_requests("quarter", 4.5),
        *_requests("gone", 0.6, until=END - 12 * HOUR),  # its series end 12h before END
        "# TYPE up gauge",
        *_young(),
        "# EOF",
    ]
    return "\n".join(lines) + "\n"


SUCCESS = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: %s}
spec:
  slos:
    - {name: success, objective: 99, window: 2d, sli: {builtin: success}}
  alert_windows:
    page: [{long: 1h, short: 5m, factor: 14.4}]
"""

SPECS = {
    "spent": SUCCESS % "spent",
    "quarter": SUCCESS % "quarter",
    "gone": SUCCESS % "gone",
    "young": """apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: young}
spec:
  slos:
    - {name: availability, objective: 99.9, window: 30d, sli: {builtin: uptime}}
""",
}


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    binary = require_tool("prometheus")
    data = backfill(tmp_path_factory.mktemp("histories"), _openmetrics())
    with PrometheusServer(
        rules={}, targets={}, binary=binary, storage=data, retention="3650d"
    ) as server:
        server.wait_until(
            lambda: server.api("query", query="up", time=str(END))["result"],
            30,
            "the backfilled blocks to load",
        )
        yield server


def _run(
    verb: str, prom: PrometheusServer, tmp_path: Path, name: str, *extra: str
) -> int:
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(SPECS[name])
    return main([verb, str(spec), "--prometheus", prom.url, "--at", AT, *extra])


def _gate(
    prom: PrometheusServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, list[str]]:
    code = _run("gate", prom, tmp_path, *argv)
    return code, capsys.readouterr().out.splitlines()


def test_a_service_younger_than_its_window_spent_only_the_minutes_it_was_down(
    prom: PrometheusServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 99.9% over 30d grants 0.001 x 43,200 = 43.2 minutes. The service was down 30 minutes
    # (30 of its 2881 one-minute samples), so 30 are spent and 1 - 30 / 43.2 = 30.56% is left.
    # Before: the down share of its two days (30 / 2881) was spent over all 30 days:
    # 449.8 minutes, -941.31% left, a change freeze for a service within its budget.
    code, lines = _gate(prom, tmp_path, capsys, "young", "--min-budget", "25")
    assert code == 0, lines
    assert lines == ["PASS young/availability: 30.56% of the 30d budget left, 1h burn 0.00x"]
    _run("report", prom, tmp_path, "young")
    out = capsys.readouterr().out
    assert "budget         30.6% left: 30.0 of 43.2 minutes spent, 13.2 remaining" in out


def test_a_budget_spent_exactly_is_spent_and_a_quarter_left_passes_a_25_percent_minimum(
    prom: PrometheusServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # spent: 6 of 600 requests fail = 1%, the whole 1% budget of 99%: 0 left, burning at
    # 0.01 / 0.01 = 1x; the rules' freeze alert (remaining <= 0) fires, so the gate names it.
    # quarter: 4.5 of 600 = 0.75%: 1 - 0.75 = 25% left (passes --min-budget 25: inclusive),
    # exhausted in 0.25 x 2d / 0.75 = 16h at the 0.75x burn.
    # Before: Prometheus's rates carry a float's rounding, so 25% read 24.999999999999996
    # (FAIL "below the 25% minimum") and 0 left read a hair above 0 ("exhausted in 0s", no
    # freeze named).
    policy = ("--min-budget", "25", "--max-burn", "0.75")
    code, lines = _gate(prom, tmp_path, capsys, "quarter", *policy)
    assert code == 0, lines
    assert lines == [
        "PASS quarter/success: 25.00% of the 2d budget left, 1h burn 0.75x, exhausted in 16h"
    ]
    code, lines = _gate(prom, tmp_path, capsys, "spent", "--min-budget", "0", "--max-burn", "1")
    assert code == 0, lines
    assert lines == [
        "PASS spent/success: 0.00% of the 2d budget left, 1h burn 1.00x "
        "(budget exhausted: change freeze (alert SpentSuccessErrorBudgetExhausted))"
    ]
    _run("report", prom, tmp_path, "spent")
    out = capsys.readouterr().out
    assert "now: the budget is spent: change freeze" in out


def test_a_service_whose_series_are_gone_cannot_pass_a_max_burn(
    prom: PrometheusServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `gone` served 600 requests a minute, 0.6 failing (0.1% of a 1% budget: 90% left), and its
    # series ended 12h ago: nothing was scraped in the last hour, so its 1h burn cannot be
    # shown to be at most 2 (no traffic would be a total of 0; here there is no series).
    # Before: "PASS gone/success: 90.00% of the 2d budget left, 1h burn: no data", exit 0.
    code, lines = _gate(prom, tmp_path, capsys, "gone", "--min-budget", "25", "--max-burn", "2")
    assert code == 4, lines
    assert lines == ["NO DATA gone/success: 1h burn: no series (not scraped, or gone)"]
    # The budget alone (no --max-burn) is read from the 36 hours that have data.
    code, lines = _gate(prom, tmp_path, capsys, "gone", "--min-budget", "25")
    assert code == 0, lines
    assert lines == ["PASS gone/success: 90.00% of the 2d budget left, 1h burn: no data"]
