"""`adk-observe lint`: table tests whose names say what is caught, plus the CLI."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from adk_observe import conventions as c
from adk_observe.checks.lint import (
    SCRAPE_LABELS,
    Finding,
    check_dashboard,
    check_expr,
    known_series,
    lint_service,
    spec_series,
    target_labels,
)
from adk_observe.cli import dashboards as command
from adk_observe.cli import main
from adk_observe.dashboards import dashboard_files
from adk_observe.loader.load import load_specs
from adk_observe.rules.compile import compile_service

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "examples" / "support-agent.yaml"
CUSTOM = ROOT / "tests" / "golden" / "dashboards-custom-sli" / "spec.yaml"
KNOWN = frozenset({"adk_agent_requests_total", "adk_agent_request_duration_seconds_bucket",
                   "slo:sli_error:ratio_rate5m", "up"})
W = "here"

CASES = [
    ("a catalogue metric with its own labels passes",
     'sum by (agent_id) (rate(adk_agent_requests_total{job="x",status_code="500"}[5m]))', []),
    ("a recorded series passes", 'slo:sli_error:ratio_rate5m{service="s",slo="x"} / 0.001', []),
    ("an unknown metric is named",
     "rate(adk_agent_request_total[5m])",
     ["queries adk_agent_request_total, which the instrumentation does not emit and the "
      "generated rules do not record"]),
    ("a metric selected by __name__ is checked too",
     '{__name__="nope_total"}',
     ["queries nope_total, which the instrumentation does not emit and the generated rules "
      "do not record"]),
    ("a selector without a metric name is refused", '{job="x"}',
     ["selects series without a metric name"]),
    ("a label the metric lacks is named",
     'adk_agent_requests_total{tool="x"}', ["adk_agent_requests_total has no label 'tool'"]),
    ("le is a label of buckets only",
     'adk_agent_requests_total{le="1"} + on() adk_agent_request_duration_seconds_bucket{le="1"}',
     ["adk_agent_requests_total has no label 'le'"]),
    ("grouping by a label the metric lacks is named",
     "sum by (model) (rate(adk_agent_requests_total[5m]))",
     ["groups by 'model', a label adk_agent_requests_total lacks"]),
    ("grouping over external series is not checked", "sum by (whatever) (up)", []),
    ("an expression that does not parse is reported",
     "sum(rate(adk_agent_requests_total[5m])",
     ["does not parse as PromQL: "]),
]


@pytest.mark.parametrize(("expr", "messages"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_check_expr(expr: str, messages: list[str]) -> None:
    found = [f.message for f in check_expr(expr, W, KNOWN)]
    assert len(found) == len(messages)
    for got, want in zip(found, messages, strict=True):
        assert got.startswith(want) if want.endswith(": ") else got == want


def test_labels_of_the_spec_selector_count_as_target_labels() -> None:
    expr = 'adk_agent_requests_total{namespace="shop"}'
    assert check_expr(expr, W, KNOWN) == [
        Finding(W, "adk_agent_requests_total has no label 'namespace'")]
    assert check_expr(expr, W, KNOWN, SCRAPE_LABELS | {"namespace"}) == []


def test_the_example_specs_have_no_findings() -> None:
    for path in (SUPPORT, ROOT / "examples" / "demo-agent.yaml", CUSTOM):
        spec = load_specs([path])[0]
        assert lint_service(spec, compile_service(spec), dashboard_files(spec)) == []


def test_custom_sli_metrics_are_vouched_for_by_the_spec() -> None:
    spec = load_specs([CUSTOM])[0]
    assert spec_series(spec) == {
        "checkout_requests_total", "payment_duration_seconds",
        "payment_duration_seconds_bucket", "payment_duration_seconds_count",
        "queue_rejected_ratio",
    }
    known = known_series(spec, compile_service(spec))
    assert {"slo:sli_errors:rate5m", "ALERTS", "adk_agent_cost_total",
            "adk_agent_llm_call_duration_seconds_sum"} <= known


def _broken(data: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(data)
    bad["panels"][1]["targets"][0]["expr"] = "sum(rate(adk_agent_requestz_total[$__rate_interval]))"
    bad["panels"][2]["targets"][0]["expr"] = "rate(adk_agent_requests_total[$__unknown])"
    return bad


def test_an_unknown_metric_in_a_panel_fails_the_lint() -> None:
    spec = load_specs([SUPPORT])[0]
    groups = compile_service(spec)
    files = dashboard_files(spec)
    data = _broken(files["support-agent-overview.json"])
    # The service deploys a canary: its series carry the `track` target label.
    target = target_labels(spec)
    assert c.LABEL_TRACK in target
    assert check_dashboard("o.json", data, known_series(spec, groups), target) == [
        Finding("o.json panel 101 'Requests by status code, and abandoned turns' A",
                "queries adk_agent_requestz_total, which the instrumentation does not emit and "
                "the generated rules do not record"),
        Finding("o.json panel 102 'Error share (5xx) per agent' A",
                "uses a Grafana variable the lint cannot substitute"),
    ]


def test_lint_command_reports_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(SUPPORT), str(CUSTOM)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == ["support-agent: ok", "checkout-agent: ok"]
    assert out.err == ""


def test_lint_command_fails_and_names_the_panel(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_files(spec: Any) -> dict[str, dict[str, Any]]:
        files = dashboard_files(spec)
        return {n: _broken(d) if n.endswith("overview.json") else d for n, d in files.items()}

    monkeypatch.setattr(command, "dashboard_files", broken_files)
    assert main(["lint", str(SUPPORT)]) == 1
    out = capsys.readouterr()
    assert out.out == "support-agent: 2 problem(s)\n"
    assert out.err.splitlines() == [
        f"{SUPPORT}: support-agent-overview.json panel 101 "
        "'Requests by status code, and abandoned turns' A: queries "
        "adk_agent_requestz_total, which the instrumentation does not emit and the generated "
        "rules do not record",
        f"{SUPPORT}: support-agent-overview.json panel 102 'Error share (5xx) per agent' A: "
        "uses a Grafana variable the lint cannot substitute",
    ]


def test_dashboards_command_refuses_a_bad_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: adk-observe/v1\nkind: AgentService\nmetadata: {name: x}\n"
                   "spec: {slos: []}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["dashboards", str(bad), "-o", str(out)]) == 2
    assert not out.exists()
    assert capsys.readouterr().err.startswith(f"error: {bad}:")


def test_pod_labels_only_for_a_deploy_and_track_only_for_a_canary() -> None:
    canary = load_specs([SUPPORT])[0]
    plain = load_specs([ROOT / "examples" / "demo-agent.yaml"])[0]
    assert (canary.deploy is not None, plain.deploy) == (True, None)
    assert target_labels(canary) == SCRAPE_LABELS | {c.LABEL_NAMESPACE, c.LABEL_POD, c.LABEL_TRACK}
    assert target_labels(plain) == SCRAPE_LABELS
    finding = check_expr('sum by (track) (adk_agent_requests_total{job="demo-agent"})', "q",
                         known_series(plain, compile_service(plain)), target_labels(plain))
    assert [f.message for f in finding] == [
        "groups by 'track', a label adk_agent_requests_total lacks"]


RAW_SLOTH = """\
version: prometheus/v1
service: shop
slos:
  - name: checkout-raw
    objective: 99.9
    sli:
      raw:
        error_ratio_query: |
          sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
          / sum(rate(http_requests_total[{{.window}}]))
    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}
"""
EVENTS_SLO = """\
  - name: checkout-events
    objective: 99
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}
"""


def _rate_panels(path: Path, tmp_path: Path) -> list[str]:
    out = tmp_path / "dash"
    assert main(["dashboards", str(path), "-o", str(out)]) == 0
    text = (out / "shop-slos.json").read_text()
    return [name for name in (c.RECORD_SLI_ERRORS, c.RECORD_SLI_TOTAL) if name in text]


def test_a_service_of_raw_slis_only_gets_no_panel_of_counts_it_never_records(
    tmp_path: Path,
) -> None:
    """A Sloth raw SLI records error ratios only (no slo:sli_errors / slo:sli_total): the SLO
    dashboard's "Error and request rate" panel plotted series that never exist, and `lint`
    failed (exit 1) on every all-raw import. A service with one event SLI keeps the panel."""
    raw = tmp_path / "raw.yaml"
    raw.write_text(RAW_SLOTH)
    assert _rate_panels(raw, tmp_path / "a") == []
    assert main(["lint", str(raw)]) == 0
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(RAW_SLOTH + EVENTS_SLO)
    assert _rate_panels(mixed, tmp_path / "b") == [c.RECORD_SLI_ERRORS, c.RECORD_SLI_TOTAL]
    assert main(["lint", str(mixed)]) == 0
