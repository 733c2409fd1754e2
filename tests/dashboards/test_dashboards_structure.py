"""The generated dashboards: schema, identity, layout, variables and the queries themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from adk_observe import conventions as c
from adk_observe.dashboards import dashboard_files
from adk_observe.dashboards.grafana import ref_id
from adk_observe.dashboards.uid import UID_MAX, dashboard_uid
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec
from adk_observe.render import dump_json
from adk_observe.rules.agent_pack import agent_alerts

ROOT = Path(__file__).resolve().parents[2]
SPECS = ["examples/support-agent.yaml", "examples/demo-agent.yaml",
         "tests/golden/dashboards-custom-sli/spec.yaml"]


def _spec(path: str) -> ServiceSpec:
    return load_specs([ROOT / path])[0]


def _all() -> list[tuple[str, dict[str, Any]]]:
    return [(n, d) for p in SPECS for n, d in dashboard_files(_spec(p)).items()]


def _panels(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in data["panels"] if p["type"] != "row"]


DASHBOARDS = _all()
IDS = [name for name, _ in DASHBOARDS]


@pytest.mark.parametrize(("name", "data"), DASHBOARDS, ids=IDS)
def test_every_dashboard_validates_against_the_grafana_schema(
    name: str, data: dict[str, Any], dashboard_schema: dict[str, Any]
) -> None:
    jsonschema.validate(data, dashboard_schema)


@pytest.mark.parametrize(("name", "data"), DASHBOARDS, ids=IDS)
def test_panel_ids_are_unique_and_refids_run_a_b_c(name: str, data: dict[str, Any]) -> None:
    ids = [p["id"] for p in data["panels"]]
    assert len(ids) == len(set(ids))
    for panel in _panels(data):
        assert [t["refId"] for t in panel["targets"]] == [
            ref_id(i) for i in range(len(panel["targets"]))
        ]


@pytest.mark.parametrize(("name", "data"), DASHBOARDS, ids=IDS)
def test_panels_tile_the_grid_without_overlap(name: str, data: dict[str, Any]) -> None:
    taken: set[tuple[int, int]] = set()
    for panel in data["panels"]:
        g = panel["gridPos"]
        assert g["x"] + g["w"] <= 24
        cells = {(x, y) for x in range(g["x"], g["x"] + g["w"])
                 for y in range(g["y"], g["y"] + g["h"])}
        assert not cells & taken, f"panel {panel['id']} overlaps another"
        taken |= cells


@pytest.mark.parametrize(("name", "data"), DASHBOARDS, ids=IDS)
def test_every_panel_uses_the_datasource_variable_a_unit_and_shows_legends(
    name: str, data: dict[str, Any]
) -> None:
    variables = data["templating"]["list"]
    assert variables[0] == {
        "type": "datasource", "name": "datasource", "label": "Data source", "query": "prometheus",
        "skipUrlSync": False, "multi": False, "allowCustomValue": True, "includeAll": False,
        "current": {"text": "Prometheus (adk-observe)", "value": "adk-observe-prometheus"},
    }
    ref = {"type": "prometheus", "uid": "${datasource}"}
    for panel in _panels(data):
        assert panel["datasource"] == ref
        assert all(t["datasource"] == ref for t in panel["targets"])
        assert panel["fieldConfig"]["defaults"]["unit"]
        if panel["type"] == "timeseries":
            assert panel["options"]["legend"]["showLegend"] is True
            assert all(t["legendFormat"] for t in panel["targets"])


def test_output_is_deterministic() -> None:
    def render() -> dict[str, str]:
        spec = _spec("examples/support-agent.yaml")
        return {n: dump_json(d) for n, d in dashboard_files(spec).items()}

    assert render() == render()


def test_overview_panels_in_reading_order() -> None:
    data = dashboard_files(_spec("examples/support-agent.yaml"))["support-agent-overview.json"]
    assert [(p["id"], p["type"], p["title"]) for p in data["panels"]] == [
        (100, "row", "Traffic and errors"),
        (101, "timeseries", "Requests by status code, and abandoned turns"),
        (102, "timeseries", "Error share (5xx) per agent"),
        (103, "timeseries", "Request latency per agent"),
        (104, "timeseries", "Active conversations"),
        # Added after the others (ids keep links stable), read second: what users feel.
        (700, "row", "First token, answer quality and guardrails"),
        (701, "timeseries", "Time to first token per agent"),
        (702, "timeseries", "Failing evaluations by evaluator"),
        (703, "timeseries", "Guardrail decisions by guardrail and decision"),
        (704, "timeseries", "Guardrail block share vs. its last 6h"),
        (200, "row", "LLM calls, tokens and cost"),
        (201, "timeseries", "LLM calls by model and status"),
        (202, "timeseries", "LLM call latency (p95)"),
        (203, "timeseries", "Tokens by model and type"),
        (204, "timeseries", "Cost per hour by model"),
        (300, "row", "Tools and MCP"),
        (301, "timeseries", "Tool calls by tool and status"),
        (302, "timeseries", "Tool failure share"),
        (303, "timeseries", "Tool call latency (p95)"),
        (304, "timeseries", "MCP calls by server, method and status"),
        (305, "timeseries", "MCP errors per second by agent and server"),
        (306, "timeseries", "MCP call latency (p95)"),
        (400, "row", "Quality and resources"),
        (401, "timeseries", "Successful interactions"),
        (402, "timeseries", "User satisfaction"),
        (403, "timeseries", "Cost of the latest interaction"),
        (404, "timeseries", "Memory per instance"),
        (405, "timeseries", "Resident memory growth over 30m"),
        (406, "timeseries", "Targets down by instance"),
        (407, "timeseries", "adk-observe health"),
        (500, "row", "Canary vs stable"),
        (501, "timeseries", "Requests by track"),
        (502, "timeseries", "Error share (5xx) by track"),
        (503, "timeseries", "Request latency p95 by track"),
        (600, "row", "Containers"),
        (601, "timeseries", "CPU used of the limit"),
        (602, "timeseries", "Memory working set of the limit"),
        (603, "timeseries", "Restarts in 15m"),
        (604, "timeseries", "OOM-killed containers"),
    ]


def test_the_container_row_plots_what_the_container_alerts_evaluate() -> None:
    spec = _spec("examples/support-agent.yaml")
    data = dashboard_files(spec)["support-agent-overview.json"]
    panels = {p["id"]: p for p in data["panels"]}
    alerts = {a.alert: a.expr for a in agent_alerts(spec)}
    pairs = {601: c.ALERT_CPU_THROTTLING, 602: c.ALERT_MEMORY_NEAR_LIMIT, 603: c.ALERT_RESTARTS,
             604: c.ALERT_OOM_KILLED}
    for panel_id, alert in pairs.items():
        (target,) = panels[panel_id]["targets"]
        # the alert is the panel's expression compared with the threshold the panel draws
        assert alerts[alert].startswith(target["expr"]), alert
        steps = panels[panel_id]["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert steps[-1]["color"] == "red"
    assert alerts[c.ALERT_CPU_THROTTLING].endswith("> 0.9")
    assert [s["value"] for s in panels[601]["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [
        None, 0.9]


def test_without_a_kubernetes_deploy_there_is_no_container_row() -> None:
    data = dashboard_files(_spec("examples/demo-agent.yaml"))["demo-agent-overview.json"]
    assert "Containers" not in [p["title"] for p in data["panels"] if p["type"] == "row"]


def test_error_share_reads_zero_rather_than_no_data_without_failures() -> None:
    data = dashboard_files(_spec("examples/support-agent.yaml"))["support-agent-overview.json"]
    panel = next(p for p in data["panels"] if p["id"] == 102)
    total = ('sum by (agent_id) (rate(adk_agent_requests_total{job="support-agent",'
             'agent_id=~"$agent_id"}[$__rate_interval]))')
    failed = ('sum by (agent_id) (rate(adk_agent_requests_total{job="support-agent",'
              'agent_id=~"$agent_id",status_code=~"5.."}[$__rate_interval]))')
    assert panel["targets"][0]["expr"] == f"({failed} or {total} * 0)\n/\n{total}"
    assert panel["fieldConfig"]["defaults"]["unit"] == "percentunit"


def test_latency_quantiles_are_per_agent_as_the_alert_evaluates_them() -> None:
    data = dashboard_files(_spec("examples/support-agent.yaml"))["support-agent-overview.json"]
    panel = next(p for p in data["panels"] if p["id"] == 103)
    assert [(t["legendFormat"], t.get("exemplar")) for t in panel["targets"]] == [
        ("p50 {{agent_id}}", True), ("p95 {{agent_id}}", True), ("p99 {{agent_id}}", True)]
    assert panel["targets"][1]["expr"] == (
        "histogram_quantile(0.95, sum by (agent_id, le) (rate("
        'adk_agent_request_duration_seconds_bucket{job="support-agent",agent_id=~"$agent_id"}'
        "[$__rate_interval])))")


def test_every_histogram_quantile_asks_for_exemplars() -> None:
    """The recorder attaches a trace id to every histogram it observes (instrument/metrics.py
    `_observe`), so every quantile query asks Grafana to show them."""
    for _, data in DASHBOARDS:
        for panel in _panels(data):
            for target in panel["targets"]:
                if "histogram_quantile" in target["expr"]:
                    assert target.get("exemplar") is True, (panel["title"], target["refId"])


def test_agent_variable_lists_the_agents_of_the_service() -> None:
    data = dashboard_files(_spec("examples/support-agent.yaml"))["support-agent-overview.json"]
    variable = data["templating"]["list"][1]
    assert (variable["name"], variable["query"], variable["multi"], variable["includeAll"],
            variable["allValue"]) == (
        "agent_id", 'label_values(adk_agent_requests_total{job="support-agent"}, agent_id)',
        True, True, ".*")


def test_custom_selector_is_used_instead_of_the_job() -> None:
    data = dashboard_files(_spec("tests/golden/dashboards-custom-sli/spec.yaml"))
    panel = data["checkout-agent-overview.json"]["panels"][1]
    assert panel["targets"][0]["expr"] == (
        'sum by (status_code) (rate(adk_agent_requests_total{namespace="shop",'
        'app="checkout-agent",agent_id=~"$agent_id"}[$__rate_interval]))')


@pytest.mark.parametrize(
    ("service", "kind", "uid"),
    [
        ("support-agent", "overview", "support-agent-overview"),
        ("a" * 40, "slos", "a" * 31 + "-9a6c3337"),
    ],
    ids=["short names are kept", "long names are cut and get a hash"],
)
def test_dashboard_uid(service: str, kind: str, uid: str) -> None:
    assert dashboard_uid(service, kind) == uid
    assert len(uid) <= UID_MAX
