"""ServiceSpec -> the kustomize folder: {relative path: YAML text}. Pure: no I/O."""

from __future__ import annotations

from typing import Any

from adk_observe.deploy import (
    analysis,
    core,
    flagger,
    monitoring,
    network,
    scrape,
    service,
    strategies,
    workload,
)
from adk_observe.deploy.loadbalancer import router, traffic_routed
from adk_observe.deploy.meta import canary_name, preview_name
from adk_observe.deploy.model import DeployConfig, Engine, LoadBalancer, StrategyType
from adk_observe.errors import SpecError
from adk_observe.model import ServiceSpec
from adk_observe.render import dump_yaml

KUSTOMIZATION = "kustomization.yaml"


def deploy_config(spec: ServiceSpec) -> DeployConfig:
    if spec.deploy is None:
        raise SpecError(
            f"service {spec.name!r} has no deploy section (spec.deploy)",
            file=spec.source.file,
            line=spec.source.line,
            path="spec.deploy",
        )
    return spec.deploy


def objects(spec: ServiceSpec) -> list[dict[str, Any]]:
    """Every object of the service, in apply order."""
    deploy = deploy_config(spec)
    out = [core.namespace(spec), core.service_account(spec)]
    if deploy.rbac:
        out += [core.role(spec, deploy), core.role_binding(spec)]
    out += [core.config_map(spec, deploy), service.service(spec, deploy)]
    kind = deploy.strategy.type
    if kind is StrategyType.BLUE_GREEN:
        out.append(service.service(spec, deploy, preview_name(spec)))
    if traffic_routed(deploy):
        out.append(service.service(spec, deploy, canary_name(spec)))
    out.append(service.metrics_service(spec))
    if deploy.strategy.engine is Engine.FLAGGER:
        out += flagger.metric_templates(spec, deploy)
        out += [workload.deployment(spec, deploy), flagger.canary(spec, deploy)]
    else:
        if deploy.strategy.analysis is not None:
            out.append(analysis.analysis_template(spec, deploy, watch=False))
            if kind is not StrategyType.BLUE_GREEN:  # canary and A/B also watch in the background
                out.append(analysis.analysis_template(spec, deploy, watch=True))
        if kind is StrategyType.ROLLING:
            out.append(workload.deployment(spec, deploy))
        else:
            out.append(workload.rollout(spec, deploy, strategies.strategy(spec, deploy)))
    out += [
        service.hpa(spec, deploy),
        service.pdb(spec),
        network.default_deny(spec),
        network.network_policy(spec, deploy),
    ]
    if not _flagger_routes(deploy):
        out.append(router(spec, deploy))
    out += [monitoring.service_monitor(spec, deploy), monitoring.rule(spec, deploy)]
    return out


def _flagger_routes(deploy: DeployConfig) -> bool:
    """On the Gateway API Flagger writes (and owns) the HTTPRoute: ours would fight it."""
    return (
        deploy.strategy.engine is Engine.FLAGGER
        and deploy.ingress.load_balancer is LoadBalancer.GATEWAY
    )


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


def render(spec: ServiceSpec) -> dict[str, str]:
    """{file name: YAML} for one service: one file per object plus kustomization.yaml."""
    source = spec.source.file
    files: dict[str, str] = {}
    for obj in objects(spec):
        name = file_name(spec, obj)
        assert name not in files, name
        files[name] = dump_yaml(obj, source=source)
    files[KUSTOMIZATION] = dump_yaml(kustomization(list(files)), source=source)
    job = scrape.scrape_config(spec, deploy_config(spec).monitoring.interval)
    files[scrape.SCRAPE_CONFIG_FILE] = dump_yaml(job, source=source)
    return files
