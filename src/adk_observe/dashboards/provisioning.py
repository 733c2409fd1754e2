"""Grafana without clicking: file-provisioning documents, and the grafana.com import format.

- `provider()` and `datasource()` are the two YAML documents Grafana reads from
  `provisioning/dashboards/` and `provisioning/datasources/` at start-up (apiVersion 1).
- `for_import()` adds `__inputs`/`__requires` to a dashboard so Grafana's Import asks which
  Prometheus to use (the grafana.com format); the provisioned files do not need them.
"""

from __future__ import annotations

import copy
from typing import Any

from adk_observe.dashboards.queries import DATASOURCE_TYPE, DATASOURCE_VARIABLE
from adk_observe.durations import parse_ms
from adk_observe.model import ServiceSpec

PROVISIONING_API = 1
PROVIDER_NAME = "adk-observe"
FOLDER = "adk-observe"
DATASOURCE_UID = "adk-observe-prometheus"  # the uid the dashboards' data source variable picks
DATASOURCE_NAME = "Prometheus (adk-observe)"
DEFAULT_DASHBOARDS_PATH = "/var/lib/grafana/dashboards/adk-observe"
DEFAULT_PROMETHEUS_URL = "http://prometheus:9090"
# Without a deploy section the scrape interval is Monitoring's default (deploy/model.py).
DEFAULT_SCRAPE_INTERVAL = "30s"
PROVIDER_FILE = "dashboards/adk-observe.yaml"
DATASOURCE_FILE = "datasources/adk-observe.yaml"
IMPORT_INPUT = "DS_PROMETHEUS"
# What a grafana.com import checks before it offers the dashboard: the panel plugins used and
# the Grafana version whose dashboard model the SDK writes (schemaVersion 42: Grafana 12).
GRAFANA_VERSION = "12.0.0"
PANEL_NAMES = {"stat": "Stat", "table": "Table", "timeseries": "Time series"}


def scrape_interval(spec: ServiceSpec) -> str:
    return spec.deploy.monitoring.interval if spec.deploy is not None else DEFAULT_SCRAPE_INTERVAL


def provider(path: str = DEFAULT_DASHBOARDS_PATH) -> dict[str, Any]:
    """Loads every dashboard JSON under `path` into one folder; edits in the UI are not kept
    (the files are generated: change the spec, not the dashboard)."""
    return {
        "apiVersion": PROVISIONING_API,
        "providers": [
            {
                "name": PROVIDER_NAME,
                "orgId": 1,
                "folder": FOLDER,
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 30,
                "options": {"path": path, "foldersFromFilesStructure": False},
            }
        ],
    }


def datasource(specs: list[ServiceSpec], url: str = DEFAULT_PROMETHEUS_URL) -> dict[str, Any]:
    """The Prometheus the dashboards default to. `timeInterval` is the scrape interval (the
    shortest of the specs'), so `$__rate_interval` always spans at least four scrapes."""
    interval = min((scrape_interval(s) for s in specs), key=parse_ms)
    return {
        "apiVersion": PROVISIONING_API,
        "datasources": [
            {
                "name": DATASOURCE_NAME,
                "uid": DATASOURCE_UID,
                "type": DATASOURCE_TYPE,
                "access": "proxy",
                "url": url,
                "isDefault": False,
                "editable": False,
                "jsonData": {"timeInterval": interval, "httpMethod": "POST"},
            }
        ],
    }


def for_import(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of `data` for Grafana's Import: `__inputs` names the data source to ask for and
    the data source variable starts on it; `__requires` lists the plugins used."""
    out = copy.deepcopy(data)
    for variable in out["templating"]["list"]:
        if variable["name"] == DATASOURCE_VARIABLE:
            ref = f"${{{IMPORT_INPUT}}}"
            variable["current"] = {"selected": True, "text": ref, "value": ref}
    panels = sorted({p["type"] for p in out["panels"] if p["type"] in PANEL_NAMES})
    out["__inputs"] = [
        {
            "name": IMPORT_INPUT,
            "label": "Prometheus",
            "description": "The Prometheus that scrapes the service and evaluates its rules",
            "type": "datasource",
            "pluginId": DATASOURCE_TYPE,
            "pluginName": "Prometheus",
        }
    ]
    out["__requires"] = [
        {"type": "grafana", "id": "grafana", "name": "Grafana", "version": GRAFANA_VERSION},
        {"type": "datasource", "id": DATASOURCE_TYPE, "name": "Prometheus", "version": "1.0.0"},
        *({"type": "panel", "id": p, "name": PANEL_NAMES[p], "version": ""} for p in panels),
    ]
    return out
