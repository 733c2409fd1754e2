"""The pod template and the Deployment / Rollout that run it."""

from __future__ import annotations

from typing import Any

from adk_observe import conventions as c
from adk_observe.deploy import hardening as h
from adk_observe.deploy.compliance import audit_annotations
from adk_observe.deploy.meta import (
    APP_PORT_NAME,
    METRICS_PORT_NAME,
    pod_group,
    selector_labels,
    workload_labels,
    workload_metadata,
)
from adk_observe.deploy.scrape import pod_annotations
from adk_observe.deploy_model import FIELD_ENV, DeployConfig
from adk_observe.model import ServiceSpec

DEPLOYMENT_HASH_LABEL = "pod-template-hash"
ROLLOUT_HASH_LABEL = c.POD_LABEL_POD_TEMPLATE_HASH


def _field_env(name: str, path: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}


def _probe(path: str, timings: dict[str, int]) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": METRICS_PORT_NAME, "scheme": "HTTP"}, **timings}


def _api_access_volume() -> dict[str, Any]:
    """The service account's token, CA and namespace, as the ServiceAccount admission
    controller mounts them when the token is automounted (hardening.py: only with `rbac`)."""
    namespace = {
        "path": "namespace",
        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
    }
    return {
        "name": h.API_ACCESS_VOLUME,
        "projected": {
            "defaultMode": h.SECRET_FILE_MODE,
            "sources": [
                {
                    "serviceAccountToken": {
                        "expirationSeconds": h.API_TOKEN_EXPIRATION_SECONDS,
                        "path": "token",
                    }
                },
                {
                    "configMap": {
                        "name": h.API_CA_CONFIGMAP,
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
                {"downwardAPI": {"items": [namespace]}},
            ],
        },
    }


def _resources(deploy: DeployConfig) -> dict[str, Any]:
    r = deploy.resources
    return {
        "requests": {
            "cpu": r.cpu_request,
            "memory": r.memory_request,
            "ephemeral-storage": r.ephemeral_storage_request,
        },
        "limits": {
            "cpu": r.cpu_limit,
            "memory": r.memory_limit,
            "ephemeral-storage": r.ephemeral_storage_limit,
        },
    }


def container_security_context(deploy: DeployConfig) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": h.ALLOW_PRIVILEGE_ESCALATION,
        "capabilities": {"drop": list(h.DROP_CAPABILITIES)},
        "privileged": h.PRIVILEGED,
        "readOnlyRootFilesystem": h.READ_ONLY_ROOT_FILESYSTEM,
        "runAsGroup": deploy.run_as_user,
        "runAsNonRoot": h.RUN_AS_NON_ROOT,
        "runAsUser": deploy.run_as_user,
        "seccompProfile": {"type": h.SECCOMP_PROFILE},
    }


def pod_security_context(deploy: DeployConfig) -> dict[str, Any]:
    return {
        "fsGroup": deploy.run_as_user,
        "fsGroupChangePolicy": h.FS_GROUP_CHANGE_POLICY,
        "runAsGroup": deploy.run_as_user,
        "runAsNonRoot": h.RUN_AS_NON_ROOT,
        "runAsUser": deploy.run_as_user,
        "seccompProfile": {"type": h.SECCOMP_PROFILE},
    }


def container(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    mounts: list[dict[str, Any]] = [{"name": h.TMP_VOLUME, "mountPath": h.TMP_MOUNT_PATH}]
    mounts += [
        {"name": f"secret-{s.name}", "mountPath": s.mount_path, "readOnly": True}
        for s in deploy.secrets
    ]
    if deploy.rbac:
        mounts.append(
            {"name": h.API_ACCESS_VOLUME, "mountPath": h.SERVICE_ACCOUNT_PATH, "readOnly": True}
        )
    return {
        "name": spec.name,  # what the container alerts select (rules/container.py)
        "image": deploy.image,
        "imagePullPolicy": h.IMAGE_PULL_POLICY,
        "ports": [
            {"name": APP_PORT_NAME, "containerPort": deploy.app_port, "protocol": "TCP"},
            {
                "name": METRICS_PORT_NAME,
                "containerPort": spec.telemetry.metrics_port,
                "protocol": "TCP",
            },
        ],
        "env": [_field_env(name, path) for name, path in FIELD_ENV],
        "envFrom": [{"configMapRef": {"name": spec.name}}],
        "livenessProbe": _probe(h.LIVENESS_PATH, h.LIVENESS),
        "readinessProbe": _probe(h.READINESS_PATH, h.READINESS),
        "resources": _resources(deploy),
        "securityContext": container_security_context(deploy),
        "volumeMounts": mounts,
    }


def _topology(spec: ServiceSpec, hash_label: str) -> list[dict[str, Any]]:
    def constraint(key: str, when: str) -> dict[str, Any]:
        return {
            "maxSkew": h.TOPOLOGY_MAX_SKEW,
            "topologyKey": key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": selector_labels(spec)},
            "matchLabelKeys": [hash_label],
        }

    return [constraint(h.ZONE_KEY, "DoNotSchedule"), constraint(h.NODE_KEY, "ScheduleAnyway")]


def pod_template(spec: ServiceSpec, deploy: DeployConfig, hash_label: str) -> dict[str, Any]:
    volumes: list[dict[str, Any]] = [
        {"name": h.TMP_VOLUME, "emptyDir": {"sizeLimit": h.TMP_SIZE_LIMIT}}
    ]
    volumes += [
        {
            "name": f"secret-{s.name}",
            "secret": {"secretName": s.name, "defaultMode": h.SECRET_FILE_MODE},
        }
        for s in deploy.secrets
    ]
    if deploy.rbac:
        volumes.append(_api_access_volume())
    return {
        # The annotations tell a plain (non-Operator) Prometheus what to scrape (scrape.py).
        "metadata": {
            "labels": dict(sorted({**workload_labels(spec), **pod_group(spec)}.items())),
            "annotations": {**pod_annotations(spec), **audit_annotations(deploy)},
        },
        "spec": {
            "serviceAccountName": spec.name,
            "automountServiceAccountToken": h.AUTOMOUNT_SERVICE_ACCOUNT_TOKEN,
            "enableServiceLinks": False,
            "securityContext": pod_security_context(deploy),
            "terminationGracePeriodSeconds": deploy.termination_grace_seconds,
            "topologySpreadConstraints": _topology(spec, hash_label),
            "containers": [container(spec, deploy)],
            "volumes": volumes,
        },
    }


def deployment(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """No `replicas`: the HorizontalPodAutoscaler owns them (a re-apply would reset them)."""

    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": workload_metadata(spec),
        "spec": {
            "selector": {"matchLabels": selector_labels(spec)},
            "minReadySeconds": h.MIN_READY_SECONDS,
            "progressDeadlineSeconds": h.PROGRESS_DEADLINE_SECONDS,
            "revisionHistoryLimit": h.REVISION_HISTORY_LIMIT,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {
                    "maxSurge": h.ROLLING_MAX_SURGE,
                    "maxUnavailable": h.ROLLING_MAX_UNAVAILABLE,
                },
            },
            "template": pod_template(spec, deploy, DEPLOYMENT_HASH_LABEL),
        },
    }


def rollout(spec: ServiceSpec, deploy: DeployConfig, strategy: dict[str, Any]) -> dict[str, Any]:

    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": workload_metadata(spec),
        "spec": {
            "selector": {"matchLabels": selector_labels(spec)},
            "minReadySeconds": h.MIN_READY_SECONDS,
            "progressDeadlineSeconds": h.PROGRESS_DEADLINE_SECONDS,
            "revisionHistoryLimit": h.REVISION_HISTORY_LIMIT,
            "strategy": strategy,
            "template": pod_template(spec, deploy, ROLLOUT_HASH_LABEL),
        },
    }
