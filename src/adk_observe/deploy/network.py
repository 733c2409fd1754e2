"""NetworkPolicy: default deny, then only the paths the agent needs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from adk_observe.deploy import hardening as h
from adk_observe.deploy.meta import metadata, pod_group
from adk_observe.deploy_model import DeployConfig, LoadBalancer
from adk_observe.load_balancers import GOOGLE_FRONT_END_CIDRS
from adk_observe.model import ServiceSpec


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {h.NAMESPACE_NAME_LABEL: name}}}


def _tcp(port: int) -> dict[str, Any]:
    return {"protocol": "TCP", "port": port}


def service_namespace(host: str) -> str:
    """The namespace of an in-cluster Service host name: `svc.ns`, `svc.ns.svc`, the fully
    qualified `svc.ns.svc.cluster.local` (any cluster domain), with or without the root's
    trailing dot; "" for any other host (an IP address, a name outside the cluster)."""
    parts = host.lower().removesuffix(".").split(".")
    if len(parts) == 2 or (len(parts) >= 3 and parts[2] == "svc"):
        return parts[1]
    return ""


def telemetry_targets(spec: ServiceSpec) -> list[tuple[str, int]]:
    """(namespace or "", port) of each telemetry sink that is not on 443: the OTLP collector and
    Fluentd (namespace: service_namespace; "" is any destination on that port)."""
    t = spec.telemetry
    sinks: list[tuple[str, int]] = []
    if t.tracing_enabled and t.tracing_endpoint:
        url = urlsplit(t.tracing_endpoint)
        port = url.port or (443 if url.scheme == "https" else 80)
        sinks.append((url.hostname or "", port))
    if t.fluentd_host:
        sinks.append((t.fluentd_host, t.fluentd_port))
    out = []
    for host, port in sinks:
        if port == h.HTTPS_PORT:
            continue
        out.append((service_namespace(host), port))
    return sorted(set(out))


def _ingress_rules(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    ing = deploy.ingress
    metrics_port = spec.telemetry.metrics_port
    rules: list[dict[str, Any]] = []
    if ing.controller_namespace:  # in-cluster proxies (ingress-nginx, a Gateway's pods)
        rules.append(
            {"from": [_namespace(ing.controller_namespace)], "ports": [_tcp(deploy.app_port)]}
        )
    rules.append({"from": [_namespace(deploy.monitoring.namespace)], "ports": [_tcp(metrics_port)]})
    cidrs = list(ing.allow_cidrs)
    if ing.load_balancer in (LoadBalancer.GKE, LoadBalancer.GKE_GATEWAY):
        cidrs += [c for c in GOOGLE_FRONT_END_CIDRS if c not in cidrs]
    if cidrs:
        # ALB target type ip, GKE NEGs: traffic and health checks (/ready, on the metrics
        # port) come straight from the load balancer's addresses.
        ports = [_tcp(deploy.app_port)]
        if ing.facts.direct_to_pods:
            ports.append(_tcp(metrics_port))
        rules.append({"from": [{"ipBlock": {"cidr": c}} for c in cidrs], "ports": ports})
    return rules


def _egress_allowed(deploy: DeployConfig) -> list[dict[str, Any]]:
    """The spec's allow-list, or (none given) any address on TCP 443."""
    if deploy.egress is None:
        return [{"ports": [_tcp(h.HTTPS_PORT)]}]
    out = []
    for rule in deploy.egress:
        to = [_namespace(rule.namespace)] if rule.namespace else []
        to += [{"ipBlock": {"cidr": c}} for c in rule.cidrs]
        out.append({"to": to, "ports": [_tcp(p) for p in rule.ports]})
    return out


def network_policy(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    ingress = _ingress_rules(spec, deploy)
    egress: list[dict[str, Any]] = [
        {
            "to": [
                {**_namespace(h.DNS_NAMESPACE), "podSelector": {"matchLabels": h.DNS_POD_LABELS}}
            ],
            "ports": [
                {"protocol": "UDP", "port": h.DNS_PORT},
                {"protocol": "TCP", "port": h.DNS_PORT},
            ],
        },
        *_egress_allowed(deploy),
    ]
    for ns, port in telemetry_targets(spec):
        rule: dict[str, Any] = {"ports": [_tcp(port)]}
        if ns:
            rule = {"to": [_namespace(ns)], **rule}
        egress.append(rule)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(spec),
        "spec": {
            "podSelector": {"matchLabels": pod_group(spec)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }


def default_deny(spec: ServiceSpec) -> dict[str, Any]:
    """Every pod of the namespace: nothing in, nothing out, unless another policy allows it."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(spec, "default-deny"),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
