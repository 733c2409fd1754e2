"""Gateway API: an HTTPRoute on an existing Gateway (class gateway), or, on GKE (class
gke-gateway), a Gateway of a GKE class with its HTTPS listener, an HTTP -> HTTPS redirect route
and GKE's policies: HealthCheckPolicy and GCPBackendPolicy (networking.gke.io/v1) on each
backend Service, GCPGatewayPolicy (networking.gke.io/v1, the SSL policy) on the Gateway.

With an Argo canary or A/B the route has a stable and a canary backend whose weights Argo's
Gateway API plugin moves; with Flagger, Flagger writes the route itself."""

from __future__ import annotations

from typing import Any

from adk_observe.deploy import hardening as h
from adk_observe.deploy.kinds import routes_traffic, strategy_kind
from adk_observe.deploy.lb_ingress import with_spec_annotations
from adk_observe.deploy.meta import canary_name, metadata, primary_name
from adk_observe.deploy_model import DeployConfig, LoadBalancer
from adk_observe.model import ServiceSpec

GATEWAY_API = "gateway.networking.k8s.io/v1"
GATEWAY_GROUP = "gateway.networking.k8s.io"
GKE_POLICY_API = "networking.gke.io/v1"
HTTP_LISTENER = "http"
HTTPS_LISTENER = "https"


def parent_ref(spec: ServiceSpec, deploy: DeployConfig, section: str = "") -> dict[str, Any]:
    ing = deploy.ingress
    if ing.load_balancer is LoadBalancer.GKE_GATEWAY:  # our own Gateway, in our namespace
        ref: dict[str, Any] = {"name": spec.name, "namespace": spec.namespace}
        return {**ref, "sectionName": section or HTTPS_LISTENER}
    return {"name": ing.gateway_name, "namespace": ing.gateway_namespace}


def http_route(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    ing = deploy.ingress
    backends: list[dict[str, Any]] = [{"name": spec.name, "port": deploy.app_port, "weight": 100}]
    if routes_traffic(deploy):  # Argo Rollouts' Gateway API plugin moves these weights
        backends.append({"name": canary_name(spec), "port": deploy.app_port, "weight": 0})
    rule: dict[str, Any] = {
        "matches": [{"path": {"type": "PathPrefix", "value": ing.path}}],
        "backendRefs": backends,
    }
    if ing.load_balancer is LoadBalancer.GATEWAY:  # GKE: the GCPBackendPolicy's timeoutSec
        rule["timeouts"] = {"request": f"{ing.timeout_seconds}s"}
    meta = metadata(spec)
    if ing.load_balancer is LoadBalancer.GATEWAY and ing.annotations:
        meta = metadata(spec, annotations=dict(ing.annotations))
    return {
        "apiVersion": GATEWAY_API,
        "kind": "HTTPRoute",
        "metadata": meta,
        "spec": {
            "parentRefs": [parent_ref(spec, deploy)],
            "hostnames": [ing.host],
            "rules": [rule],
        },
    }


def flagger_writes_route(deploy: DeployConfig) -> bool:
    return strategy_kind(deploy).flagger


def gateway(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    ing = deploy.ingress
    same = {"namespaces": {"from": "Same"}}
    body: dict[str, Any] = {"gatewayClassName": ing.gke.gateway_class}
    if ing.gke.static_ip:
        body["addresses"] = [{"type": "NamedAddress", "value": ing.gke.static_ip}]
    body["listeners"] = [
        {
            "name": HTTP_LISTENER,
            "protocol": "HTTP",
            "port": 80,
            "hostname": ing.host,
            "allowedRoutes": same,
        },
        {
            "name": HTTPS_LISTENER,
            "protocol": "HTTPS",
            "port": 443,
            "hostname": ing.host,
            "tls": {
                "mode": "Terminate",
                "certificateRefs": [{"kind": "Secret", "name": ing.tls_secret}],
            },
            "allowedRoutes": same,
        },
    ]
    annotations = with_spec_annotations({}, deploy)
    return {
        "apiVersion": GATEWAY_API,
        "kind": "Gateway",
        "metadata": metadata(spec, annotations=annotations or None),
        "spec": body,
    }


def redirect_route(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """Every plain-HTTP request is answered with a 301 to HTTPS."""
    redirect = {"scheme": "https", "statusCode": h.HTTPS_REDIRECT_STATUS}
    return {
        "apiVersion": GATEWAY_API,
        "kind": "HTTPRoute",
        "metadata": metadata(spec, f"{spec.name}-https-redirect"),
        "spec": {
            "parentRefs": [parent_ref(spec, deploy, HTTP_LISTENER)],
            "hostnames": [deploy.ingress.host],
            "rules": [{"filters": [{"type": "RequestRedirect", "requestRedirect": redirect}]}],
        },
    }


def backend_services(spec: ServiceSpec, deploy: DeployConfig) -> list[str]:
    """The Services the route sends to: Flagger's primary and canary, or ours."""
    if flagger_writes_route(deploy):
        return [primary_name(spec), canary_name(spec)]
    return [spec.name, *([canary_name(spec)] if routes_traffic(deploy) else [])]


def _service_ref(name: str) -> dict[str, str]:
    return {"group": "", "kind": "Service", "name": name}


def health_check_policy(spec: ServiceSpec, deploy: DeployConfig, service: str) -> dict[str, Any]:
    hc = deploy.ingress.health_check
    http = {
        "portSpecification": "USE_FIXED_PORT",
        "port": spec.telemetry.metrics_port,
        "requestPath": hc.path,
    }
    return {
        "apiVersion": GKE_POLICY_API,
        "kind": "HealthCheckPolicy",
        "metadata": metadata(spec, service),
        "spec": {
            "default": {
                "checkIntervalSec": hc.interval_seconds,
                "timeoutSec": hc.timeout_seconds,
                "healthyThreshold": hc.healthy_threshold,
                "unhealthyThreshold": hc.unhealthy_threshold,
                "config": {"type": "HTTP", "httpHealthCheck": http},
            },
            "targetRef": _service_ref(service),
        },
    }


def backend_policy(spec: ServiceSpec, deploy: DeployConfig, service: str) -> dict[str, Any]:
    ing = deploy.ingress
    default: dict[str, Any] = {
        "timeoutSec": ing.timeout_seconds,
        "connectionDraining": {"drainingTimeoutSec": deploy.termination_grace_seconds},
        "logging": {"enabled": True},
    }
    if ing.gke.security_policy:
        default["securityPolicy"] = ing.gke.security_policy
    return {
        "apiVersion": GKE_POLICY_API,
        "kind": "GCPBackendPolicy",
        "metadata": metadata(spec, service),
        "spec": {"default": default, "targetRef": _service_ref(service)},
    }


def gateway_policy(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    return {
        "apiVersion": GKE_POLICY_API,
        "kind": "GCPGatewayPolicy",
        "metadata": metadata(spec),
        "spec": {
            "default": {"sslPolicy": deploy.ingress.ssl_policy},
            "targetRef": {"group": GATEWAY_GROUP, "kind": "Gateway", "name": spec.name},
        },
    }


def gateway_objects(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    """class gateway: the route (unless Flagger writes it)."""
    return [] if flagger_writes_route(deploy) else [http_route(spec, deploy)]


def gke_gateway_objects(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    out = [gateway(spec, deploy), gateway_policy(spec, deploy)]
    out += gateway_objects(spec, deploy)
    out.append(redirect_route(spec, deploy))
    for service in backend_services(spec, deploy):
        out += [health_check_policy(spec, deploy, service), backend_policy(spec, deploy, service)]
    return out
