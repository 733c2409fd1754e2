"""Dashboards of a fleet (spec.clusters): a `cluster` variable on both, the overview's panels
reading the clusters picked in it, the SLO dashboard's summary and picked SLO showing the fleet
(fleet:*) and its per-group row each cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import promql_parser as pp

from adk_observe.checks.lint import dashboard_queries
from adk_observe.dashboards import dashboard_files
from adk_observe.loader.load import load_specs

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "golden" / "rules-fleet" / "spec.yaml"


def _dashboards() -> dict[str, dict[str, Any]]:
    (spec,) = load_specs([SPEC])
    return dashboard_files(spec)


def _variables(data: dict[str, Any]) -> list[str]:
    return [v["name"] for v in data["templating"]["list"]]


def _names(expr: str) -> set[str]:
    found: set[str] = set()

    def visit(node: object) -> bool:
        if type(node).__name__ == "VectorSelector":
            found.add(str(getattr(node, "name", "")))
        return True

    pp.walk(pp.parse(expr), visit)
    return found


def test_both_dashboards_have_a_cluster_variable(dashboard_schema: dict[str, Any]) -> None:
    for name, data in _dashboards().items():
        assert "cluster" in _variables(data), name
        jsonschema.Draft7Validator(dashboard_schema).validate(data)


def test_overview_panels_read_the_picked_clusters() -> None:
    data = _dashboards()["concierge-agent-overview.json"]
    checked = 0
    for panel in data["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            if 'job="concierge-agent"' not in expr:
                continue  # container panels read cAdvisor/kube-state-metrics by pod
            checked += 1
            assert expr.count('job="concierge-agent"') == expr.count('cluster=~"$cluster"'), expr
    assert checked > 20


def test_the_slo_dashboard_shows_the_fleet_and_each_cluster() -> None:
    data = _dashboards()["concierge-agent-slos.json"]
    fleet, per_group = 0, 0
    for where, expr in dashboard_queries("slos", data, {"slo": "success"}):
        names = _names(expr)
        recorded = {n for n in names if n.startswith(("slo:", "fleet:"))}
        if not recorded or "variable" in where:
            continue
        if "per group" in where:  # each cluster (and agent): the per-cluster series
            per_group += 1
            assert all(n.startswith("slo:") for n in recorded), where
        else:  # the summary and the picked SLO: the fleet's figures
            fleet += 1
            assert all(n.startswith("fleet:") for n in recorded), (where, expr)
    assert fleet > 10 and per_group >= 2
    alerts = next(p for p in data["panels"] if p.get("title") == "Firing alerts of the service")
    assert 'cluster=~"$cluster"' in alerts["targets"][0]["expr"]
