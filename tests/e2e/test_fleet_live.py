"""End to end, a fleet (issue 20): two clusters, a and b, each with its own instrumented agent
and a Prometheus in agent mode that adds `cluster="<name>"` and remote-writes to a central
Prometheus with the remote-write receiver, which evaluates the compiled rules. Cluster b fails
every turn: its success page fires with cluster="b" within the usual detection time, nothing
ever fires for cluster a, and `report --prometheus <central>` shows b burning, a healthy and the
fleet in between. Polls with deadlines; never sleeps blindly."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.fleet import Fleet

from adk_observe.checks.lint import dashboard_queries
from adk_observe.cli import main
from adk_observe.dashboards import dashboard_files
from adk_observe.demo.prometheus import PrometheusError
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec, Severity

SPEC = Path(__file__).with_name("fleet-agent.yaml")
PAGE_WITHIN = 120.0  # the live demo's bound: a 100% error outage pages within 2 minutes
WATCHED_SLO = "success"


@pytest.fixture(scope="module")
def fleet_spec() -> ServiceSpec:
    return load_specs([SPEC])[0]


def _alerts(fleet: Fleet, state: str | None = None) -> list[dict[str, Any]]:
    return [a for a in fleet.central.alerts() if state is None or a["state"] == state]


def _pages(fleet: Fleet) -> list[dict[str, Any]]:
    return [
        a for a in _alerts(fleet, "firing")
        if a["labels"].get("slo") == WATCHED_SLO
        and a["labels"].get("severity") == Severity.PAGE.value
    ]


def _rule_problems(fleet: Fleet) -> list[str]:
    return [
        f"{g['name']}: {r['name']}: {r['health']} {r.get('lastError', '')}"
        for g in fleet.central.rule_groups() for r in g["rules"]
        if r["health"] not in ("ok", "unknown")
    ]


def _report(fleet: Fleet, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    code = main(["report", str(SPEC), "--prometheus", fleet.central.url, "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    data: dict[str, Any] = json.loads(out)
    return data


def _budget_by_cluster(data: dict[str, Any], slo: str) -> dict[str, float | None]:
    (service,) = data["services"]
    (found,) = [s for s in service["slos"] if s["name"] == slo]
    rows = {row["groups"].get("cluster", ""): row["budget_remaining"] for row in found["clusters"]}
    rows["fleet"] = found["budget_remaining"]
    return rows


def _slo_panels(spec: ServiceSpec) -> dict[str, list[str]]:
    """Every SLO-dashboard query reading recorded series, once per value of `$slo` (a query of
    one SLO has data only while that SLO is picked)."""
    data = dashboard_files(spec)[f"{spec.name}-slos.json"]
    out: dict[str, list[str]] = {}
    for slo in spec.slos:
        for where, expr in dashboard_queries("slos", data, {"slo": slo.name}):
            if ("slo:" in expr or "fleet:" in expr) and "ALERTS" not in expr \
                    and "variable" not in where:
                out.setdefault(where, []).append(expr)
    return out


def test_a_failing_cluster_pages_for_itself_alone(
    prometheus_binary: str, fleet_spec: ServiceSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    with Fleet(fleet_spec, {"a": False, "b": True}, prometheus_binary) as fleet:
        fleet.wait_for_every_cluster()
        assert _rule_problems(fleet) == []
        series_at = time.monotonic()
        try:
            pages = fleet.central.wait_until(lambda: _pages(fleet), PAGE_WITHIN,
                                             "the success page for cluster b")
        except PrometheusError:
            pytest.fail(f"no page within {PAGE_WITHIN:.0f}s; alerts: {_alerts(fleet)}")
        paged_after = time.monotonic() - series_at
        assert {a["labels"]["cluster"] for a in pages} == {"b"}
        # Every alert of the rules, any state, names its cluster; none is about cluster a.
        every = _alerts(fleet)
        assert all(a["labels"].get("cluster") in ("a", "b") for a in every), every
        assert [a for a in every if a["labels"]["cluster"] == "a"] == []
        # Per-cluster series carry the label; the fleet view does not, under its own names.
        per_cluster = fleet.central.query('{__name__=~"slo:.+",service="concierge-agent"}')
        assert per_cluster and all(s["metric"].get("cluster") in ("a", "b") for s in per_cluster)
        fleet_wide = fleet.central.query('{__name__=~"fleet:.+",service="concierge-agent"}')
        assert fleet_wide and all("cluster" not in s["metric"] for s in fleet_wide)

        budgets = fleet.central.wait_until(
            lambda: (b := _budget_by_cluster(_report(fleet, capsys), WATCHED_SLO))
            and None not in b.values() and b,
            60, "the report's figures for every cluster and the fleet")
        assert budgets["b"] < budgets["fleet"] < budgets["a"], budgets  # type: ignore[operator]
        assert budgets["a"] == 1.0  # cluster a never failed
        assert budgets["b"] < 0  # every turn failed: far over budget
        # The SLO dashboard's panels of recorded series have data: the fleet's and each cluster's.
        empty = [where for where, exprs in _slo_panels(fleet_spec).items()
                 if not any(fleet.central.query(e) for e in exprs)]
        assert empty == []
        assert _rule_problems(fleet) == []
        # The whole run (start, first scrape, page, report) stays within the test's budget.
        print(f"paged {paged_after:.0f}s after the first series; budgets {budgets}; "
              f"{time.monotonic() - started:.0f}s in all")
