"""ServiceSpec -> the kustomize folder: {relative path: object}. Pure: no I/O, no serialising
(cli/deploy.py hands the objects to render/)."""

from __future__ import annotations

from typing import Any

from adk_observe.deploy import (
    analysis,
    compliance,
    core,
    flagger,
    fleet,
    monitoring,
    network,
    scrape,
    service,
    workload,
)
from adk_observe.deploy.kinds import routes_traffic, strategy_kind
from adk_observe.deploy.loadbalancer import router_objects
from adk_observe.deploy.meta import canary_name, preview_name
from adk_observe.deploy_model import DeployConfig
from adk_observe.model import ServiceSpec, Source

KUSTOMIZATION = "kustomization.yaml"


def deploy_config(spec: ServiceSpec) -> DeployConfig:
    if spec.deploy is None:
        if spec.source.name_key != Source.name_key:  # Sloth, OpenSLO: no such key to point at
            raise spec.source.error(
                f"service {spec.name!r} comes from an imported spec, which has no deploy "
                "section: render-deploy takes an adk-observe/v1 spec with spec.deploy"
            )
        raise spec.source.error(
            f"service {spec.name!r} has no deploy section (spec.deploy)", path="spec.deploy"
        )
    return spec.deploy


def objects(spec: ServiceSpec) -> list[dict[str, Any]]:
    """Every object of the service, in apply order."""
    deploy = deploy_config(spec)
    # Namespace-wide objects (Pod Security labels, default-deny for every pod) only in a
    # namespace the spec says is the service's own: elsewhere they would restrict other pods.
    out = [core.namespace(spec)] if deploy.own_namespace else []
    out.append(core.service_account(spec))
    if deploy.rbac:
        out += [core.role(spec, deploy), core.role_binding(spec)]
    out += compliance.external_secrets(spec, deploy)
    out += [core.config_map(spec, deploy), service.service(spec, deploy)]
    kind = strategy_kind(deploy)
    if kind.preview_service:
        out.append(service.service(spec, deploy, preview_name(spec)))
    if routes_traffic(deploy):
        out.append(service.service(spec, deploy, canary_name(spec)))
    out.append(service.metrics_service(spec))
    if kind.flagger:
        out += flagger.metric_templates(spec, deploy)
        out += [workload.deployment(spec, deploy), flagger.canary(spec, deploy)]
    else:
        if deploy.strategy.analysis is not None:
            out.append(analysis.analysis_template(spec, deploy, watch=False))
            if kind.background_analysis:
                out.append(analysis.analysis_template(spec, deploy, watch=True))
        if kind.rollout is None:
            out.append(workload.deployment(spec, deploy))
        else:
            out.append(workload.rollout(spec, deploy, kind.rollout(spec, deploy)))
    out += [
        service.hpa(spec, deploy),
        service.pdb(spec),
        *([network.default_deny(spec)] if deploy.own_namespace else []),
        network.network_policy(spec, deploy),
    ]
    # On the Gateway API Flagger writes (and owns) the HTTPRoute: ours would fight it.
    out += router_objects(spec, deploy)
    out += [monitoring.service_monitor(spec, deploy), monitoring.rule(spec, deploy)]
    out += fleet.agent_objects(spec, deploy)  # remote_write: this cluster's Prometheus agent
    return out


def file_name(spec: ServiceSpec, obj: dict[str, Any]) -> str:
    kind = str(obj["kind"]).lower()
    name = str(obj["metadata"]["name"])
    if kind == "namespace" or name == spec.name:
        return f"{kind}.yaml"
    return f"{kind}-{name.removeprefix(spec.name + '-')}.yaml"


def kustomization(files: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": files,
    }


def files(
    spec: ServiceSpec, extra: list[dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """{file name: object} for one service: one file per object (then `extra`, e.g. the
    dashboards' ConfigMaps) plus kustomization.yaml."""
    out: dict[str, dict[str, Any]] = {}
    for obj in [*objects(spec), *(extra or [])]:
        name = file_name(spec, obj)
        assert name not in out, name
        out[name] = obj
    out[KUSTOMIZATION] = kustomization(list(out))
    # Not a Kubernetes object: in a subfolder, outside the kustomization (scrape.py).
    out[scrape.SCRAPE_CONFIG_FILE] = scrape.scrape_config(
        spec, deploy_config(spec).monitoring.interval
    )
    return out
