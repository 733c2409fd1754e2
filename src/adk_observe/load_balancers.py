"""Load balancer classes as a table of facts: what each `ingress.class` routes, where its traffic
comes from, its TLS defaults and the annotations adk-observe owns on it. The loader checks specs
against these rows and the generators (deploy/) read them: a new class is a row here plus its
generator."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

# Facts about the cluster the loader checks and the generators use.
ALB_SCHEME = "internet-facing"  # the default; `ingress.scheme: internal` for a VPC-only ALB
ALB_SCHEMES = ("internal", "internet-facing")
# The AWS ELB security policies that refuse TLS 1.0 and 1.1 (Elastic Load Balancing docs,
# "Security policies for your Application Load Balancer"): the TLS13-1-2/1-3 families (with
# their FIPS 2023-04 and post-quantum 2025-09 variants), TLS-1-2 and FS-1-2.
ALB_TLS12_POLICIES = frozenset(
    {
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-FS-1-2-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    }
)
ALB_DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


class LoadBalancer(StrEnum):
    ALB = "alb"  # AWS Load Balancer Controller Ingress
    NGINX = "nginx"  # ingress-nginx Ingress
    GATEWAY = "gateway"  # Gateway API HTTPRoute on an existing Gateway
    GKE = "gke"  # GKE's gce Ingress with BackendConfig, FrontendConfig, ManagedCertificate
    GKE_GATEWAY = "gke-gateway"  # a Gateway on a GKE class, HTTPRoute and GKE's policies


class Routing(StrEnum):
    """How Argo Rollouts splits a canary's traffic on a load balancer class."""

    WEIGHTED = "weighted"  # the load balancer's own weights (trafficRouting)
    REPLICAS = "replicas"  # no weights: the canary's share of pods is its share of traffic


@dataclass(frozen=True)
class LoadBalancerFacts:
    """What the loader checks and the generators assume about one `ingress.class`."""

    routing: Routing
    header_match: bool  # A/B by header (Argo setHeaderRoute or canary-by-header)
    cookie_match: bool  # A/B by cookie (ingress-nginx canary-by-cookie)
    flagger_provider: str  # Flagger's provider name; "" when Flagger has no router for it
    controller_namespace: str  # where the proxies run ("" for a cloud load balancer)
    # The load balancer's own addresses reach the pods (target type ip / NEGs): they need
    # an ipBlock in the NetworkPolicy (allow_cidrs, or the cloud's documented ranges).
    direct_to_pods: bool
    health_check: bool  # the spec's health_check configures the load balancer's checks


# Google Front Ends: the sources of the health checks and proxied traffic of GKE's external
# Application Load Balancers (Cloud Load Balancing docs, "Firewall rules": 35.191.0.0/16 and
# 130.211.0.0/22).
GOOGLE_FRONT_END_CIDRS = ("130.211.0.0/22", "35.191.0.0/16")
LOAD_BALANCERS: dict[LoadBalancer, LoadBalancerFacts] = {
    LoadBalancer.ALB: LoadBalancerFacts(
        Routing.WEIGHTED, True, False, "", "kube-system", True, True
    ),
    LoadBalancer.NGINX: LoadBalancerFacts(
        Routing.WEIGHTED, True, True, "nginx", "ingress-nginx", False, False
    ),
    LoadBalancer.GATEWAY: LoadBalancerFacts(
        Routing.WEIGHTED, True, False, "gatewayapi:v1", "", False, False
    ),
    # The gce Ingress has no weights and no header routes: Argo runs a replica-count canary.
    LoadBalancer.GKE: LoadBalancerFacts(Routing.REPLICAS, False, False, "", "", True, True),
    LoadBalancer.GKE_GATEWAY: LoadBalancerFacts(
        Routing.WEIGHTED, True, False, "gatewayapi:v1", "", True, True
    ),
}
# GKE Gateway classes (GKE docs, "GatewayClass capabilities") whose load balancer is reached
# through the Google Front Ends, and the regional/internal ones whose proxies run in a
# proxy-only subnet of the VPC (list that subnet in allow_cidrs).
GKE_GATEWAY_CLASSES = {
    "gke-l7-global-external-managed": False,
    "gke-l7-gxlb": False,
    "gke-l7-regional-external-managed": True,
    "gke-l7-rilb": True,
}
GKE_DEFAULT_GATEWAY_CLASS = "gke-l7-global-external-managed"
# The GCP SSL policy GKE's load balancers use unless the spec names another: a policy of the
# project (`gcloud compute ssl-policies create adk-observe-tls12 --profile MODERN
# --min-tls-version 1.2`, see docs/deploy.md) that refuses TLS 1.0 and 1.1.
GKE_DEFAULT_SSL_POLICY = "adk-observe-tls12"
# Backend timeout: at least this long, and above the slowest latency objective (timeouts.py).
MIN_BACKEND_TIMEOUT = 60
MAX_BACKEND_TIMEOUT = 3600


ALB_PREFIX = "alb.ingress.kubernetes.io/"
NGINX_PREFIX = "nginx.ingress.kubernetes.io/"
# Annotations adk-observe sets (or Argo Rollouts / Flagger write) on the object a load balancer
# controller reads: `ingress.annotations` may not set them (they carry the TLS policy, scheme,
# redirect, health check, timeouts and traffic weights). A key ending in `*` is a prefix.
MANAGED_ANNOTATIONS: dict[LoadBalancer, frozenset[str]] = {
    LoadBalancer.ALB: frozenset(
        ALB_PREFIX + k
        for k in (
            "scheme",
            "target-type",
            "listen-ports",
            "ssl-redirect",
            "certificate-arn",
            "ssl-policy",
            "healthcheck-path",
            "healthcheck-port",
            "healthcheck-protocol",
            "healthcheck-interval-seconds",
            "healthcheck-timeout-seconds",
            "healthy-threshold-count",
            "unhealthy-threshold-count",
            "success-codes",
            "load-balancer-attributes",
            "load-balancer-name",
            "tags",
            "subnets",
            "security-groups",
            "manage-backend-security-group-rules",
            "actions.*",
            "conditions.*",
        )
    ),
    LoadBalancer.NGINX: frozenset(
        NGINX_PREFIX + k
        for k in (
            "force-ssl-redirect",
            "ssl-redirect",
            "proxy-read-timeout",
            "proxy-send-timeout",
            "canary*",
        )
    ),
    LoadBalancer.GATEWAY: frozenset(),
    LoadBalancer.GKE: frozenset(
        {
            "kubernetes.io/ingress.class",
            "kubernetes.io/ingress.allow-http",
            "kubernetes.io/ingress.global-static-ip-name",
            "networking.gke.io/v1beta1.FrontendConfig",
            "networking.gke.io/managed-certificates",
        }
    ),
    LoadBalancer.GKE_GATEWAY: frozenset(),
}
# Annotations that weaken what the module renders without being set by it: ingress-nginx
# snippets inject raw configuration (CVE-2021-25742, CVE-2025-1974) and its cipher list can
# re-enable weak ciphers.
UNSAFE_ANNOTATIONS = frozenset({NGINX_PREFIX + "*-snippet", NGINX_PREFIX + "ssl-ciphers"})


def annotation_matches(key: str, patterns: frozenset[str]) -> str | None:
    """The pattern of `patterns` that `key` matches (`*` at the end: a prefix; `*-x` after a
    prefix: a suffix), or None."""
    for pattern in sorted(patterns):
        head, star, tail = pattern.partition("*")
        if (star and key.startswith(head) and key.endswith(tail)) or key == pattern:
            return pattern
    return None


def default_backend_timeout(slowest_latency_seconds: float) -> int:
    """The backend timeout when the spec sets none: twice the slowest latency objective's
    threshold (a turn the SLO counts as good must never be cut), rounded up to whole seconds,
    and at least MIN_BACKEND_TIMEOUT (long agent turns, SSE streams)."""
    return min(
        MAX_BACKEND_TIMEOUT,
        max(MIN_BACKEND_TIMEOUT, math.ceil(2 * slowest_latency_seconds)),
    )
