"""Grafana dashboards from the spec: an agent overview and an SLO dashboard per service."""

from __future__ import annotations

from typing import Any

from adk_observe.dashboards.grafana import to_json_data
from adk_observe.dashboards.overview import overview_dashboard
from adk_observe.dashboards.panels import Dashboard, panel_ids
from adk_observe.dashboards.slo import slo_dashboard
from adk_observe.model import ServiceSpec

__all__ = ["build_dashboards", "dashboard_files", "overview_dashboard", "slo_dashboard"]


def build_dashboards(spec: ServiceSpec) -> tuple[Dashboard, ...]:
    overview = overview_dashboard(spec)
    return (overview, slo_dashboard(spec, panel_ids(overview)))


def dashboard_files(spec: ServiceSpec) -> dict[str, dict[str, Any]]:
    """File name -> dashboard JSON data: `<service>-overview.json`, `<service>-slos.json`."""
    return {f"{d.uid}.json": to_json_data(d) for d in build_dashboards(spec)}
