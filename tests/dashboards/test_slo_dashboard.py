"""The SLO dashboard an on-call engineer opens: summary first, the picked SLO below, links."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adk_observe import runbook_links
from adk_observe.dashboards import dashboard_files
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec

ROOT = Path(__file__).resolve().parents[2]


def _spec(path: str) -> ServiceSpec:
    return load_specs([ROOT / path])[0]


def _files(path: str) -> tuple[ServiceSpec, dict[str, Any], dict[str, Any]]:
    spec = _spec(path)
    files = dashboard_files(spec)
    return spec, files[f"{spec.name}-overview.json"], files[f"{spec.name}-slos.json"]


def _by_title(data: dict[str, Any], title: str) -> dict[str, Any]:
    return next(p for p in data["panels"] if p["title"] == title)


def test_the_summary_table_is_the_first_panel_and_covers_every_slo() -> None:
    spec, _, data = _files("examples/support-agent.yaml")
    first = sorted((p for p in data["panels"] if p["type"] != "row"),
                   key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))[0]
    assert (first["title"], first["type"], first["gridPos"]["y"]) == ("Every SLO", "table", 1)
    exprs = [t["expr"] for t in first["targets"]]
    assert exprs[0] == 'sum by (slo) (slo:objective:ratio{service="support-agent"})'
    # Every SLO of this spec has a 30d period: one selector lists them all.
    assert exprs[1] == (
        "1 - sum by (slo) (slo:sli_error:ratio_rate30d{service=\"support-agent\","
        'slo=~"availability|success|latency|satisfaction"})')
    assert exprs[4] == (
        'count by (slo) (ALERTS{alertstate="firing",service="support-agent",slo!=""})\nor\n'
        'sum by (slo) (slo:objective:ratio{service="support-agent"}) * 0')
    assert all(t["instant"] and t["format"] == "table" for t in first["targets"])
    assert [t["id"] for t in first["transformations"]] == ["merge", "filterFieldsByName",
                                                          "organize"]
    renamed = first["transformations"][2]["options"]["renameByName"]
    assert renamed == {"slo": "SLO", "Value #A": "Objective", "Value #B": "SLI over its window",
                       "Value #C": "Budget remaining", "Value #D": "Burn rate (5m)",
                       "Value #E": "Firing alerts"}
    assert len(spec.slos) == 4


def test_each_summary_row_links_to_the_same_dashboard_on_that_slo() -> None:
    _, _, data = _files("examples/support-agent.yaml")
    table = _by_title(data, "Every SLO")
    override = next(o for o in table["fieldConfig"]["overrides"]
                    if o["matcher"] == {"id": "byName", "options": "SLO"})
    (link,) = override["properties"][0]["value"]
    url = urlsplit(link["url"])
    assert url.path == f"/d/{data['uid']}"
    assert parse_qs(url.query, keep_blank_values=True) == {
        "var-slo": ["${__value.raw}"], "${__url_time_range}": [""],
        "${datasource:queryparam}": [""]}


def test_slo_variable_lists_the_spec_slos_and_starts_on_the_first() -> None:
    spec, _, data = _files("examples/demo-agent.yaml")
    variable = next(v for v in data["templating"]["list"] if v["name"] == "slo")
    names = [s.name for s in spec.slos]
    assert (variable["type"], variable["multi"], variable["includeAll"]) == ("custom", False,
                                                                             False)
    assert [o["value"] for o in variable["options"]] == names
    assert variable["current"]["value"] == names[0]


def test_default_range_is_a_day_and_the_budget_trend_spans_the_period() -> None:
    _, overview, data = _files("tests/golden/dashboards-custom-sli/spec.yaml")
    assert data["time"] == {"from": "now-24h", "to": "now"}
    # The custom-SLI case mixes a 28d and 30d periods: the burn-down shows the longest.
    budget = _by_title(data, "Error budget remaining (last 30d)")
    assert budget["timeFrom"] == "30d"
    assert overview["time"] == {"from": "now-1h", "to": "now"}


def test_picked_slo_panels_read_the_recorded_series_of_slo_variable() -> None:
    _, _, data = _files("examples/demo-agent.yaml")
    picked = '{service="demo-agent",slo="$slo"}'
    assert _by_title(data, "Objective")["targets"][0]["expr"] == f"slo:objective:ratio{picked}"
    assert _by_title(data, "Budget remaining")["targets"][0]["expr"] == (
        f"slo:error_budget_remaining:ratio{picked}")
    assert _by_title(data, "Firing alerts")["targets"][0]["expr"] == (
        'count(ALERTS{alertstate="firing",service="demo-agent",slo="$slo"}) or vector(0)')
    rates = _by_title(data, "Error and request rate")["targets"]
    assert [t["expr"] for t in rates] == [f"slo:sli_errors:rate5m{picked}",
                                          f"slo:sli_total:rate5m{picked}"]
    row = next(p for p in data["panels"] if p["type"] == "row" and p["id"] == 200)
    assert row["title"] == "SLO: $slo"


def test_definition_names_the_threshold_and_objective_of_each_slo() -> None:
    _, _, data = _files("examples/support-agent.yaml")
    panel = _by_title(data, "Definition")
    assert panel["options"]["textMode"] == "name"
    legends = {t["legendFormat"].split(":")[0]: t["legendFormat"] for t in panel["targets"]}
    assert legends["latency"].startswith(
        "latency: 95% of requests answered in under 500ms over 30d.")
    assert legends["satisfaction"].startswith(
        "satisfaction: 90% of interactions rated above 4 over 30d.")
    # Each definition's query has data only while its SLO is picked.
    assert panel["targets"][2]["expr"] == (
        'sum(slo:objective:ratio{service="support-agent",slo="latency",slo="$slo"})')


def test_budget_remaining_warns_below_a_quarter_and_is_red_below_a_tenth() -> None:
    _, _, data = _files("examples/support-agent.yaml")
    steps = _by_title(data, "Budget remaining")["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps == [{"color": "red", "value": None}, {"color": "orange", "value": 0.1},
                     {"color": "green", "value": 0.25}]


def test_sli_stat_is_green_from_each_slo_objective() -> None:
    _, _, data = _files("examples/demo-agent.yaml")
    panel = _by_title(data, "SLI over its window")
    steps = {o["matcher"]["options"]: o["properties"][0]["value"]["steps"][1]["value"]
             for o in panel["fieldConfig"]["overrides"]}
    # availability, success, latency, first-token, grounded, satisfaction, agent-success
    assert steps == {"A": 0.999, "B": 0.995, "C": 0.95, "D": 0.95, "E": 0.95, "F": 0.9,
                     "G": 0.995}


def test_burn_graph_uses_a_log_axis() -> None:
    _, _, data = _files("examples/demo-agent.yaml")
    custom = _by_title(data, "Burn rate per alert window")["fieldConfig"]["defaults"]["custom"]
    assert custom["scaleDistribution"] == {"type": "log", "log": 10}


def test_dashboards_link_to_each_other_and_to_the_runbook() -> None:
    spec, overview, slos = _files("examples/support-agent.yaml")
    assert [(link["title"], link["url"], link["keepTime"], link["targetBlank"])
            for link in slos["links"]] == [
        ("Agent overview", f"/d/{overview['uid']}", True, False),
        ("Runbook", "https://runbooks.example.com/support-agent", False, True)]
    assert [(link["title"], link["url"]) for link in overview["links"]] == [
        ("SLOs", f"/d/{slos['uid']}"), ("Runbook", spec.runbook_base_url)]


def test_the_definition_links_to_the_picked_slo_runbook() -> None:
    spec, _, slos = _files("examples/support-agent.yaml")
    (link,) = _by_title(slos, "Definition")["links"]
    assert (link["title"], link["url"], link["targetBlank"]) == (
        "Runbook: ${slo}",
        "https://runbooks.example.com/support-agent/slo-${slo}-budget-burn.md",
        True,
    )
    # ...which is each SLO's burn-rate runbook_url once Grafana fills in the variable.
    assert {link["url"].replace("${slo}", s.name) for s in spec.slos} == {
        runbook_links.slo_url(spec, s, runbook_links.KIND_BURN) for s in spec.slos}


def test_no_runbook_link_without_a_runbook_base_url() -> None:
    _, overview, slos = _files("examples/demo-agent.yaml")
    assert [link["title"] for link in slos["links"]] == ["Agent overview"]
    assert [link["title"] for link in overview["links"]] == ["SLOs"]
    assert "links" not in _by_title(slos, "Definition")


def test_panel_links_open_the_matching_overview_panel() -> None:
    _, overview, slos = _files("examples/support-agent.yaml")
    titles = {p["id"]: p["title"] for p in overview["panels"]}
    found = {}
    for panel in slos["panels"]:
        for link in panel.get("links", []):
            if link["title"].startswith("Runbook"):
                continue
            url = urlsplit(link["url"])
            assert url.path == f"/d/{overview['uid']}"
            query = parse_qs(url.query, keep_blank_values=True)
            found[panel["title"]] = titles[int(query["viewPanel"][0])]
            assert "${__url_time_range}" in query
    assert found == {"Burn rate per alert window": "Error share (5xx) per agent",
                     "Error and request rate": "Requests by status code, and abandoned turns"}


def test_overview_draws_the_agent_pack_thresholds_it_alerts_on() -> None:
    _, overview, _ = _files("examples/support-agent.yaml")

    def line(title: str) -> list[dict[str, Any]]:
        panel = _by_title(overview, title)
        assert panel["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "dashed"
        steps: list[dict[str, Any]] = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        return steps

    # support-agent.yaml: high_error_rate 5%, high_latency 2s; the pack's MCP 0.1/s, 100 MiB.
    assert line("Error share (5xx) per agent")[1] == {"color": "red", "value": 0.05}
    assert line("Request latency per agent")[1] == {"color": "red", "value": 2.0}
    assert line("MCP errors per second by agent and server")[1] == {"color": "red", "value": 0.1}
    assert line("Resident memory growth over 30m")[1] == {"color": "red", "value": 104857600}
    assert _by_title(overview, "Memory per instance")["targets"][0]["expr"] == (
        'sum by (instance, memory_type) (adk_agent_memory_usage_bytes{job="support-agent",'
        'agent_id=~"$agent_id"})')
    assert _by_title(overview, "Targets down by instance")["targets"][0]["expr"] == (
        'sum by (instance) (1 - up{job="support-agent"})')


def test_a_disabled_pack_draws_no_threshold(tmp_path: Path) -> None:
    text = (ROOT / "examples/demo-agent.yaml").read_text(encoding="utf-8")
    path = tmp_path / "demo.yaml"
    path.write_text(text.replace("  alerts:\n", "  alerts:\n    enabled: false\n"), "utf-8")
    spec = load_specs([path])[0]
    assert not spec.agent_alerts.enabled
    overview = dashboard_files(spec)[f"{spec.name}-overview.json"]
    for title in ("Error share (5xx) per agent", "Request latency per agent",
                  "MCP errors per second by agent and server", "Resident memory growth over 30m"):
        defaults = _by_title(overview, title)["fieldConfig"]["defaults"]
        assert "thresholds" not in defaults, title
        assert "thresholdsStyle" not in defaults.get("custom", {}), title


def test_a_canary_deploy_gets_a_canary_vs_stable_row() -> None:
    # support-agent.yaml deploys a canary; demo-agent.yaml has no deploy section.
    _, overview, _ = _files("examples/support-agent.yaml")
    row = next(p for p in overview["panels"] if p["type"] == "row" and p["id"] == 500)
    assert row["title"] == "Canary vs stable"
    share = next(p for p in overview["panels"] if p["id"] == 502)
    assert share["targets"][0]["legendFormat"] == "{{track}}"
    assert share["targets"][0]["expr"].startswith(
        '(sum by (track) (rate(adk_agent_requests_total{job="support-agent",agent_id=~"$agent_id",'
        'status_code=~"5.."}[$__rate_interval]))')
    _, demo, _ = _files("examples/demo-agent.yaml")
    assert "Canary vs stable" not in [p["title"] for p in demo["panels"]]


def test_an_imported_slos_description_reaches_its_definition() -> None:
    # A Sloth spec's `description` (issue 10): kept on the model, shown on the dashboard.
    spec, _, data = _files("tests/golden/rules-sloth/spec.yaml")
    legends = [t["legendFormat"] for t in _by_title(data, "Definition")["targets"]]
    described = [s for s in spec.slos if s.description]
    assert described
    for slo in described:
        assert any(legend.startswith(f"{slo.name}: ") and legend.endswith(slo.description)
                   for legend in legends), slo.name
    assert "Agent turns that do not fail with a server error." in " ".join(legends)
