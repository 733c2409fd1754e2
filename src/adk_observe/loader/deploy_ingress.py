"""`deploy.ingress`: the load balancer class, its TLS, health check, backend timeout and the
spec's own annotations. Options of one class on another are refused with their key."""

from __future__ import annotations

import ipaddress
import re

from adk_observe import deploy_model as d
from adk_observe import kube
from adk_observe import load_balancers as lbs
from adk_observe.errors import quote
from adk_observe.loader.deploy_facts import Locator, ServiceFacts
from adk_observe.loader.deploy_v1 import HealthCheckV1, IngressV1
from adk_observe.yamlsource import KeyPath

LB = d.LoadBalancer
DNS_SUBDOMAIN = kube.DNS_SUBDOMAIN
CERT_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$")
# AWS: an ALB name is 1-32 alphanumerics or hyphens, not at either end, not "internal-...".
ALB_NAME = re.compile(r"^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
# AWS tag keys (1-128) and values (0-256) without the `,` and `=` the annotation splits on.
TAG_KEY = re.compile(r"^(?!aws:)[A-Za-z0-9 _.:/+@-]{1,128}$")
TAG_VALUE = re.compile(r"^[A-Za-z0-9 _.:/+@-]{0,256}$")
MAX_TAGS = 50
# A subnet or security group: its ID, or a Name tag the controller resolves.
AWS_REF = re.compile(r"^[A-Za-z0-9 _.:/+@-]{1,255}$")
# A GCP resource name (RFC 1035): SSL policies, Cloud Armor policies, static addresses.
GCP_NAME = re.compile(r"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")
MAX_ANNOTATION_VALUE = 4096
# What the API server refuses in an Ingress path of type Prefix (networking validation) and the
# Gateway API in an HTTPRoute path: dot segments and empty segments (the `%2f` it also refuses
# never passes the path pattern).
PATH_SEQUENCES = ("//", "/./", "/../")
PATH_SUFFIXES = ("/.", "/..")
# ingress-nginx's admission webhook (strict-validate-path-type, on by default since v1.12)
# admits a Prefix path of letters, digits, `/`, `_` and `-` only (its FAQ, "Validation of path").
NGINX_PREFIX_PATH = re.compile(r"^/[A-Za-z0-9/_-]*$")
MANAGED_CERTIFICATE_HOST = 63  # GKE's limit on a ManagedCertificate's domain
# Which class each option belongs to (the key under ingress, and the classes that take it).
CLASS_OPTIONS: dict[str, frozenset[d.LoadBalancer]] = {
    "certificate_arn": frozenset({LB.ALB}),
    "scheme": frozenset({LB.ALB}),
    "load_balancer_name": frozenset({LB.ALB}),
    "tags": frozenset({LB.ALB}),
    "subnets": frozenset({LB.ALB}),
    "security_groups": frozenset({LB.ALB}),
    "tls_secret": frozenset({LB.NGINX, LB.GKE, LB.GKE_GATEWAY}),
    "gateway": frozenset({LB.GATEWAY}),
    "ssl_policy": frozenset({LB.ALB, LB.GKE, LB.GKE_GATEWAY}),
    "health_check": frozenset(k for k, v in lbs.LOAD_BALANCERS.items() if v.health_check),
    "security_policy": frozenset({LB.GKE, LB.GKE_GATEWAY}),
    "static_ip": frozenset({LB.GKE, LB.GKE_GATEWAY}),
    "gateway_class": frozenset({LB.GKE_GATEWAY}),
}


def ingress(spec: IngressV1, facts: ServiceFacts, at: Locator) -> d.Ingress:
    lb = d.LoadBalancer(spec.class_)
    _check_host_and_cidrs(spec, at)
    if lb is LB.NGINX and not NGINX_PREFIX_PATH.fullmatch(spec.path):
        raise at.fail(
            ("ingress", "path"),
            f"{quote(spec.path)}: ingress-nginx admits a Prefix path of letters, digits, /, _ "
            "and - only (strict-validate-path-type)",
        )
    _check_class_options(spec, lb, at)
    gke = _gke(spec, lb, at)
    if lb is LB.ALB:
        _check_alb(spec, at)
    if lb is LB.GATEWAY and spec.gateway is None:
        raise at.fail(
            ("ingress",), "class gateway needs gateway: {name, namespace} (the parent Gateway)"
        )
    _check_open_cidrs(spec, at)
    gateway = spec.gateway
    controller_ns = spec.controller_namespace or (
        gateway.namespace if gateway else lb_facts(lb).controller_namespace
    )
    return d.Ingress(
        load_balancer=lb,
        host=spec.host,
        path=spec.path,
        controller_namespace=controller_ns,
        allow_cidrs=tuple(spec.allow_cidrs),
        certificate_arn=spec.certificate_arn,
        ssl_policy=_ssl_policy(spec, lb),
        scheme=spec.scheme or lbs.ALB_SCHEME,
        tls_secret=spec.tls_secret or _default_tls_secret(spec, lb),
        gateway_name=gateway.name if gateway else "",
        gateway_namespace=gateway.namespace if gateway else "",
        timeout_seconds=backend_timeout(spec, facts, at),
        health_check=_health_check(spec.health_check, at),
        annotations=_annotations(spec, lb, at),
        alb=d.AlbOptions(
            name=spec.load_balancer_name or "",
            tags=tuple(sorted(spec.tags.items())),
            subnets=tuple(spec.subnets),
            security_groups=tuple(spec.security_groups),
        ),
        gke=gke,
    )


def lb_facts(lb: d.LoadBalancer) -> lbs.LoadBalancerFacts:
    return lbs.LOAD_BALANCERS[lb]


def _check_host_and_cidrs(spec: IngressV1, at: Locator) -> None:
    host = spec.host
    if not DNS_SUBDOMAIN.fullmatch(host) or "." not in host:
        raise at.fail(("ingress", "host"), f"{quote(host)} is not a valid DNS host name")
    path = spec.path
    if any(s in path for s in PATH_SEQUENCES) or path.endswith(PATH_SUFFIXES):
        raise at.fail(
            ("ingress", "path"),
            f"{quote(path)} has an empty or dot segment (//, /./, /../): Kubernetes refuses "
            "it in an Ingress or HTTPRoute path",
        )
    for i, cidr in enumerate(spec.allow_cidrs):
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            raise at.fail(
                ("ingress", "allow_cidrs", i),
                f"{quote(cidr)} is not a CIDR (network address/prefix, host bits zero)",
            ) from None


def _check_class_options(spec: IngressV1, lb: d.LoadBalancer, at: Locator) -> None:
    for key, classes in CLASS_OPTIONS.items():
        if lb not in classes and getattr(spec, key) not in (None, "", [], {}):
            names = ", ".join(sorted(c.value for c in classes))
            said = f"class {names} only" if len(classes) == 1 else f"classes {names}"
            raise at.fail(("ingress", key), f"{key} belongs to {said}")


def _check_open_cidrs(spec: IngressV1, at: Locator) -> None:
    for i, cidr in enumerate(spec.allow_cidrs):
        # A /0 lets every address reach the pods: say so explicitly, on an ALB that faces the
        # internet anyway, or list the VPC CIDRs.
        if ipaddress.ip_network(cidr).prefixlen == 0 and spec.scheme != "internet-facing":
            raise at.fail(
                ("ingress", "allow_cidrs", i),
                f"{cidr} opens the pods to every address: list the VPC CIDR(s), or (class "
                "alb only) set scheme: internet-facing to say the service is public",
            )


def _check_alb(spec: IngressV1, at: Locator) -> None:
    where: KeyPath = ("ingress",)
    if not CERT_ARN.fullmatch(spec.certificate_arn):
        raise at.fail(
            (*where, "certificate_arn"),
            "the ALB needs an ACM certificate ARN "
            "(arn:aws:acm:<region>:<account>:certificate/<id>) for HTTPS",
        )
    if not spec.allow_cidrs:
        raise at.fail(
            (*where, "allow_cidrs"),
            "the ALB (target type ip) reaches pods from its VPC addresses: list the VPC "
            "CIDR(s) in allow_cidrs so the NetworkPolicy lets its traffic and health checks in",
        )
    policy = _ssl_policy(spec, LB.ALB)
    if policy not in lbs.ALB_TLS12_POLICIES:
        raise at.fail(
            (*where, "ssl_policy"),
            f"{quote(policy)} is not one of the AWS policies that refuse TLS 1.0/1.1 "
            "(e.g. ELBSecurityPolicy-TLS13-1-2-2021-06)",
        )
    name = spec.load_balancer_name
    if name is not None and not ALB_NAME.fullmatch(name):
        raise at.fail(
            (*where, "load_balancer_name"),
            f"{quote(name)} is not an ALB name (1-32 letters, digits or -, not at either end, "
            "not starting with internal-)",
        )
    _check_tags(spec, at)
    for key, minimum in (("subnets", 2), ("security_groups", 1)):
        refs: list[str] = getattr(spec, key)
        for i, ref in enumerate(refs):
            if not AWS_REF.fullmatch(ref) or refs.index(ref) != i:
                raise at.fail(
                    (*where, key, i),
                    f"{quote(ref)} is not an AWS ID or Name tag (letters, digits, space and "
                    "_.:/+@-), or is listed twice",
                )
        if refs and len(refs) < minimum:
            raise at.fail((*where, key), "an ALB needs subnets in at least two Availability Zones")


def _check_tags(spec: IngressV1, at: Locator) -> None:
    if len(spec.tags) > MAX_TAGS:
        raise at.fail(("ingress", "tags"), f"at most {MAX_TAGS} tags (AWS's limit)")
    for key, value in spec.tags.items():
        if not TAG_KEY.fullmatch(key) or not TAG_VALUE.fullmatch(value):
            raise at.fail(
                ("ingress", "tags", key),
                f"{quote(key)}: {quote(value)} is not an AWS tag (key 1-128, value 0-256 "
                "letters, digits, space and _.:/+@-; no aws: prefix)",
            )


def _gke(spec: IngressV1, lb: d.LoadBalancer, at: Locator) -> d.GkeOptions:
    if lb not in (LB.GKE, LB.GKE_GATEWAY):
        return d.GkeOptions()
    for key in ("ssl_policy", "security_policy", "static_ip"):
        value = getattr(spec, key)
        if value is not None and not GCP_NAME.fullmatch(value):
            raise at.fail(
                ("ingress", key),
                f"{quote(value)} is not a GCP resource name (1-63 lower-case letters, digits "
                "or -, starting with a letter)",
            )
    gateway_class = ""
    if lb is LB.GKE_GATEWAY:
        gateway_class = spec.gateway_class or lbs.GKE_DEFAULT_GATEWAY_CLASS
        if gateway_class not in lbs.GKE_GATEWAY_CLASSES:
            raise at.fail(
                ("ingress", "gateway_class"),
                f"{quote(gateway_class)} is not a GKE Application Load Balancer class "
                f"({', '.join(sorted(lbs.GKE_GATEWAY_CLASSES))})",
            )
        if lbs.GKE_GATEWAY_CLASSES[gateway_class] and not spec.allow_cidrs:
            raise at.fail(
                ("ingress", "allow_cidrs"),
                f"{gateway_class} proxies run in the VPC's proxy-only subnet: list its CIDR in "
                "allow_cidrs so the NetworkPolicy lets their traffic in",
            )
    managed = lb is LB.GKE and spec.tls_secret is None
    if managed and len(spec.host) > MANAGED_CERTIFICATE_HOST:
        raise at.fail(
            ("ingress", "host"),
            f"a Google-managed certificate covers host names of at most "
            f"{MANAGED_CERTIFICATE_HOST} characters: set tls_secret for this host",
        )
    return d.GkeOptions(
        security_policy=spec.security_policy or "",
        static_ip=spec.static_ip or "",
        gateway_class=gateway_class,
        managed_certificate=managed,
    )


def _ssl_policy(spec: IngressV1, lb: d.LoadBalancer) -> str:
    if lb is LB.ALB:
        return spec.ssl_policy or lbs.ALB_DEFAULT_SSL_POLICY
    if lb in (LB.GKE, LB.GKE_GATEWAY):
        return spec.ssl_policy or lbs.GKE_DEFAULT_SSL_POLICY
    return ""


def _default_tls_secret(spec: IngressV1, lb: d.LoadBalancer) -> str:
    if lb in (LB.NGINX, LB.GKE_GATEWAY):
        return f"{spec.host.replace('.', '-')}-tls"[:63].strip("-")
    return ""


def _health_check(spec: HealthCheckV1 | None, at: Locator) -> d.HealthCheck:
    if spec is None:
        return d.HealthCheck()
    where: KeyPath = ("ingress", "health_check")
    if spec.path not in d.METRICS_PORT_PATHS:
        raise at.fail(
            (*where, "path"),
            f"{quote(spec.path)} is not served on the metrics port the health check asks (only "
            f"{', '.join(d.METRICS_PORT_PATHS)}): every pod would fail it",
        )
    if not 5 <= spec.interval <= 300:
        raise at.fail((*where, "interval"), "must be within 5s..300s (AWS and GCP bounds)")
    if not 2 <= spec.timeout < spec.interval or spec.timeout > 120:
        raise at.fail(
            (*where, "timeout"),
            f"must be within 2s..120s and below the interval ({spec.interval}s)",
        )
    return d.HealthCheck(
        path=spec.path,
        interval_seconds=spec.interval,
        timeout_seconds=spec.timeout,
        healthy_threshold=spec.healthy_threshold,
        unhealthy_threshold=spec.unhealthy_threshold,
    )


def backend_timeout(spec: IngressV1, facts: ServiceFacts, at: Locator) -> int:
    """`ingress.timeout`, which must be above every latency SLO's threshold (a turn the SLO
    counts as good must not be cut by the load balancer), or the default derived from them."""
    slowest = max(facts.latency, key=lambda s: s[2], default=None)
    threshold = slowest[2] if slowest else 0.0
    if spec.timeout is None:
        if threshold >= lbs.MAX_BACKEND_TIMEOUT:
            assert slowest is not None
            raise at.fail(
                ("slos", slowest[0], "sli"),
                f"latency SLO {slowest[1]!r} allows turns of {threshold:g}s: no backend "
                f"timeout up to {lbs.MAX_BACKEND_TIMEOUT}s is above it",
                absolute=True,
            )
        return lbs.default_backend_timeout(threshold)
    if not 1 <= spec.timeout <= lbs.MAX_BACKEND_TIMEOUT:
        raise at.fail(("ingress", "timeout"), f"must be within 1s..{lbs.MAX_BACKEND_TIMEOUT}s")
    if slowest and spec.timeout <= threshold:
        raise at.fail(
            ("ingress", "timeout"),
            f"{spec.timeout}s is not above the threshold of latency SLO {slowest[1]!r} "
            f"(spec.slos[{slowest[0]}], {threshold:g}s): the load balancer would cut turns "
            "the SLO counts as good",
        )
    return spec.timeout


def _annotations(spec: IngressV1, lb: d.LoadBalancer, at: Locator) -> tuple[tuple[str, str], ...]:
    for key, value in spec.annotations.items():
        where: KeyPath = ("ingress", "annotations", key)
        if not kube.label_key_ok(key):
            raise at.fail(where, f"{quote(key)} is not a valid annotation key")
        if not value.isprintable() or len(value) > MAX_ANNOTATION_VALUE:
            raise at.fail(
                where,
                f"the value must be printable text of at most {MAX_ANNOTATION_VALUE} characters",
            )
        if pattern := lbs.annotation_matches(key, lbs.MANAGED_ANNOTATIONS[lb]):
            raise at.fail(
                where,
                f"{quote(key)} is set by adk-observe ({pattern}): use the ingress fields "
                "(ssl_policy, scheme, timeout, health_check, ...) instead",
            )
        if pattern := lbs.annotation_matches(key, lbs.UNSAFE_ANNOTATIONS):
            raise at.fail(where, f"{quote(key)} ({pattern}) can weaken TLS or inject configuration")
    return tuple(sorted(spec.annotations.items()))
