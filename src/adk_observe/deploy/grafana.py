"""The dashboards as cluster objects: ConfigMaps for the Grafana sidecar of kube-prometheus-stack,
or ConfigMaps plus grafana-operator `GrafanaDashboard` resources that reference them.

Pure: takes the rendered dashboard JSON text (render/ serialises it) and returns objects.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from adk_observe.dashboards.provisioning import DATASOURCE_NAME, DATASOURCE_UID
from adk_observe.deploy.meta import metadata
from adk_observe.deploy_model import DeployConfig
from adk_observe.model import ServiceSpec

# The kube-prometheus-stack Grafana sidecar loads every ConfigMap with this label (its chart
# default `sidecar.dashboards.label: grafana_dashboard`, any value) ...
SIDECAR_LABEL = "grafana_dashboard"
SIDECAR_VALUE = "1"
# ... into the folder this annotation names when `sidecar.dashboards.folderAnnotation` is set.
FOLDER_ANNOTATION = "grafana_folder"
OPERATOR_API = "grafana.integreatly.org/v1beta1"
# The Grafana instances that import the dashboards: the label grafana-operator's examples use.
OPERATOR_INSTANCE_LABELS = {"dashboards": "grafana"}
# How often the operator re-applies the dashboard (its default is 10m; stated, not implied).
OPERATOR_RESYNC = "10m"


class DashboardDelivery(StrEnum):
    SIDECAR = "sidecar"
    OPERATOR = "operator"


def _config_map_name(spec: ServiceSpec, file_name: str) -> str:
    return f"{file_name.removesuffix('.json')}-dashboard"


def config_maps(
    spec: ServiceSpec, files: dict[str, str], delivery: DashboardDelivery
) -> list[dict[str, Any]]:
    """One ConfigMap per dashboard file; sidecar-labelled only for the sidecar (with the
    operator, a labelled ConfigMap would be imported twice where both run)."""
    out = []
    for name, text in sorted(files.items()):
        meta = metadata(
            spec,
            _config_map_name(spec, name),
            annotations={FOLDER_ANNOTATION: spec.name},
            component="dashboards",
        )
        if delivery is DashboardDelivery.SIDECAR:
            meta["labels"] = dict(sorted({**meta["labels"], SIDECAR_LABEL: SIDECAR_VALUE}.items()))
        out.append(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {name: text}}
        )
    return out


def grafana_dashboards(spec: ServiceSpec, files: dict[str, str]) -> list[dict[str, Any]]:
    """A `GrafanaDashboard` per dashboard, its JSON read from the ConfigMap of the same name."""
    return [
        {
            "apiVersion": OPERATOR_API,
            "kind": "GrafanaDashboard",
            "metadata": metadata(spec, _config_map_name(spec, name), component="dashboards"),
            "spec": {
                "instanceSelector": {"matchLabels": dict(OPERATOR_INSTANCE_LABELS)},
                "folder": spec.name,
                "resyncPeriod": OPERATOR_RESYNC,
                "configMapRef": {"name": _config_map_name(spec, name), "key": name},
            },
        }
        for name in sorted(files)
    ]


def prometheus_url(deploy: DeployConfig) -> str:
    """`prometheus-operated`: the Service the Prometheus Operator creates for its Prometheus."""
    return f"http://prometheus-operated.{deploy.monitoring.namespace}.svc:9090"


def grafana_datasource(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """The Prometheus the dashboards' data source variable starts on (the same uid as the
    file-provisioned one), scraping at the ServiceMonitor's interval."""
    return {
        "apiVersion": OPERATOR_API,
        "kind": "GrafanaDatasource",
        "metadata": metadata(spec, f"{spec.name}-prometheus", component="dashboards"),
        "spec": {
            "instanceSelector": {"matchLabels": dict(OPERATOR_INSTANCE_LABELS)},
            "resyncPeriod": OPERATOR_RESYNC,
            "datasource": {
                "name": DATASOURCE_NAME,
                "uid": DATASOURCE_UID,
                "type": "prometheus",
                "access": "proxy",
                "url": prometheus_url(deploy),
                "isDefault": False,
                "editable": False,
                "jsonData": {"timeInterval": deploy.monitoring.interval, "httpMethod": "POST"},
            },
        },
    }


def dashboard_objects(
    spec: ServiceSpec, deploy: DeployConfig, files: dict[str, str], delivery: DashboardDelivery
) -> list[dict[str, Any]]:
    out = config_maps(spec, files, delivery)
    if delivery is DashboardDelivery.OPERATOR:
        out += [*grafana_dashboards(spec, files), grafana_datasource(spec, deploy)]
    return out
