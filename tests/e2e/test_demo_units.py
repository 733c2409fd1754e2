"""The demo's pure parts: Prometheus config, polling, the alert timeline, the terminal view."""

from __future__ import annotations

from typing import Any

import pytest

from adk_observe.demo import run
from adk_observe.demo.prometheus import PrometheusError, config, wait_until
from adk_observe.demo.view import AlertStatus, Burn, SLOStatus, Snapshot, collect, render
from adk_observe.model import ServiceSpec


def test_prometheus_config_scrapes_each_job_and_loads_the_rules() -> None:
    assert config({"svc": "127.0.0.1:1234"}, ["svc.rules.yaml"], "2s", "1s") == {
        "global": {"scrape_interval": "2s", "evaluation_interval": "1s", "scrape_timeout": "2s"},
        "rule_files": ["svc.rules.yaml"],
        "scrape_configs": [
            {"job_name": "svc", "static_configs": [{"targets": ["127.0.0.1:1234"]}]},
        ],
    }


def test_wait_until_returns_the_first_truthy_value() -> None:
    answers = iter([[], None, ["x"]])
    assert wait_until(lambda: next(answers), timeout=5, interval=0) == ["x"]


def test_wait_until_times_out_naming_what_it_waited_for() -> None:
    def failing() -> bool:
        raise PrometheusError("connection refused")

    with pytest.raises(PrometheusError, match=r"timed out after 0s waiting for the thing "
                                              r"\(last error: connection refused\)"):
        wait_until(failing, timeout=0, what="the thing", interval=0)


def _alert(state: str, windows: str = "2m/30s", slo: str = "success",
           severity: str = "page") -> AlertStatus:
    return AlertStatus("DemoAgentSuccessBudgetBurn", slo, severity, windows, state)


def test_timeline_records_the_first_page_and_when_the_last_page_resolves() -> None:
    t = run.Timeline(outage_at=40, outage_for=45)
    t.update(10, [])
    t.update(44, [_alert("pending")])
    t.update(46, [_alert("firing"), _alert("firing", "30m/5m", severity="ticket")])
    t.update(70, [_alert("firing"), _alert("firing", "10m/1m"),
                  _alert("firing", "30m/5m", severity="ticket")])
    t.update(80, [_alert("firing", "10m/1m"), _alert("firing", "30m/5m", severity="ticket")])
    assert (t.fired_at, t.resolved_at) == (46, None)
    t.update(90, [_alert("firing", "30m/5m", severity="ticket")])
    assert t.events == [
        "  00:46  FIRING   page alert DemoAgentSuccessBudgetBurn (SLO success 2m/30s)",
        "  00:46  FIRING   ticket alert DemoAgentSuccessBudgetBurn (SLO success 30m/5m)",
        "  01:10  FIRING   page alert DemoAgentSuccessBudgetBurn (SLO success 10m/1m)",
        "  01:20  RESOLVED page alert DemoAgentSuccessBudgetBurn (SLO success 2m/30s)",
        "  01:30  RESOLVED page alert DemoAgentSuccessBudgetBurn (SLO success 10m/1m)",
    ]
    assert (t.fired_at, t.resolved_at, t.succeeded) == (46, 90, True)
    assert t.summary() == ("The success SLO paged at 00:46, 6s after the outage began, and "
                           "resolved at 01:30, 5s after the fault was removed.")


def test_timeline_shows_the_dashboard_link_of_a_firing_alert() -> None:
    t = run.Timeline(outage_at=40, outage_for=45)
    url = "http://localhost:3000/d/demo-agent-slos?var-slo=success&from=now-1h&to=now"
    alert = AlertStatus("DemoAgentSuccessBudgetBurn", "success", "page", "2m/30s", "firing", url)
    t.update(46, [alert])
    t.update(50, [alert])
    assert t.events == [
        "  00:46  FIRING   page alert DemoAgentSuccessBudgetBurn (SLO success 2m/30s)",
        f"         dashboard: {url}",
    ]


def test_timeline_without_a_page_is_not_a_success() -> None:
    t = run.Timeline(outage_at=40, outage_for=45)
    t.update(50, [_alert("firing", slo="latency")])
    assert (t.fired_at, t.succeeded) == (None, False)
    assert t.summary() == "The success SLO's page alert did not fire."
    assert [t.phase(10), t.phase(50), t.phase(90)] == [
        "healthy; outage injected at 00:40",
        "OUTAGE: every model call fails until 01:25",
        "recovered at 01:25; watching the alerts resolve",
    ]


class FakePrometheus:
    def __init__(self, values: dict[str, float]) -> None:
        self.values = values
        self.asked: list[str] = []

    def value(self, expr: str) -> float | None:
        self.asked.append(expr)
        return self.values.get(expr)

    def alerts(self) -> list[dict[str, Any]]:
        return [
            {"labels": {"alertname": "A", "service": "demo-agent", "slo": "success",
                        "severity": "page", "windows": "2m/30s"}, "state": "firing",
             "annotations": {"dashboard_url": "http://g/d/x"}},
            {"labels": {"alertname": "B", "service": "other"}, "state": "firing"},
        ]


def test_collect_reads_the_recorded_series_of_each_slo(demo_spec: ServiceSpec) -> None:
    match = '{service="demo-agent",slo="success"}'
    prom = FakePrometheus({
        f"slo:sli_error:ratio_rate2m{match} / 0.005": 20.0,
        f"slo:sli_error:ratio_rate30s{match} / 0.005": 200.0,
        f"1 - slo:sli_error:ratio_rate5m{match}": 0.9,
        f"slo:error_budget_remaining:ratio{match}": -3.5,
    })
    snapshot = collect(prom, demo_spec)
    success = snapshot.slos[1]
    assert (success.name, success.sli_short, success.budget_left) == ("success", 0.9, -3.5)
    assert success.burns[0] == Burn("page", "2m/30s", 20.0, 200.0, 14.4)
    assert snapshot.alerts == (
        AlertStatus("A", "success", "page", "2m/30s", "firing", "http://g/d/x"),)
    # Per SLO its SLI twice and the budget; per alert pair the rules contain, two burn rates
    # (3 for each of six SLOs + 1: satisfaction pages nobody, so it has only its ticket pair).
    assert len(prom.asked) == 2 + 7 * 3 + 2 * (6 * 3 + 1)
    satisfaction = snapshot.slos[5]
    assert satisfaction.name == "satisfaction" and [b.windows for b in satisfaction.burns] == [
        "30m/5m"]


def test_render_shows_slis_budgets_burn_rates_and_alerts() -> None:
    snapshot = Snapshot(
        5.0, 1.0,
        (SLOStatus("success", 99.5, "30d", 0.9, 0.99, -3.5,
                   (Burn("page", "2m/30s", 20.0, 200.0, 14.4),
                    Burn("ticket", "30m/5m", None, 2.0, 3.0))),),
        (_alert("firing"),),
    )
    assert render(snapshot, ["HEADER"], ["  00:46  something"]) == "\n".join([
        "HEADER",
        "  traffic 5.0 req/s, 5xx 100.0% (last 30s)",
        "",
        "SLOs (read from the recorded slo:* series)",
        "  success       objective 99.5%   SLI 5m 90.00%   SLI 30d 99.00%   budget left -350.0%",
        "    page   2m/30s   burn    20.0x long   200.0x short   fires above 14.4x  FIRING",
        "    ticket 30m/5m   burn      n/a long     2.0x short   fires above 3x",
        "",
        "Alerts (Prometheus /api/v1/alerts)",
        "  FIRING   page alert DemoAgentSuccessBudgetBurn (SLO success 2m/30s)",
        "",
        "Events",
        "  00:46  something",
    ]) + "\n"


def test_demo_exits_2_with_an_install_hint_without_prometheus(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run, "find_binary", lambda: None)
    assert run.main([]) == 2
    assert capsys.readouterr().err == run.INSTALL_HINT + "\n"


def test_demo_refuses_a_non_positive_duration(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run.main(["--duration", "0"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.endswith(
        "error: --duration, --outage-for, --rate and --refresh must be positive\n")
