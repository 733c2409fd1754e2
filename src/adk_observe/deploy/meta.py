"""Names and labels every rendered object shares."""

from __future__ import annotations

from typing import Any

from adk_observe import load_balancers as lbs
from adk_observe.model import ServiceSpec

# Annotation prefix of ingress-nginx: the Ingress and the Rollout's canary Ingress both use it.
NGINX_PREFIX = lbs.NGINX_PREFIX.rstrip("/")

NAME_LABEL = "app.kubernetes.io/name"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
COMPONENT_LABEL = "app.kubernetes.io/component"
INSTANCE_LABEL = "app.kubernetes.io/instance"
VERSION_LABEL = "app.kubernetes.io/version"
WORKLOAD_COMPONENT = "agent"
MANAGED_BY = "adk-observe"
# The data classification of everything the service handles (compliance.data_classification).
CLASSIFICATION_LABEL = "compliance.adk-observe.io/data-classification"
APP_PORT_NAME = "http"
METRICS_PORT_NAME = "metrics"


def selector_labels(spec: ServiceSpec) -> dict[str, str]:
    """The labels that pick the service's pods (never change them: selectors are immutable)."""
    return {NAME_LABEL: spec.name}


def pod_group(spec: ServiceSpec) -> dict[str, str]:
    """A label on every pod of the service, whichever controller made it: Flagger's primary
    Deployment rewrites the selector label (name -> name-primary) but copies this one. The
    metrics Service, the PDB, the NetworkPolicy and the plain scrape job select on it."""
    return {INSTANCE_LABEL: spec.name}


def labels(spec: ServiceSpec) -> dict[str, str]:
    """On every object (and pod): the spec's labels, name, managed-by and, when the service
    is deployed, its data classification (compliance.py)."""
    out = dict(spec.labels)
    out.update({NAME_LABEL: spec.name, MANAGED_BY_LABEL: MANAGED_BY})
    if spec.deploy is not None:
        out[CLASSIFICATION_LABEL] = spec.deploy.compliance.data_classification.value
    return dict(sorted(out.items()))


def metadata(
    spec: ServiceSpec,
    name: str | None = None,
    *,
    annotations: dict[str, str] | None = None,
    component: str = "",
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name or spec.name, "namespace": spec.namespace}
    lab = labels(spec)
    if component:
        lab = dict(sorted({**lab, COMPONENT_LABEL: component}.items()))
    meta["labels"] = lab
    if annotations:
        meta["annotations"] = dict(sorted(annotations.items()))
    return meta


def canary_name(spec: ServiceSpec) -> str:
    return f"{spec.name}-canary"


def primary_name(spec: ServiceSpec) -> str:
    """Flagger's copy of the stable version (its Deployment and Service)."""
    return f"{spec.name}-primary"


def preview_name(spec: ServiceSpec) -> str:
    return f"{spec.name}-preview"


def metrics_name(spec: ServiceSpec) -> str:
    return f"{spec.name}-metrics"


def workload_labels(spec: ServiceSpec) -> dict[str, str]:
    """The workload's and its pods' labels: the common ones, the component, and the version
    when the spec sets `telemetry.resource.service_version`."""
    out = {**labels(spec), COMPONENT_LABEL: WORKLOAD_COMPONENT}
    if spec.telemetry.service_version:
        out[VERSION_LABEL] = spec.telemetry.service_version
    return dict(sorted(out.items()))


def workload_metadata(spec: ServiceSpec) -> dict[str, Any]:
    return {"name": spec.name, "namespace": spec.namespace, "labels": workload_labels(spec)}
