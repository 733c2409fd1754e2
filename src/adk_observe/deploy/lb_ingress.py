"""Kubernetes Ingress for the AWS Load Balancer Controller (class alb) and ingress-nginx (class
nginx). With a traffic-routed Rollout the backend follows Argo Rollouts' conventions so it can
shift weights and add header routes."""

from __future__ import annotations

from typing import Any

from adk_observe import load_balancers as lbs
from adk_observe.deploy import hardening as h
from adk_observe.deploy.kinds import routes_traffic
from adk_observe.deploy.meta import APP_PORT_NAME, metadata
from adk_observe.deploy_model import DeployConfig, LoadBalancer
from adk_observe.model import ServiceSpec

# Port name that tells the ALB controller to read the backend from an actions annotation,
# which Argo Rollouts writes with the stable/canary weights.
ALB_USE_ANNOTATION = "use-annotation"


def _alb(key: str) -> str:
    return lbs.ALB_PREFIX + key


def alb_annotations(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, str]:
    ing = deploy.ingress
    hc = ing.health_check
    out = {
        _alb("scheme"): ing.scheme,
        _alb("target-type"): h.ALB_TARGET_TYPE,
        _alb("listen-ports"): h.ALB_LISTEN_PORTS,
        _alb("ssl-redirect"): h.ALB_REDIRECT,
        _alb("certificate-arn"): ing.certificate_arn,
        _alb("ssl-policy"): ing.ssl_policy,
        _alb("healthcheck-protocol"): "HTTP",
        _alb("healthcheck-path"): hc.path,
        _alb("healthcheck-port"): str(spec.telemetry.metrics_port),
        _alb("healthcheck-interval-seconds"): str(hc.interval_seconds),
        _alb("healthcheck-timeout-seconds"): str(hc.timeout_seconds),
        _alb("healthy-threshold-count"): str(hc.healthy_threshold),
        _alb("unhealthy-threshold-count"): str(hc.unhealthy_threshold),
        _alb("success-codes"): "200",
        # The ALB's only backend timeout is its idle timeout; invalid headers are dropped
        # rather than passed on (request smuggling).
        _alb("load-balancer-attributes"): (
            f"idle_timeout.timeout_seconds={ing.timeout_seconds},{h.ALB_DROP_INVALID_HEADERS}=true"
        ),
    }
    alb = ing.alb
    if alb.name:
        out[_alb("load-balancer-name")] = alb.name
    if alb.tags:
        out[_alb("tags")] = ",".join(f"{k}={v}" for k, v in alb.tags)
    if alb.subnets:
        out[_alb("subnets")] = ",".join(alb.subnets)
    if alb.security_groups:
        # Our own groups replace the controller's: let it still open the targets to the ALB.
        out[_alb("security-groups")] = ",".join(alb.security_groups)
        out[_alb("manage-backend-security-group-rules")] = "true"
    return out


def nginx_annotations(deploy: DeployConfig) -> dict[str, str]:
    timeout = str(deploy.ingress.timeout_seconds)
    return {
        f"{lbs.NGINX_PREFIX}force-ssl-redirect": h.NGINX_FORCE_SSL_REDIRECT,
        f"{lbs.NGINX_PREFIX}ssl-redirect": h.NGINX_FORCE_SSL_REDIRECT,
        f"{lbs.NGINX_PREFIX}proxy-read-timeout": timeout,
        f"{lbs.NGINX_PREFIX}proxy-send-timeout": timeout,
    }


def with_spec_annotations(ours: dict[str, str], deploy: DeployConfig) -> dict[str, str]:
    """Ours plus the spec's `ingress.annotations`, which never replace ours (the loader
    refuses them; this is the second lock)."""
    theirs = dict(deploy.ingress.annotations)
    clash = sorted(set(ours) & set(theirs))
    assert not clash, clash
    return {**ours, **theirs}


def ingress(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    ing = deploy.ingress
    alb = ing.load_balancer is LoadBalancer.ALB
    port: dict[str, Any] = {"name": APP_PORT_NAME}
    if alb and routes_traffic(deploy):
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
    ours = alb_annotations(spec, deploy) if alb else nginx_annotations(deploy)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(spec, annotations=with_spec_annotations(ours, deploy)),
        "spec": body,
    }
