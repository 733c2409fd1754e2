"""The agent side of a cluster in a fleet (`spec.deploy.remote_write`): a Prometheus in agent
mode, run by the Prometheus Operator (`PrometheusAgent`, monitoring.coreos.com/v1alpha1), that
scrapes this service through its ServiceMonitor, adds the cluster's external label and
remote-writes to the central store, where the compiled rules run.

It lives in the monitoring namespace (deploy.monitoring.namespace), which the service's
NetworkPolicy already lets reach the metrics port, and reads its credentials from a Secret
there. Its ServiceAccount gets read access to the service's namespace only (a Role and a
RoleBinding there): what service discovery behind a ServiceMonitor needs, nothing cluster-wide.
"""

from __future__ import annotations

from typing import Any

from adk_observe.deploy import hardening as h
from adk_observe.deploy.meta import MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL, labels
from adk_observe.deploy_model import DeployConfig, RemoteWrite, RemoteWriteAuth
from adk_observe.model import ServiceSpec
from adk_observe.promql import eq

API_VERSION = "monitoring.coreos.com/v1alpha1"
KIND = "PrometheusAgent"
TENANT_HEADER = "X-Scope-OrgID"  # Mimir, Cortex and Thanos Receive read the tenant from it
AGENT_SUFFIX = "prometheus-agent"
# Prometheus' own image runs as nobody (65534); the Operator runs the agent with these.
AGENT_USER = 65534
AGENT_REQUESTS = {"cpu": "100m", "memory": "256Mi"}
AGENT_LIMITS = {"memory": "512Mi"}
# What Kubernetes service discovery behind a ServiceMonitor reads (role endpoints/endpointslice).
DISCOVERY_RULES = (
    {"apiGroups": [""], "resources": ["endpoints", "pods", "services"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"]},
)
READ_VERBS = ["get", "list", "watch"]


def agent_name(spec: ServiceSpec) -> str:
    return f"{spec.name}-{AGENT_SUFFIX}"


def _meta(spec: ServiceSpec, name: str, namespace: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": labels(spec)}


def _auth(rw: RemoteWrite) -> dict[str, Any]:
    if rw.auth is RemoteWriteAuth.BASIC:
        return {
            "basicAuth": {
                "username": {"name": rw.secret, "key": rw.username_key},
                "password": {"name": rw.secret, "key": rw.password_key},
            }
        }
    if rw.auth is RemoteWriteAuth.BEARER:
        return {
            "authorization": {
                "type": "Bearer",
                "credentials": {"name": rw.secret, "key": rw.token_key},
            }
        }
    return {}


def remote_write_spec(spec: ServiceSpec, rw: RemoteWrite) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f"{spec.name}-central", "url": rw.url}
    if rw.tenant:
        out["headers"] = {TENANT_HEADER: rw.tenant}
    out.update(_auth(rw))
    return out


def prometheus_agent(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    rw = deploy.remote_write
    assert rw is not None and spec.clusters is not None  # the loader requires both
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": _meta(spec, spec.name, deploy.monitoring.namespace),
        "spec": {
            "replicas": 1,
            "serviceAccountName": agent_name(spec),
            "scrapeInterval": deploy.monitoring.interval,
            # Exactly this service's ServiceMonitor (monitoring.py), in its namespace.
            "serviceMonitorSelector": {
                "matchLabels": {NAME_LABEL: spec.name, MANAGED_BY_LABEL: MANAGED_BY}
            },
            "serviceMonitorNamespaceSelector": {
                "matchLabels": {h.NAMESPACE_NAME_LABEL: spec.namespace}
            },
            "externalLabels": {spec.clusters.label: rw.cluster},
            "remoteWrite": [remote_write_spec(spec, rw)],
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": AGENT_USER,
                "runAsGroup": AGENT_USER,
                "fsGroup": AGENT_USER,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "resources": {"requests": dict(AGENT_REQUESTS), "limits": dict(AGENT_LIMITS)},
        },
    }


def service_account(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(spec, agent_name(spec), deploy.monitoring.namespace),
    }


def role(spec: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": _meta(spec, agent_name(spec), spec.namespace),
        "rules": [{**rule, "verbs": list(READ_VERBS)} for rule in DISCOVERY_RULES],
    }


def role_binding(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _meta(spec, agent_name(spec), spec.namespace),
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": agent_name(spec),
        },
        "subjects": [
            {
                "kind": "ServiceAccount",
                "name": agent_name(spec),
                "namespace": deploy.monitoring.namespace,
            }
        ],
    }


def cluster_matcher(spec: ServiceSpec, deploy: DeployConfig) -> str:
    """The canary analysis' matcher of this cluster: with remote_write the in-cluster Prometheus
    is an agent (no query API), so the analysis reads the central store, where every cluster
    running the same release has the same pod template hash. "" without remote_write."""
    if deploy.remote_write is None or spec.clusters is None:
        return ""
    return eq(spec.clusters.label, deploy.remote_write.cluster)


def agent_objects(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    """Nothing without remote_write; else the agent and what it needs, in apply order."""
    if deploy.remote_write is None:
        return []
    return [
        service_account(spec, deploy),
        role(spec),
        role_binding(spec, deploy),
        prometheus_agent(spec, deploy),
    ]
