"""NetworkPolicy: default deny, then only the paths the agent needs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from adk_observe.deploy import hardening as h
from adk_observe.deploy.meta import metadata, pod_group
from adk_observe.deploy_model import DeployConfig, LoadBalancer
from adk_observe.model import ServiceSpec


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {h.NAMESPACE_NAME_LABEL: name}}}


def _tcp(port: int) -> dict[str, Any]:
    return {"protocol": "TCP", "port": port}


def telemetry_targets(spec: ServiceSpec) -> list[tuple[str, int]]:
    """(namespace or "", port) of each telemetry sink that is not on 443: the OTLP collector and
    Fluentd. `svc.namespace[.svc...]` hosts give the namespace; other hosts give "" (any)."""
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
        parts = host.split(".")
        in_cluster = len(parts) >= 2 and (len(parts) == 2 or parts[2] == "svc")
        out.append((parts[1] if in_cluster else "", port))
    return sorted(set(out))


def network_policy(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    ing = deploy.ingress
    metrics_port = spec.telemetry.metrics_port
    ingress: list[dict[str, Any]] = [
        {"from": [_namespace(ing.controller_namespace)], "ports": [_tcp(deploy.app_port)]},
        {"from": [_namespace(deploy.monitoring.namespace)], "ports": [_tcp(metrics_port)]},
    ]
    if ing.allow_cidrs:
        # ALB target type ip: traffic and health checks (/ready, on the metrics port) come
        # straight from the load balancer's addresses in the VPC.
        ports = [_tcp(deploy.app_port)]
        if ing.load_balancer is LoadBalancer.ALB:
            ports.append(_tcp(metrics_port))
        ingress.append(
            {"from": [{"ipBlock": {"cidr": c}} for c in ing.allow_cidrs], "ports": ports}
        )
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
        {"ports": [_tcp(h.HTTPS_PORT)]},
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
