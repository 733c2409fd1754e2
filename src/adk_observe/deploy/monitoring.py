"""ServiceMonitor (scrape) and PrometheusRule (the rules compiler's output)."""

from __future__ import annotations

from typing import Any

from adk_observe import conventions as c
from adk_observe.deploy.meta import (
    COMPONENT_LABEL,
    METRICS_PORT_NAME,
    NAME_LABEL,
    labels,
    metadata,
)
from adk_observe.deploy.scrape import METRICS_PATH
from adk_observe.deploy.service import METRICS_COMPONENT
from adk_observe.deploy_model import DeployConfig
from adk_observe.model import ServiceSpec
from adk_observe.rules import compile_service, prometheus_rule


def _with_labels(meta: dict[str, Any], deploy: DeployConfig) -> dict[str, Any]:
    meta["labels"] = dict(sorted({**meta["labels"], **dict(deploy.monitoring.labels)}.items()))
    return meta


def service_monitor(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """`jobLabel` takes the job from the metrics Service's name label, so every series carries
    job=<service name>: exactly what the SLO rules select on (rules.service_selector).
    `podTargetLabels` copies the pod's rollouts-pod-template-hash label onto every series
    (the Operator sanitises it to rollouts_pod_template_hash): what tells the canary's series
    from the stable's in the analysis queries. A canary deploy also keeps the pods' `track`
    label (canary or stable) on every series."""
    body: dict[str, Any] = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": _with_labels(metadata(spec), deploy),
        "spec": {
            "jobLabel": NAME_LABEL,
            "podTargetLabels": [c.POD_LABEL_POD_TEMPLATE_HASH],
            "selector": {
                "matchLabels": {NAME_LABEL: spec.name, COMPONENT_LABEL: METRICS_COMPONENT}
            },
            "namespaceSelector": {"matchNames": [spec.namespace]},
            "endpoints": [
                {
                    "port": METRICS_PORT_NAME,
                    "path": METRICS_PATH,
                    "interval": deploy.monitoring.interval,
                    "scheme": "http",
                }
            ],
        },
    }
    if deploy.tracks:
        body["spec"]["podTargetLabels"].append(c.LABEL_TRACK)
    return body


def rule(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    doc = prometheus_rule(spec, compile_service(spec))
    meta = dict(doc["metadata"])
    meta["labels"] = {**meta["labels"], **labels(spec)}
    doc["metadata"] = _with_labels(meta, deploy)
    return doc
