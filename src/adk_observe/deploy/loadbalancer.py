"""Load balancing: an Ingress (AWS Load Balancer Controller or ingress-nginx) or a Gateway API
HTTPRoute. With a traffic-routed Rollout (canary, A/B) the router's backends follow Argo
Rollouts' conventions so it can shift weights and add header routes."""

from __future__ import annotations

from typing import Any

from adk_observe.deploy import hardening as h
from adk_observe.deploy.kinds import strategy_kind
from adk_observe.deploy.meta import APP_PORT_NAME, NGINX_PREFIX, canary_name, metadata
from adk_observe.deploy_model import DeployConfig, LoadBalancer
from adk_observe.model import ServiceSpec

ALB_PREFIX = "alb.ingress.kubernetes.io"
# Port name that tells the ALB controller to read the backend from an actions annotation,
# which Argo Rollouts writes with the stable/canary weights.
ALB_USE_ANNOTATION = "use-annotation"


def traffic_routed(deploy: DeployConfig) -> bool:
    """Argo Rollouts moves traffic between the Services we render; Flagger makes its own
    canary and primary Services (and, on the Gateway API, its own HTTPRoute): kinds.py."""
    return strategy_kind(deploy).traffic_routed


def _alb_annotations(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, str]:
    ing = deploy.ingress
    return {
        f"{ALB_PREFIX}/scheme": ing.scheme,
        f"{ALB_PREFIX}/target-type": h.ALB_TARGET_TYPE,
        f"{ALB_PREFIX}/listen-ports": h.ALB_LISTEN_PORTS,
        f"{ALB_PREFIX}/ssl-redirect": h.ALB_REDIRECT,
        f"{ALB_PREFIX}/certificate-arn": ing.certificate_arn,
        f"{ALB_PREFIX}/ssl-policy": ing.ssl_policy,
        f"{ALB_PREFIX}/healthcheck-path": h.READINESS_PATH,
        f"{ALB_PREFIX}/healthcheck-port": str(spec.telemetry.metrics_port),
        f"{ALB_PREFIX}/success-codes": "200",
    }


def _nginx_annotations() -> dict[str, str]:
    return {
        f"{NGINX_PREFIX}/force-ssl-redirect": h.NGINX_FORCE_SSL_REDIRECT,
        f"{NGINX_PREFIX}/ssl-redirect": h.NGINX_FORCE_SSL_REDIRECT,
    }


def ingress(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    ing = deploy.ingress
    alb = ing.load_balancer is LoadBalancer.ALB
    port: dict[str, Any] = {"name": APP_PORT_NAME}
    if alb and traffic_routed(deploy):
        port = {"name": ALB_USE_ANNOTATION}
    path = {
        "path": ing.path,
        "pathType": "Prefix",
        "backend": {"service": {"name": spec.name, "port": port}},
    }
    body: dict[str, Any] = {
        "ingressClassName": ing.load_balancer.value,
        "rules": [{"host": ing.host, "http": {"paths": [path]}}],
    }
    if not alb:
        body["tls"] = [{"hosts": [ing.host], "secretName": ing.tls_secret}]
    annotations = _alb_annotations(spec, deploy) if alb else _nginx_annotations()
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(spec, annotations=annotations),
        "spec": body,
    }


def http_route(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    ing = deploy.ingress
    backends: list[dict[str, Any]] = [{"name": spec.name, "port": deploy.app_port, "weight": 100}]
    if traffic_routed(deploy):  # Argo Rollouts' Gateway API plugin moves these weights
        backends.append({"name": canary_name(spec), "port": deploy.app_port, "weight": 0})
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": metadata(spec),
        "spec": {
            "parentRefs": [{"name": ing.gateway_name, "namespace": ing.gateway_namespace}],
            "hostnames": [ing.host],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": ing.path}}],
                    "backendRefs": backends,
                }
            ],
        },
    }


def router(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    if deploy.ingress.load_balancer is LoadBalancer.GATEWAY:
        return http_route(spec, deploy)
    return ingress(spec, deploy)
