"""Every figure of the report against a real Prometheus holding known histories.

The histories (history.py) are backfilled with promtool; each expected value is computed in the
test from the generated per-minute counts, and the report must agree within 1%. Services named
`*-raw` have no recorded series covering the window, so the report falls back to the raw
counters; the others are read from the recorded `slo:*` series.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.checks.history import DAY, END, HOUR, WINDOW, Service
from tests.checks.history import spec_text as history_spec

from adk_observe.checks.prometheus import PrometheusClient
from adk_observe.checks.report import RAW, RECORDED, SLOReport, build_report
from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer
from adk_observe.loader.load import load_specs

SUCCESS_BUDGET = 0.01  # 99%
UPTIME_BUDGET = 0.005  # 99.5%
BURN_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d")
WINDOW_SECONDS = {"5m": 300, "30m": 1800, "1h": HOUR, "2h": 2 * HOUR, "6h": 6 * HOUR, "1d": DAY}
near = pytest.approx


def _report(prom: PrometheusServer, spec: Path, calendar: bool = False) -> dict[str, SLOReport]:
    specs = load_specs([spec])
    report = build_report(PrometheusClient(prom.url), specs, END, calendar=calendar)
    return {s.name: s for s in report.services[0].slos}


def _check_success(slo: SLOReport, truth: Service) -> None:
    ratio = truth.ratio(END, WINDOW)
    assert ratio is not None
    assert slo.error_ratio == near(ratio, rel=0.01)
    assert slo.sli == near(1 - ratio, rel=0.01)
    left = 1 - ratio / SUCCESS_BUDGET
    assert slo.budget_remaining == near(left, rel=0.01)
    assert slo.budget is not None and slo.budget.unit == "requests"
    requests = truth.requests(END, WINDOW)
    assert slo.budget.total == near(SUCCESS_BUDGET * requests, rel=0.01)
    assert slo.budget.spent == near(ratio * requests, rel=0.01)
    for window in BURN_WINDOWS:
        burn = truth.ratio(END, WINDOW_SECONDS[window])
        assert burn is not None
        assert slo.burn(window) == near(burn / SUCCESS_BUDGET, rel=0.01), window
    burn_1h = truth.ratio(END, HOUR)
    assert burn_1h is not None
    # What is left lasts left * period / burn: at 1x the whole budget lasts the whole period.
    assert slo.exhaustion_seconds == near(left * WINDOW / (burn_1h / SUCCESS_BUDGET), rel=0.01)


@pytest.mark.parametrize("name", ["steady", "steady-raw"])
def test_a_constant_error_ratio_spends_that_share_of_the_budget(
    backfilled: PrometheusServer, specs: dict[str, Path], services: dict[str, Service], name: str
) -> None:
    slo = _report(backfilled, specs[name])["success"]
    assert slo.source == (RECORDED if name == "steady" else RAW)
    _check_success(slo, services[name])
    # By hand: 0.4% of a 1% budget is 40% spent; 10 req/s for 2 days is 1,728,000 requests.
    assert slo.budget_remaining == near(0.6, rel=0.01)
    assert slo.budget is not None
    assert slo.budget.total == near(17_280, rel=0.01)
    assert slo.burn("1h") == near(0.4, rel=0.01)
    assert slo.exhaustion_seconds == near(1.5 * WINDOW, rel=0.01)  # 60% left at 0.4x


@pytest.mark.parametrize("name", ["incident", "incident-raw"])
def test_an_incident_in_the_middle_of_the_window(
    backfilled: PrometheusServer, specs: dict[str, Path], services: dict[str, Service], name: str
) -> None:
    slo = _report(backfilled, specs[name])["success"]
    assert slo.source == (RECORDED if name == "incident" else RAW)
    _check_success(slo, services[name])
    # By hand: 0.1% throughout plus 19.9% more for 2 of 48 hours = 0.9292%.
    assert slo.error_ratio == near(0.001 + 0.199 * 2 / 48, rel=0.01)
    assert slo.budget_remaining == near(1 - 0.009292 / 0.01, rel=0.01)  # 7% left
    # The incident ended 28h ago: outside the 1d window, which reads the 0.1% baseline.
    assert slo.burn("1d") == near(0.1, rel=0.01)


@pytest.mark.parametrize("name", ["incident", "incident-raw"])
def test_an_uptime_slo_counts_minutes_of_downtime(
    backfilled: PrometheusServer, specs: dict[str, Path], services: dict[str, Service], name: str
) -> None:
    slo = _report(backfilled, specs[name])["availability"]
    assert slo.time_based
    down = services[name].down_minutes(END, WINDOW)
    assert down == 30
    assert slo.budget is not None and slo.budget.unit == "minutes"
    # 0.5% of 2 days is 14.4 minutes; 30 were spent: overspent, more than twice over.
    assert slo.budget.total == near(14.4, rel=0.01)
    assert slo.budget.spent == near(30, rel=0.01)
    assert slo.budget_remaining == near(1 - 30 / 14.4, rel=0.01)
    assert slo.error_ratio == near(30 / (2 * 1440), rel=0.01)
    assert slo.burn("1h") == 0
    assert slo.exhaustion_seconds == 0  # already gone


def test_an_uptime_slo_with_no_downtime_keeps_its_budget_and_does_not_burn(
    backfilled: PrometheusServer, specs: dict[str, Path]
) -> None:
    slo = _report(backfilled, specs["steady"])["availability"]
    assert slo.budget is not None
    assert (slo.budget.spent, slo.budget_remaining, slo.error_ratio) == (0, 1, 0)
    assert slo.exhaustion_seconds is None  # not burning: never


@pytest.mark.parametrize("name", ["quiet", "quiet-raw"])
def test_zero_traffic_is_no_data(
    backfilled: PrometheusServer, specs: dict[str, Path], name: str
) -> None:
    slo = _report(backfilled, specs[name])["success"]
    assert slo.error_ratio is None
    assert slo.sli is None
    assert slo.budget is None and slo.budget_remaining is None
    assert slo.exhaustion_seconds is None
    assert all(rate is None for _, rate in slo.burn_rates)


def test_a_calendar_month_grants_the_whole_months_downtime(
    backfilled: PrometheusServer, specs: dict[str, Path], services: dict[str, Service]
) -> None:
    slos = _report(backfilled, specs["incident"], calendar=True)
    up = slos["availability"]
    assert up.window.label == "calendar month 2026-11"
    assert up.budget is not None
    # November has 30 days: 0.5% of 43,200 minutes is 216; 30 were spent in its first 2 days.
    assert up.budget.total == near(216, rel=0.01)
    assert up.budget.spent == near(30, rel=0.01)
    assert up.budget_remaining == near(1 - 30 / 216, rel=0.01)
    # Requests: the budget of what was served so far (the two days since the 1st), not a whole
    # month's worth: 10/s for 2 days is 1,728,000 requests; 1% of them is 17,280 allowed
    # failures, of which 0.929% x 1,728,000 = 16,056 happened.
    success = slos["success"]
    assert success.error_ratio == near(0.001 + 0.199 * 2 / 48, rel=0.01)
    assert success.budget is not None and success.budget.unit == "requests"
    served = services["incident"].requests(END, WINDOW)
    assert served == 1_728_000
    assert success.budget.total == near(SUCCESS_BUDGET * served, rel=0.01)
    assert success.budget.total == near(17_280, rel=0.01)
    assert success.budget.spent == near(16_056, rel=0.01)
    assert success.budget_remaining == near(1 - 16_056 / 17_280, rel=0.01)


def test_firing_alerts_are_listed_per_slo(
    backfilled: PrometheusServer, specs: dict[str, Path]
) -> None:
    steady = _report(backfilled, specs["steady"])
    assert [(f.severity, f.windows) for f in steady["success"].firing] == [("ticket", "1d/2h")]
    assert steady["availability"].firing == ()
    # At 2d, the 1d/2h pair's threshold is 10% x 2d / 1d = 0.2x; 0.4x is over it.
    pair = next(p for p in steady["success"].pairs if p.windows == "1d/2h")
    assert pair.factor == near(0.2, rel=1e-6)
    assert pair.over
    assert not next(p for p in steady["success"].pairs if p.windows == "1h/5m").over


def test_the_json_report_has_the_documented_keys(
    backfilled: PrometheusServer, specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "report",
        str(specs["steady"]),
        str(specs["quiet"]),
        "--prometheus",
        backfilled.url,
        "--at",
        "2026-11-03T00:00:00Z",
        "--format",
        "json",
    ]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in data["services"]] == ["steady", "quiet"]
    success = data["services"][0]["slos"][0]
    assert success["name"] == "success"
    assert success["objective"] == 99
    assert success["window"] == "2d"
    assert success["source"] == "recorded"
    assert success["sli"] == near(0.996, rel=0.01)
    assert success["budget_remaining"] == near(0.6, rel=0.01)
    assert success["burn_rates"]["1h"] == near(0.4, rel=0.01)
    assert success["firing"][0]["windows"] == "1d/2h"
    quiet = data["services"][1]["slos"][0]
    assert quiet["status"] == "no data"
    assert quiet["sli"] is None and quiet["budget_remaining"] is None
    assert "NaN" not in json.dumps(data)


def test_the_markdown_report_is_one_table_per_service(
    backfilled: PrometheusServer,
    specs: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "budget.md"
    argv = [
        "report",
        str(specs["steady"]),
        "--prometheus",
        backfilled.url,
        "--at",
        "2026-11-03T00:00:00Z",
        "--format",
        "markdown",
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ")]
    assert rows[1:] == [
        "| success | 99% | 2d | 99.600% | 60.0% | 6,912.0 of 17,280.0 requests spent | 0.40x "
        "| in 3d | SteadySuccessBudgetBurn ticket 1d/2h | recorded |",
        "| availability | 99.5% | 2d | 100.000% | 100.0% | 0.0 of 14.4 minutes spent | 0.00x "
        "| - | none | recorded |",
    ]


def test_the_recorded_ratios_are_read_by_name(
    backfilled: PrometheusServer, specs: dict[str, Path]
) -> None:
    """steady's SLOs have every window's ratio recorded (history.py), read in one query."""
    from adk_observe.checks import budget_queries as q

    spec = load_specs([specs["steady"]])[0]
    answer = PrometheusClient(backfilled.url).query(q.recorded_ratios(spec, ["1h", "2d"]), END)
    found = sorted((s.labels["slo"], q.window_of(s.labels["__name__"])) for s in answer)
    assert found == [("availability", "2d"), ("success", "1h"), ("success", "2d")]


def test_a_per_group_slo_is_reported_across_its_groups_from_the_raw_counters(
    backfilled: PrometheusServer, services: dict[str, Service], tmp_path: Path
) -> None:
    # One series per group is recorded for a grouped SLO; the report's single figure per SLO is
    # the ratio over all groups, which only the (ungrouped) raw counters give, even where
    # recordings of the SLO cover the window (this history has them for `steady`).
    spec = tmp_path / "grouped.yaml"
    spec.write_text(history_spec(services["steady"]).replace(
        "sli: {builtin: success}}", "sli: {builtin: success}, group_by: [agent_id]}"))
    slo = _report(backfilled, spec)["success"]
    assert slo.source == RAW
    _check_success(slo, services["steady"])
