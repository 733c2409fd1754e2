"""Load balancing as a table: for each `ingress.class`, the objects that route to the service
(lb_ingress.py, lb_gke.py, lb_gateway.py) and the annotations its Services need. A new class is
a row here and in `load_balancers.LOAD_BALANCERS` plus its generator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adk_observe.deploy import lb_gateway, lb_gke, lb_ingress
from adk_observe.deploy_model import DeployConfig, LoadBalancer
from adk_observe.model import ServiceSpec

Objects = Callable[[ServiceSpec, DeployConfig], list[dict[str, Any]]]


def _ingress(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    return [lb_ingress.ingress(spec, deploy)]


ROUTERS: dict[LoadBalancer, Objects] = {
    LoadBalancer.ALB: _ingress,
    LoadBalancer.NGINX: _ingress,
    LoadBalancer.GATEWAY: lb_gateway.gateway_objects,
    LoadBalancer.GKE: lb_gke.objects,
    LoadBalancer.GKE_GATEWAY: lb_gateway.gke_gateway_objects,
}


def router_objects(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    return ROUTERS[deploy.ingress.load_balancer](spec, deploy)


def service_annotations(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, str]:
    """Annotations of the Service the load balancer sends to (GKE's NEG and BackendConfig)."""
    if deploy.ingress.load_balancer is LoadBalancer.GKE:
        return lb_gke.service_annotations(spec)
    return {}
