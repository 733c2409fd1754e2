"""Grafana URLs that the alerts and the dashboards share: dashboard uids and deep links.

Alerts (rules/) and dashboards (dashboards/) both link to the dashboards, so the uids and the
URL shapes live here, below both packages: the rules compiler never imports the Grafana SDK.
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.identifiers import dashboard_uid
from adk_observe.model import SLO, AlertWindow, ServiceSpec

KIND_OVERVIEW = "overview"
KIND_SLOS = "slos"
SLO_VARIABLE = c.LABEL_SLO
AGENT_VARIABLE = c.LABEL_AGENT_ID
# How much history a link from an alert opens: twice the pair's long window, so the graph shows
# the burn building up before the alert fired, and at least an hour for short (demo) windows.
CONTEXT_FACTOR = 2
CONTEXT_MIN_SECONDS = 3600
# Grafana's relative time units (it accepts one unit per offset: `now-90m`, not `now-1h30m`).
_GRAFANA_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def overview_uid(spec: ServiceSpec) -> str:
    return dashboard_uid(spec.name, KIND_OVERVIEW)


def slos_uid(spec: ServiceSpec) -> str:
    return dashboard_uid(spec.name, KIND_SLOS)


def relative_time(seconds: int) -> str:
    """`now-<n><unit>` in the largest unit that divides `seconds` (Grafana takes one unit)."""
    unit, size = next((u, s) for u, s in _GRAFANA_UNITS if seconds % s == 0)
    return f"now-{seconds // size}{unit}"


def dashboard_path(uid: str, *params: tuple[str, str]) -> str:
    """`/d/<uid>?k=v&...`: Grafana redirects a uid-only path to the dashboard's slug."""
    query = "&".join(f"{k}={v}" for k, v in params)
    return f"/d/{uid}?{query}" if query else f"/d/{uid}"


def _context(seconds: int) -> tuple[tuple[str, str], ...]:
    span = max(CONTEXT_MIN_SECONDS, CONTEXT_FACTOR * seconds)
    return (("from", relative_time(span)), ("to", "now"))


def slo_alert_url(spec: ServiceSpec, slo: SLO, pair: AlertWindow | None) -> str:
    """The SLO dashboard opened on `slo`, over a range that shows the pair's long window."""
    long = pair.long if pair is not None else 0
    path = dashboard_path(slos_uid(spec), (f"var-{SLO_VARIABLE}", slo.name), *_context(long))
    return f"{spec.grafana_url}{path}"


def agent_alert_url(spec: ServiceSpec, window: int, per_agent: bool) -> str:
    """The overview dashboard on the alerting agent (a Prometheus template fills it in)."""
    agent = (
        ((f"var-{AGENT_VARIABLE}", f"{{{{ $labels.{c.LABEL_AGENT_ID} | urlquery }}}}"),)
        if per_agent
        else ()
    )
    path = dashboard_path(overview_uid(spec), *agent, *_context(window))
    return f"{spec.grafana_url}{path}"
