"""End to end: a real Prometheus scrapes the instrumented demo agent under load, evaluates the
generated rules, and every dashboard panel has data (latency with trace exemplars); an injected
outage pages, and the fast page pair resolves once the fault is removed. Polls with deadlines;
never sleeps blindly."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from adk_observe.checks.lint import dashboard_queries
from adk_observe.dashboards import dashboard_files
from adk_observe.dashboards.slo import ALERTS_TABLE_TITLE
from adk_observe.demo.prometheus import PrometheusError, PrometheusServer
from adk_observe.demo.run import compiled_rules, plain_scrape_job
from adk_observe.model import ServiceSpec, Severity

PAGE_WITHIN = 120.0  # the bound: a 100% error outage pages within 2 minutes
RESOLVE_WITHIN = 120.0
DATA_WITHIN = 90.0
RANGE_SECONDS = 60.0
WATCHED_SLO = "success"
PER_AGENT_SLO = "agent-success"  # grouped by agent_id; the billing agent fails 20% of 10% of turns
FLAKY_AGENT = "billing_assistant"
# The one panel that can only have data while an alert fires: it lists the firing alerts.
ALERT_ONLY_PANEL = repr(ALERTS_TABLE_TITLE)


def _instant_targets(data: dict[str, Any]) -> set[str]:
    return {
        f"panel {p['id']} {p['title']!r} {t['refId']}"
        for p in data["panels"] for t in p.get("targets", []) if t.get("instant")
    }


Queries = list[tuple[str, tuple[str, ...], bool]]


def _queries(spec: ServiceSpec) -> Queries:
    """(where, exprs, instant) of every panel and variable query of both dashboards; `exprs`
    holds the query once per value of the `$slo` variable (one value when it has none)."""
    out: dict[str, tuple[list[str], bool]] = {}
    for name, data in sorted(dashboard_files(spec).items()):
        instant = {f"{name} {w}" for w in _instant_targets(data)}
        for slo in spec.slos:
            for where, expr in dashboard_queries(name, data, {"slo": slo.name}):
                exprs, _ = out.setdefault(where, ([], where in instant or "variable" in where))
                if expr not in exprs:
                    exprs.append(expr)
    return [(where, tuple(exprs), instant) for where, (exprs, instant) in out.items()]


def _empty(prom: PrometheusServer, queries: Queries) -> list[str]:
    """Queries without data for any SLO the dashboard can show (a panel of the picked SLO has
    data when some SLO's query returns data: raw-ratio SLIs record no event rates)."""
    empty = []
    for where, exprs, instant in queries:
        if not any(
            prom.query(expr) if instant else prom.query_range(expr, RANGE_SECONDS)
            for expr in exprs
        ):
            empty.append(where)
    return empty


def _page_alerts(prom: PrometheusServer, windows: str | None = None) -> list[dict[str, Any]]:
    return [
        a for a in prom.alerts()
        if a["state"] == "firing"
        and a["labels"].get("slo") == WATCHED_SLO
        and a["labels"].get("severity") == Severity.PAGE.value
        and (windows is None or a["labels"].get("windows") == windows)
    ]


def _per_agent_pages(prom: PrometheusServer) -> list[str]:
    """agent_id of every firing page of the per-agent SLO."""
    return sorted(
        a["labels"].get("agent_id", "") for a in prom.alerts()
        if a["state"] == "firing"
        and a["labels"].get("slo") == PER_AGENT_SLO
        and a["labels"].get("severity") == Severity.PAGE.value
    )


def _children() -> set[int]:
    """Live child processes of this test process (Linux /proc)."""
    me = str(os.getpid())
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == me and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _all_evaluated(prom: PrometheusServer) -> bool:
    """Every rule has been evaluated once (before that Prometheus reports the zero time)."""
    never = "0001-01-01T00:00:00Z"
    return all(r["lastEvaluation"] != never for g in prom.rule_groups() for r in g["rules"])


def _rule_problems(prom: PrometheusServer) -> list[str]:
    return [
        f"{g['name']}: {r['name']}: {r['health']} {r.get('lastError', '')}"
        for g in prom.rule_groups() for r in g["rules"] if r["health"] != "ok"
    ]


def test_live_demo_pages_on_an_outage_and_every_panel_has_data(
    prometheus_binary: str, demo_spec: ServiceSpec
) -> None:
    from adk_observe.demo.agent import DemoAgent

    queries = _queries(demo_spec)
    always = [q for q in queries if ALERT_ONLY_PANEL not in q[0]]
    alert_only = [q for q in queries if ALERT_ONLY_PANEL in q[0]]
    assert len(alert_only) == 1
    fast = demo_spec.slo(WATCHED_SLO).windows[0]  # type: ignore[union-attr]
    fast_windows = f"{fast.long // 60}m/{fast.short}s"
    assert fast_windows == "2m/30s"

    before = _children()
    with DemoAgent(demo_spec, rate=5.0) as agent, PrometheusServer(
        rules=compiled_rules(demo_spec), targets={},
        scrape_jobs=[plain_scrape_job(demo_spec, agent.target)], binary=prometheus_binary,
    ) as prom:
        # The generated plain-Prometheus job (issue 12), relabelling included, scrapes the agent.
        prom.wait_for_targets_up()
        (up,) = prom.query(f'up{{job="{demo_spec.name}"}}')
        assert up["metric"]["namespace"] == demo_spec.namespace
        assert up["metric"]["pod"].startswith(f"{demo_spec.name}-127-0-0-1-")
        prom.wait_until(lambda: _all_evaluated(prom) and not _rule_problems(prom), 30,
                        "every rule to evaluate healthily")
        assert _rule_problems(prom) == []

        try:
            prom.wait_until(lambda: not _empty(prom, always), DATA_WITHIN,
                            "every panel query to return data")
        except PrometheusError:
            pytest.fail(f"panels without data: {_empty(prom, always)}")
        assert _page_alerts(prom) == []

        # Latency exemplars carry the trace id of sampled turns: what links a panel to a trace.
        buckets = f'adk_agent_request_duration_seconds_bucket{{job="{demo_spec.name}"}}'
        exemplars = prom.wait_until(lambda: prom.exemplars(buckets, RANGE_SECONDS), 30,
                                    "latency exemplars")
        assert all(re.fullmatch(r"[0-9a-f]{32}", e["labels"]["trace_id"]) for e in exemplars)

        # One agent of two failing: the billing agent's 20% failures (2% of all turns) page its
        # own SLO, for it alone, while the service-wide success SLO stays quiet.
        pages = prom.wait_until(lambda: _per_agent_pages(prom), PAGE_WITHIN,
                                f"the {PER_AGENT_SLO} page for {FLAKY_AGENT}")
        assert set(pages) == {FLAKY_AGENT}
        assert _page_alerts(prom) == []

        agent.set_outage(True)
        injected = time.monotonic()
        prom.wait_until(lambda: _page_alerts(prom, fast_windows), PAGE_WITHIN,
                        f"the {WATCHED_SLO} page alert to fire")
        paged_after = time.monotonic() - injected
        # The page links to the SLO dashboard opened on its SLO.
        (page,) = _page_alerts(prom, fast_windows)
        link = urlsplit(page["annotations"]["dashboard_url"])
        slos = dashboard_files(demo_spec)[f"{demo_spec.name}-slos.json"]
        assert f"{link.scheme}://{link.netloc}" == demo_spec.grafana_url
        assert link.path == f"/d/{slos['uid']}"
        assert parse_qs(link.query)["var-slo"] == [WATCHED_SLO]
        assert paged_after <= PAGE_WITHIN
        assert _empty(prom, alert_only) == []

        agent.set_outage(False)
        removed = time.monotonic()
        prom.wait_until(lambda: not _page_alerts(prom, fast_windows), RESOLVE_WITHIN,
                        f"the {WATCHED_SLO} {fast_windows} page alert to resolve")
        resolved_after = time.monotonic() - removed
        print(f"paged {paged_after:.0f}s after the fault, resolved {resolved_after:.0f}s "
              f"after its removal; {agent.turns} turns, {agent.failed_turns} failed")
        started = _children() - before
        assert len(started) == 2  # Prometheus and the agent's MCP server
    assert _children() - before == set(), "a process of the demo is still running"


def test_prometheus_is_stopped_and_its_files_removed_when_the_block_fails(
    prometheus_binary: str, demo_spec: ServiceSpec
) -> None:
    server = PrometheusServer(rules=compiled_rules(demo_spec), targets={"nothing": "127.0.0.1:9"},
                              binary=prometheus_binary)
    with pytest.raises(RuntimeError, match="boom"), server:
        assert server.running
        assert server.value("vector(1)") == 1.0
        directory = Path(server._dir.name)  # type: ignore[union-attr]
        pid = server.pid
        raise RuntimeError("boom")
    assert not server.running
    assert not directory.exists()
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_bad_rule_file_fails_fast_with_prometheus_log(
    prometheus_binary: str,
) -> None:
    server = PrometheusServer(rules={"bad.rules.yaml": "groups: [{name: x, rules: [{record: "
                                     "a, expr: 'sum('}]}]\n"},
                              targets={}, binary=prometheus_binary)
    with pytest.raises(PrometheusError, match="did not start"):
        server.start()
    assert not server.running
