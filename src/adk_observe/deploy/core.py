"""Namespace, ServiceAccount, optional RBAC and the ConfigMap: one render function per kind."""

from __future__ import annotations

from typing import Any

from adk_observe.conventions import env_name
from adk_observe.deploy import hardening as h
from adk_observe.deploy.compliance import audit_env
from adk_observe.deploy.meta import metadata
from adk_observe.deploy_model import DeployConfig
from adk_observe.environment import telemetry_env
from adk_observe.model import ServiceSpec


def namespace(spec: ServiceSpec) -> dict[str, Any]:
    psa = {}
    for mode in h.PSA_MODES:
        psa[f"pod-security.kubernetes.io/{mode}"] = h.PSA_LEVEL
        psa[f"pod-security.kubernetes.io/{mode}-version"] = h.PSA_VERSION
    meta = metadata(spec, spec.namespace)
    del meta["namespace"]  # cluster-scoped
    meta["labels"] = dict(sorted({**meta["labels"], **psa}.items()))
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def service_account(spec: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(spec),
        "automountServiceAccountToken": h.AUTOMOUNT_SERVICE_ACCOUNT_TOKEN,
    }


def role(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    rules = [
        {
            "apiGroups": sorted(r.api_groups),
            "resources": sorted(r.resources),
            "verbs": sorted(r.verbs),
        }
        for r in deploy.rbac
    ]
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": metadata(spec),
        "rules": rules,
    }


def role_binding(spec: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": metadata(spec),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": spec.name},
        "subjects": [{"kind": "ServiceAccount", "name": spec.name, "namespace": spec.namespace}],
    }


def config_env(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, str]:
    """The pod's environment: the telemetry section as `adk_observe.init()` reads it, the
    service name, then the spec's own `config` entries."""
    env = telemetry_env(spec.telemetry, spec.name)
    env[env_name("service_name")] = spec.name
    env.update(audit_env(deploy))
    env.update(dict(deploy.config))
    return dict(sorted(env.items()))


def config_map(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(spec),
        "data": config_env(spec, deploy),
    }
