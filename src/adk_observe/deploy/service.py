"""Service(s), HorizontalPodAutoscaler and PodDisruptionBudget."""

from __future__ import annotations

from typing import Any

from adk_observe.deploy import hardening as h
from adk_observe.deploy.kinds import strategy_kind
from adk_observe.deploy.loadbalancer import service_annotations
from adk_observe.deploy.meta import (
    APP_PORT_NAME,
    METRICS_PORT_NAME,
    metadata,
    metrics_name,
    pod_group,
    selector_labels,
)
from adk_observe.deploy_model import DeployConfig
from adk_observe.model import ServiceSpec

METRICS_COMPONENT = "metrics"


def service(spec: ServiceSpec, deploy: DeployConfig, name: str = "") -> dict[str, Any]:
    """A ClusterIP Service for the app port (Argo Rollouts narrows the selector of the
    stable/canary/active/preview Services to one revision at run time)."""
    port = {
        "name": APP_PORT_NAME,
        "port": deploy.app_port,
        "protocol": "TCP",
        "targetPort": APP_PORT_NAME,
    }
    annotations = service_annotations(spec, deploy) if not name else {}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(spec, name or spec.name, annotations=annotations),
        "spec": {"type": "ClusterIP", "selector": selector_labels(spec), "ports": [port]},
    }


def metrics_service(spec: ServiceSpec) -> dict[str, Any]:
    """Selects every pod of every revision, so stable, canary and preview pods are all scraped
    under one job (the ServiceMonitor's jobLabel makes that job the service name)."""
    port = {
        "name": METRICS_PORT_NAME,
        "port": spec.telemetry.metrics_port,
        "protocol": "TCP",
        "targetPort": METRICS_PORT_NAME,
    }
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(spec, metrics_name(spec), component=METRICS_COMPONENT),
        "spec": {"type": "ClusterIP", "selector": pod_group(spec), "ports": [port]},
    }


def workload_ref(deploy: DeployConfig) -> dict[str, str]:
    if strategy_kind(deploy).rollout is None:
        return {"apiVersion": "apps/v1", "kind": "Deployment"}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout"}


def hpa(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    s = deploy.scaling

    def target(resource: str, utilization: int) -> dict[str, Any]:
        return {
            "type": "Resource",
            "resource": {
                "name": resource,
                "target": {"type": "Utilization", "averageUtilization": utilization},
            },
        }

    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(spec),
        "spec": {
            "scaleTargetRef": {**workload_ref(deploy), "name": spec.name},
            "minReplicas": s.min,
            "maxReplicas": s.max,
            "metrics": [target("cpu", s.cpu_utilization), target("memory", s.memory_utilization)],
            "behavior": {"scaleUp": h.SCALE_UP, "scaleDown": h.SCALE_DOWN},
        },
    }


def pdb(spec: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(spec),
        "spec": {
            "maxUnavailable": h.PDB_MAX_UNAVAILABLE,
            "selector": {"matchLabels": pod_group(spec)},
        },
    }
