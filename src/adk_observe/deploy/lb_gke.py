"""`ingress.class: gke`: GKE's gce Ingress (an external Application Load Balancer) with a
BackendConfig (health check on the readiness path, backend timeout, connection draining, Cloud
Armor, access logs), a FrontendConfig (SSL policy, HTTP -> HTTPS redirect) and a
ManagedCertificate for the host (or the spec's TLS Secret).

The gce Ingress ignores `ingressClassName` and reads the `kubernetes.io/ingress.class`
annotation. Backends are container-native (NEG annotation on the Service): the load balancer
sends to pod IPs, so the NetworkPolicy admits the Google Front End ranges. It has no traffic
weights: an Argo canary on it splits traffic by pod counts (kinds.routes_traffic).
"""

from __future__ import annotations

import json
from typing import Any

from adk_observe.deploy import hardening as h
from adk_observe.deploy.lb_ingress import with_spec_annotations
from adk_observe.deploy.meta import APP_PORT_NAME, metadata
from adk_observe.deploy_model import DeployConfig
from adk_observe.model import ServiceSpec

INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
GCE_CLASS = "gce"
FRONTEND_CONFIG_ANNOTATION = "networking.gke.io/v1beta1.FrontendConfig"
MANAGED_CERTIFICATES_ANNOTATION = "networking.gke.io/managed-certificates"
STATIC_IP_ANNOTATION = "kubernetes.io/ingress.global-static-ip-name"
NEG_ANNOTATION = "cloud.google.com/neg"
BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config"
BACKEND_CONFIG_API = "cloud.google.com/v1"
FRONTEND_CONFIG_API = "networking.gke.io/v1beta1"
MANAGED_CERTIFICATE_API = "networking.gke.io/v1"


def service_annotations(spec: ServiceSpec) -> dict[str, str]:
    """On the Service the Ingress routes to: container-native load balancing, and our
    BackendConfig for its port."""
    return {
        NEG_ANNOTATION: json.dumps({"ingress": True}),
        BACKEND_CONFIG_ANNOTATION: json.dumps({"default": spec.name}),
    }


def ingress(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    ing = deploy.ingress
    ours = {INGRESS_CLASS_ANNOTATION: GCE_CLASS, FRONTEND_CONFIG_ANNOTATION: spec.name}
    if ing.gke.managed_certificate:
        ours[MANAGED_CERTIFICATES_ANNOTATION] = spec.name
    if ing.gke.static_ip:
        ours[STATIC_IP_ANNOTATION] = ing.gke.static_ip
    path = {
        "path": ing.path,
        "pathType": "Prefix",
        "backend": {"service": {"name": spec.name, "port": {"name": APP_PORT_NAME}}},
    }
    body: dict[str, Any] = {"rules": [{"host": ing.host, "http": {"paths": [path]}}]}
    if not ing.gke.managed_certificate:
        body["tls"] = [{"hosts": [ing.host], "secretName": ing.tls_secret}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(spec, annotations=with_spec_annotations(ours, deploy)),
        "spec": body,
    }


def backend_config(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    ing = deploy.ingress
    hc = ing.health_check
    body: dict[str, Any] = {
        "timeoutSec": ing.timeout_seconds,
        "connectionDraining": {"drainingTimeoutSec": deploy.termination_grace_seconds},
        "healthCheck": {
            "type": "HTTP",
            "requestPath": hc.path,
            "port": spec.telemetry.metrics_port,
            "checkIntervalSec": hc.interval_seconds,
            "timeoutSec": hc.timeout_seconds,
            "healthyThreshold": hc.healthy_threshold,
            "unhealthyThreshold": hc.unhealthy_threshold,
        },
        "logging": {"enable": True, "sampleRate": h.GKE_LOG_SAMPLE_RATE},
    }
    if ing.gke.security_policy:
        body["securityPolicy"] = {"name": ing.gke.security_policy}
    return {
        "apiVersion": BACKEND_CONFIG_API,
        "kind": "BackendConfig",
        "metadata": metadata(spec),
        "spec": body,
    }


def frontend_config(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    return {
        "apiVersion": FRONTEND_CONFIG_API,
        "kind": "FrontendConfig",
        "metadata": metadata(spec),
        "spec": {
            "sslPolicy": deploy.ingress.ssl_policy,
            "redirectToHttps": {"enabled": True, "responseCodeName": h.GKE_REDIRECT_CODE},
        },
    }


def managed_certificate(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    return {
        "apiVersion": MANAGED_CERTIFICATE_API,
        "kind": "ManagedCertificate",
        "metadata": metadata(spec),
        "spec": {"domains": [deploy.ingress.host]},
    }


def objects(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    out = [backend_config(spec, deploy), frontend_config(spec, deploy)]
    if deploy.ingress.gke.managed_certificate:
        out.append(managed_certificate(spec, deploy))
    return [*out, ingress(spec, deploy)]
