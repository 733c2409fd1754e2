"""The spec's `deploy` section (adk-observe/v1): pydantic shape plus the cross-field checks.

Shape errors (unknown key, wrong type) are reported by the loader; everything that needs more
than one field, or a look at the rest of the spec, is checked in `to_deploy_model`.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from adk_observe import deploy_model as d
from adk_observe import kube
from adk_observe.errors import SpecError, quote
from adk_observe.loader import fleet_v1
from adk_observe.loader.fields import (
    DNS_LABEL,
    DnsName,
    LatencySeconds,
    Seconds,
    SloName,
    Strict,
)
from adk_observe.loader.fleet_v1 import RemoteWriteV1
from adk_observe.loader.yamlsource import Document, KeyPath, format_path

QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
DIGEST = re.compile(r"@sha256:[a-f0-9]{64}$")
# registry/path[:tag][@sha256:digest]: lower-case path components, optional registry port.
IMAGE = re.compile(
    r"^(?:[a-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)
DNS_SUBDOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
CERT_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$")
# Upper bounds that no single agent service needs; past them a typo (an extra zero) would ask
# the cluster for more than it has, or let one service starve the others.
MAX_REPLICAS = 1000
QUANTITY_RANGES = {  # key: (smallest, largest), in cores or bytes
    "cpu": (0.001, 64.0),
    "memory": (16 * 2.0**20, 512 * 2.0**30),
    "ephemeral_storage": (2.0**20, 2.0**40),
}
# The longest suffix the renderer adds to the service name (`-preview`, `-metrics`, `-canary`).
NAME_SUFFIX_ROOM = len("-preview")
DEFAULT_CONTROLLER_NAMESPACE = {
    d.LoadBalancer.ALB: "kube-system",
    d.LoadBalancer.NGINX: "ingress-nginx",
}
DEFAULT_STEPS = (10, 25, 50)
# SLI kinds written in the user's own PromQL: the canary analysis cannot narrow them to a hash.
CUSTOM_SLI_KEYS = ("events", "raw")
SECRET_NAME_MAX = 63 - len("secret-")
# Kubernetes quantity suffixes, to compare requests with limits.
_QUANTITY_FACTORS = {
    "": 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
}


def _kube_label_key(key: str) -> str:
    if not kube.label_key_ok(key):
        raise ValueError(f"{quote(key)} is not a valid Kubernetes label key")
    return key


def _kube_label_value(value: str) -> str:
    if not kube.label_value_ok(value):
        raise ValueError(
            f"{quote(value)} is not a valid Kubernetes label value ({kube.LABEL_VALUE_RULE})"
        )
    return value


KubeLabels = dict[
    Annotated[str, AfterValidator(_kube_label_key)],
    Annotated[str, AfterValidator(_kube_label_value)],
]


class ScalingV1(Strict):
    min: int = Field(default=3, ge=1, le=MAX_REPLICAS)
    max: int = Field(default=10, ge=1, le=MAX_REPLICAS)
    cpu_utilization: int = Field(default=70, ge=1, le=100)
    memory_utilization: int = Field(default=80, ge=1, le=100)


class QuantitiesV1(Strict):
    cpu: str = Field(pattern=QUANTITY)
    memory: str = Field(pattern=QUANTITY)
    ephemeral_storage: str = Field(pattern=QUANTITY)


class ResourcesV1(Strict):
    requests: QuantitiesV1 = QuantitiesV1(cpu="250m", memory="512Mi", ephemeral_storage="256Mi")
    limits: QuantitiesV1 = QuantitiesV1(cpu="1", memory="1Gi", ephemeral_storage="1Gi")


class SecretV1(Strict):
    name: str = Field(description="Name of an existing Secret in the service's namespace.")
    mount_path: str = Field(pattern=r"^/[A-Za-z0-9_./-]*$")


class RbacRuleV1(Strict):
    api_groups: list[str] = [""]
    resources: list[str] = Field(min_length=1)
    verbs: list[Literal["get", "list", "watch"]] = Field(min_length=1)


class GatewayRefV1(Strict):
    name: DnsName
    namespace: DnsName


class IngressV1(Strict):
    class_: Literal["alb", "nginx", "gateway"] = Field(alias="class")
    host: str
    path: str = Field(default="/", pattern=r"^/[A-Za-z0-9_./-]*$")
    controller_namespace: DnsName | None = None
    allow_cidrs: list[str] = []
    certificate_arn: str = ""
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    scheme: Literal["internal", "internet-facing"] | None = Field(
        default=None, description="alb: internet-facing (default) or internal."
    )
    tls_secret: DnsName | None = None
    gateway: GatewayRefV1 | None = None


class AnalysisV1(Strict):
    slos: list[SloName] = []
    prometheus: str = "http://prometheus-operated.monitoring.svc:9090"
    interval: Seconds = 60
    count: int = Field(default=5, ge=1)
    query_window: Seconds = 300
    min_success: float = Field(default=99.5, gt=0, lt=100)
    max_p95: LatencySeconds = 0.3
    min_requests: int = Field(default=100, ge=1)
    stable_margin: float = Field(
        default=0.5,
        ge=0,
        description="How far the canary may exceed the stable: error ratios by this share of "
        "the SLO's error budget, p95 by this share of the stable's p95. The gate is the looser "
        "of that and the SLO's own limit.",
    )


class MatchV1(Strict):
    header: str | None = Field(None, pattern=r"^[A-Za-z0-9-]+$")
    cookie: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]+$")
    value: str = Field(min_length=1)


class StrategyV1(Strict):
    type: Literal["rolling", "blue-green", "canary", "ab"] = "rolling"
    engine: Literal["argo", "flagger"] = Field(
        default="argo",
        description="argo: an Argo Rollouts Rollout with AnalysisTemplates; flagger: a "
        "Deployment with a Flagger Canary and MetricTemplates (canary only).",
    )
    steps: list[int] | None = None
    pause: Seconds = 300
    analysis: AnalysisV1 | None = None
    match: MatchV1 | None = None


class MonitoringV1(Strict):
    namespace: DnsName = "monitoring"
    interval: str = Field(default="30s", pattern=r"^[0-9]+(s|m)$")
    labels: KubeLabels = {}


class DeploySpecV1(Strict):
    image: str
    allow_tag: bool = Field(default=False, description="Allow an image without a digest.")
    app_port: int = Field(default=8080, ge=1024, le=65535)
    run_as_user: int = Field(default=10001, ge=10000, le=2147483647)
    scaling: ScalingV1 = ScalingV1()
    resources: ResourcesV1 = ResourcesV1()
    config: dict[str, str] = {}
    secrets: list[SecretV1] = []
    rbac: list[RbacRuleV1] = []
    termination_grace: Seconds = 30
    own_namespace: bool = Field(
        default=False,
        description="The namespace is this service's alone: also render the Namespace "
        "(Pod Security labels) and a namespace-wide default-deny NetworkPolicy.",
    )
    ingress: IngressV1
    monitoring: MonitoringV1 = MonitoringV1()
    strategy: StrategyV1 = StrategyV1()
    remote_write: RemoteWriteV1 | None = None


class _Locator:
    def __init__(self, doc: Document, path: KeyPath) -> None:
        self.doc = doc
        self.path = path

    def fail(self, keys: KeyPath, message: str) -> SpecError:
        full = (*self.path, *keys)
        return SpecError(
            message, file=self.doc.file, line=self.doc.line_of(full), path=format_path(full)
        )


@dataclass(frozen=True)
class ServiceFacts:
    """What the deploy checks need from the rest of the spec, as the main mapper validated it:
    never re-read from the raw YAML (whose values the pydantic models may have coerced)."""

    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    metrics_port: int
    log_file: str
    slos: tuple[tuple[str, str], ...]  # (SLO name, its custom PromQL SLI key or "")


def to_deploy_model(
    spec: DeploySpecV1, doc: Document, path: KeyPath, facts: ServiceFacts
) -> d.DeployConfig:
    at = _Locator(doc, path)
    _check_image(spec, at)
    _check_names(spec, facts, doc, at)
    metrics_port = facts.metrics_port
    if spec.app_port == metrics_port:
        raise at.fail(
            ("app_port",),
            f"port {spec.app_port} clashes with the metrics port (spec.telemetry.metrics.port)",
        )
    if spec.scaling.min > spec.scaling.max:
        raise at.fail(
            ("scaling", "min"),
            f"min replicas {spec.scaling.min} is above max replicas {spec.scaling.max}",
        )
    for key in ("cpu", "memory", "ephemeral_storage"):
        request = getattr(spec.resources.requests, key)
        limit = getattr(spec.resources.limits, key)
        low, high = QUANTITY_RANGES[key]
        for side, text in (("requests", request), ("limits", limit)):
            if not low <= _quantity(text) <= high:
                raise at.fail(
                    ("resources", side, key),
                    f"{text} is outside the sane range {_format_range(key, low, high)}",
                )
        if _quantity(request) > _quantity(limit):
            raise at.fail(
                ("resources", "requests", key), f"request {request} is above the limit {limit}"
            )
    for key in spec.config:
        if not re.match(ENV_NAME, key):
            raise at.fail(("config", key), f"{quote(key)} is not a valid environment variable name")
    _check_log_file(facts, doc)
    mounts: dict[str, int] = {}
    names: set[str] = set()
    for i, secret in enumerate(spec.secrets):
        if not re.match(DNS_LABEL, secret.name) or len(secret.name) > SECRET_NAME_MAX:
            raise at.fail(
                ("secrets", i, "name"),
                f"{quote(secret.name)} is not a valid DNS label of at most {SECRET_NAME_MAX} "
                "characters (it also names the pod volume secret-<name>)",
            )
        if secret.name in names:
            raise at.fail(("secrets", i, "name"), f"secret {quote(secret.name)} is listed twice")
        names.add(secret.name)
        if secret.mount_path in mounts or secret.mount_path.rstrip("/") in ("", "/tmp"):
            raise at.fail(
                ("secrets", i, "mount_path"),
                f"mount path {quote(secret.mount_path)} is already used",
            )
        mounts[secret.mount_path] = i
    return d.DeployConfig(
        image=spec.image,
        allow_tag=spec.allow_tag,
        app_port=spec.app_port,
        run_as_user=spec.run_as_user,
        scaling=d.Scaling(**spec.scaling.model_dump()),
        resources=_resources(spec.resources),
        config=tuple(sorted(spec.config.items())),
        secrets=tuple(d.SecretMount(s.name, s.mount_path) for s in spec.secrets),
        rbac=tuple(
            d.RbacRule(tuple(r.api_groups), tuple(r.resources), tuple(r.verbs)) for r in spec.rbac
        ),
        termination_grace_seconds=spec.termination_grace,
        own_namespace=spec.own_namespace,
        ingress=_ingress(spec.ingress, at),
        monitoring=d.Monitoring(
            spec.monitoring.namespace,
            spec.monitoring.interval,
            tuple(sorted(spec.monitoring.labels.items())),
        ),
        strategy=_strategy(spec.strategy, spec.ingress.class_, facts, at),
        remote_write=fleet_v1.remote_write(spec.remote_write, doc, (*path, "remote_write")),
    )


def _quantity(text: str) -> float:
    number = text.rstrip("kmMGTi")
    return float(number) * _QUANTITY_FACTORS[text[len(number) :]]


def _check_image(spec: DeploySpecV1, at: _Locator) -> None:
    if not IMAGE.match(spec.image):
        raise at.fail(("image",), f"{quote(spec.image)} is not a valid image reference")
    if DIGEST.search(spec.image):
        return
    if not spec.allow_tag:
        raise at.fail(
            ("image",),
            f"image {quote(spec.image)} is not pinned by digest (name@sha256:<64 hex>); "
            "a tag can be moved to other content. Set allow_tag: true to accept it anyway",
        )
    last = spec.image.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        raise at.fail(
            ("image",), f"image {quote(spec.image)} needs an explicit tag other than latest"
        )


def _check_names(spec: DeploySpecV1, facts: ServiceFacts, doc: Document, at: _Locator) -> None:
    name = facts.name
    if len(name) > 63 - NAME_SUFFIX_ROOM:
        raise SpecError(
            f"service name {name!r} is too long to deploy: at most {63 - NAME_SUFFIX_ROOM} "
            "characters leave room for the -preview/-canary/-metrics Service names",
            file=doc.file,
            line=doc.line_of(("metadata", "name")),
            path="metadata.name",
        )
    namespace = facts.namespace
    if namespace in d.SYSTEM_NAMESPACES or namespace.startswith("kube-"):
        raise SpecError(
            f"namespace {namespace!r} belongs to the cluster's own components: deploy the "
            "service to a namespace of its own",
            file=doc.file,
            line=doc.line_of(("metadata", "namespace")),
            path="metadata.namespace",
        )
    for key, value in facts.labels:
        # Every rendered object carries these labels, so Kubernetes must accept them.
        if isinstance(value, str) and not kube.label_value_ok(value):
            raise SpecError(
                f"{quote(value)} is not a valid Kubernetes label value ({kube.LABEL_VALUE_RULE}); "
                "the deployed objects carry this label",
                file=doc.file,
                line=doc.line_of(("metadata", "labels", key)),
                path=format_path(("metadata", "labels", key)),
            )
    if namespace == "default":
        raise SpecError(
            "a deployed service needs its own namespace (metadata.namespace), not default",
            file=doc.file,
            line=doc.line_of(("metadata",)),
            path="metadata.namespace",
        )
    host = spec.ingress.host
    if not DNS_SUBDOMAIN.match(host) or "." not in host:
        raise at.fail(("ingress", "host"), f"{quote(host)} is not a valid DNS host name")
    for i, cidr in enumerate(spec.ingress.allow_cidrs):
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            raise at.fail(
                ("ingress", "allow_cidrs", i),
                f"{quote(cidr)} is not a CIDR (network address/prefix, host bits zero)",
            ) from None


def _check_log_file(facts: ServiceFacts, doc: Document) -> None:
    """The pod's root filesystem is read-only: a log file anywhere but the /tmp volume would
    fail at start (and every record after). Refuse it here instead."""
    where = ("spec", "telemetry", "logging", "file")
    path = facts.log_file
    if not isinstance(path, str) or not path:
        return
    normal = posixpath.normpath(path)
    if not path.startswith("/") or not any(
        normal.startswith(p) and len(normal) > len(p) for p in d.WRITABLE_PATHS
    ):
        raise SpecError(
            f"log file {quote(path)} is not writable in the pod (read-only root filesystem): "
            f"put it under {', '.join(d.WRITABLE_PATHS)}, or log to stdout (no file)",
            file=doc.file,
            line=doc.line_of(where),
            path=format_path(where),
        )


def _format_range(key: str, low: float, high: float) -> str:
    if key == "cpu":
        return f"{low * 1000:g}m..{high:g} cores"
    return f"{low / 2**20:g}Mi..{high / 2**30:g}Gi"


def _resources(r: ResourcesV1) -> d.Resources:
    return d.Resources(
        cpu_request=r.requests.cpu,
        memory_request=r.requests.memory,
        ephemeral_storage_request=r.requests.ephemeral_storage,
        cpu_limit=r.limits.cpu,
        memory_limit=r.limits.memory,
        ephemeral_storage_limit=r.limits.ephemeral_storage,
    )


def _ingress(spec: IngressV1, at: _Locator) -> d.Ingress:
    lb = d.LoadBalancer(spec.class_)
    where = ("ingress",)
    if lb is d.LoadBalancer.ALB and not CERT_ARN.match(spec.certificate_arn):
        raise at.fail(
            (*where, "certificate_arn"),
            "the ALB needs an ACM certificate ARN "
            "(arn:aws:acm:<region>:<account>:certificate/<id>) for HTTPS",
        )
    if lb is d.LoadBalancer.ALB and not spec.allow_cidrs:
        raise at.fail(
            (*where, "allow_cidrs"),
            "the ALB (target type ip) reaches pods from its VPC addresses: list the VPC "
            "CIDR(s) in allow_cidrs so the NetworkPolicy lets its traffic and health checks in",
        )
    if lb is d.LoadBalancer.ALB and spec.ssl_policy not in d.ALB_TLS12_POLICIES:
        raise at.fail(
            (*where, "ssl_policy"),
            f"{quote(spec.ssl_policy)} is not one of the AWS policies that refuse TLS 1.0/1.1 "
            "(e.g. ELBSecurityPolicy-TLS13-1-2-2021-06)",
        )
    if lb is not d.LoadBalancer.ALB and spec.scheme is not None:
        raise at.fail((*where, "scheme"), "scheme belongs to class alb only")
    for i, cidr in enumerate(spec.allow_cidrs):
        # A /0 lets every address reach the pods: say so explicitly, on an ALB that faces the
        # internet anyway, or list the VPC CIDRs.
        if ipaddress.ip_network(cidr).prefixlen == 0 and spec.scheme != "internet-facing":
            raise at.fail(
                (*where, "allow_cidrs", i),
                f"{cidr} opens the pods to every address: list the VPC CIDR(s), or (class "
                "alb only) set scheme: internet-facing to say the service is public",
            )
    if lb is not d.LoadBalancer.ALB and spec.certificate_arn:
        raise at.fail((*where, "certificate_arn"), "certificate_arn belongs to class alb only")
    if lb is not d.LoadBalancer.NGINX and spec.tls_secret:
        raise at.fail((*where, "tls_secret"), "tls_secret belongs to class nginx only")
    if lb is d.LoadBalancer.GATEWAY and spec.gateway is None:
        raise at.fail(where, "class gateway needs gateway: {name, namespace} (the parent Gateway)")
    if lb is not d.LoadBalancer.GATEWAY and spec.gateway is not None:
        raise at.fail((*where, "gateway"), "gateway belongs to class gateway only")
    gateway = spec.gateway
    controller_ns = spec.controller_namespace or (
        gateway.namespace if gateway else DEFAULT_CONTROLLER_NAMESPACE[lb]
    )
    return d.Ingress(
        load_balancer=lb,
        host=spec.host,
        path=spec.path,
        controller_namespace=controller_ns,
        allow_cidrs=tuple(spec.allow_cidrs),
        certificate_arn=spec.certificate_arn,
        ssl_policy=spec.ssl_policy if lb is d.LoadBalancer.ALB else "",
        scheme=spec.scheme or d.ALB_SCHEME,
        tls_secret=spec.tls_secret
        or (
            f"{spec.host.replace('.', '-')}-tls"[:63].strip("-")
            if lb is d.LoadBalancer.NGINX
            else ""
        ),
        gateway_name=gateway.name if gateway else "",
        gateway_namespace=gateway.namespace if gateway else "",
    )


def _strategy(spec: StrategyV1, lb: str, facts: ServiceFacts, at: _Locator) -> d.Strategy:
    kind = d.StrategyType(spec.type)
    where: KeyPath = ("strategy",)
    if spec.steps is not None and kind is not d.StrategyType.CANARY:
        raise at.fail((*where, "steps"), "steps belong to strategy type canary only")
    if spec.match is not None and kind is not d.StrategyType.AB:
        raise at.fail((*where, "match"), "match belongs to strategy type ab only")
    if spec.analysis is not None and kind is d.StrategyType.ROLLING:
        raise at.fail((*where, "analysis"), "analysis belongs to canary, blue-green and ab only")
    engine = d.Engine(spec.engine)
    if engine is d.Engine.FLAGGER and kind is not d.StrategyType.CANARY:
        raise at.fail(
            (*where, "engine"),
            "engine flagger renders a Flagger Canary: strategy type canary only",
        )
    if engine is d.Engine.FLAGGER and lb == "alb":
        raise at.fail(
            (*where, "engine"),
            "Flagger has no AWS ALB router: use class nginx or gateway with engine flagger, "
            "or engine argo with class alb",
        )
    steps = tuple(spec.steps) if spec.steps is not None else ()
    if kind is d.StrategyType.CANARY:
        steps = steps or DEFAULT_STEPS
        _check_steps(steps, at)
    match = None
    if kind is d.StrategyType.AB:
        if spec.match is None:
            raise at.fail(where, "strategy ab needs match: {header: NAME, value: VALUE} or cookie")
        match = _match(spec.match, lb, at)
    analysis = None
    if kind is not d.StrategyType.ROLLING:
        analysis = _analysis(spec.analysis or AnalysisV1(), facts, at)
    return d.Strategy(kind, steps, spec.pause, analysis, match, engine)


def _check_steps(steps: tuple[int, ...], at: _Locator) -> None:
    previous = 0
    for i, weight in enumerate(steps):
        if not 0 < weight <= 100:
            raise at.fail(("strategy", "steps", i), f"weight {weight} must be within 1..100")
        if weight <= previous:
            raise at.fail(
                ("strategy", "steps", i),
                f"weight {weight} is not above the previous step {previous}: "
                "canary weights must increase",
            )
        previous = weight


def _match(spec: MatchV1, lb: str, at: _Locator) -> d.Match:
    if (spec.header is None) == (spec.cookie is None):
        raise at.fail(("strategy", "match"), "set exactly one of header or cookie")
    if spec.cookie is not None:
        if lb != "nginx":
            raise at.fail(
                ("strategy", "match", "cookie"),
                "cookie matching needs class nginx (canary-by-cookie); use a header match",
            )
        if spec.value != "always":
            raise at.fail(
                ("strategy", "match", "value"),
                "ingress-nginx routes a cookie match when the cookie's value is 'always'",
            )
        return d.Match(d.MatchKind.COOKIE, spec.cookie, spec.value)
    assert spec.header is not None
    return d.Match(d.MatchKind.HEADER, spec.header, spec.value)


def _analysis(spec: AnalysisV1, facts: ServiceFacts, at: _Locator) -> d.Analysis:
    slos = dict(facts.slos)
    known = set(slos)
    for i, name in enumerate(spec.slos):
        if name not in known:
            raise at.fail(
                ("strategy", "analysis", "slos", i),
                f"analysis names SLO {name!r}, which the spec does not define "
                f"(SLOs: {', '.join(sorted(str(k) for k in known))})",
            )
        if slos[name]:
            raise at.fail(
                ("strategy", "analysis", "slos", i),
                f"SLO {name!r} has a custom PromQL SLI ({slos[name]}): the analysis selects the "
                "canary's own series by pod template hash, which user PromQL cannot be narrowed "
                "to; gate on builtin or latency SLIs",
            )
    if len(set(spec.slos)) != len(spec.slos):
        raise at.fail(("strategy", "analysis", "slos"), "an SLO is listed twice")
    if spec.query_window % 60:
        raise at.fail(("strategy", "analysis", "query_window"), "must be whole minutes")
    return d.Analysis(
        slos=tuple(spec.slos),
        prometheus_address=spec.prometheus,
        interval_seconds=spec.interval,
        count=spec.count,
        query_window=f"{spec.query_window // 60}m",
        min_success_percent=spec.min_success,
        max_p95_seconds=spec.max_p95,
        min_requests=spec.min_requests,
        stable_margin=spec.stable_margin,
    )
