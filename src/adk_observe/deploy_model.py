"""The deploy section of the core model: frozen, validated once in `loader.deploy_v1`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from adk_observe import conventions as c
from adk_observe.load_balancers import (
    LOAD_BALANCERS,
    MIN_BACKEND_TIMEOUT,
    LoadBalancerFacts,
    Routing,
)
from adk_observe.load_balancers import LoadBalancer as LoadBalancer  # the model's own field type

# Where the agent answers readiness (the metrics port's /ready): the pods' readiness probe and,
# by default, the load balancers' health checks.
READINESS_PATH = c.READY_PATH
# Every path the metrics port answers: the only paths a load balancer's health check may ask.
METRICS_PORT_PATHS = c.METRICS_PORT_PATHS
# Namespaces of the cluster's own components: a service deployed there could take them over.
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
# The only writable path of the pod (readOnlyRootFilesystem): where a log file may go.
WRITABLE_PATHS = ("/tmp/",)
# Where client libraries look for the service account's token, CA and namespace (in-cluster
# config): the agent gets them there only when `rbac` grants it something to read.
SERVICE_ACCOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
# The container's variables from the downward API (name, field path): an `env` entry, which
# wins over the ConfigMap's `envFrom`, so `deploy.config` cannot set these names.
FIELD_ENV = (("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"))


# The audit events' own stream: the container's stderr (the logs go to stdout), which the
# container runtime keeps apart (CRI log `stream` field) for a log backend to route.
AUDIT_STREAM = "stderr"


class DataClassification(StrEnum):
    """The seed's data classification levels, least to most sensitive."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"

    @property
    def tightened(self) -> bool:
        """Confidential and restricted data: egress allow-list and no debug logs required."""
        return self in (DataClassification.CONFIDENTIAL, DataClassification.RESTRICTED)


class StrategyType(StrEnum):
    ROLLING = "rolling"
    BLUE_GREEN = "blue-green"
    CANARY = "canary"
    AB = "ab"


class Engine(StrEnum):
    """Who runs the progressive delivery: Argo Rollouts (Rollout + AnalysisTemplate) or
    Flagger (Deployment + Canary + MetricTemplates)."""

    ARGO = "argo"
    FLAGGER = "flagger"


class MatchKind(StrEnum):
    HEADER = "header"
    COOKIE = "cookie"


@dataclass(frozen=True)
class Scaling:
    min: int = 3
    max: int = 10
    cpu_utilization: int = 70
    memory_utilization: int = 80


@dataclass(frozen=True)
class Resources:
    """Kubernetes quantities, as the spec wrote them."""

    cpu_request: str = "250m"
    memory_request: str = "512Mi"
    ephemeral_storage_request: str = "256Mi"
    cpu_limit: str = "1"
    memory_limit: str = "1Gi"
    ephemeral_storage_limit: str = "1Gi"


@dataclass(frozen=True)
class ExternalSource:
    """Where an ExternalSecret (external-secrets.io) reads a Secret's data from."""

    store: str  # a SecretStore or ClusterSecretStore
    store_kind: str  # SecretStore | ClusterSecretStore
    key: str  # the secret's key in the external store (all its properties become files)


@dataclass(frozen=True)
class SecretMount:
    """A Kubernetes Secret mounted read-only as files at `mount_path`; with `external`, the
    Secret is written by an ExternalSecret from the store."""

    name: str
    mount_path: str
    external: ExternalSource | None = None


@dataclass(frozen=True)
class EgressRule:
    """One destination the pods may reach: CIDRs or a namespace, on these TCP ports."""

    ports: tuple[int, ...]
    cidrs: tuple[str, ...] = ()
    namespace: str = ""


@dataclass(frozen=True)
class Compliance:
    """The seed's compliance controls as far as the deploy renders them (docs/compliance.md)."""

    data_classification: DataClassification = DataClassification.INTERNAL
    secret_rotation_days: int = 90
    secret_refresh_seconds: int = 3600  # ExternalSecret refreshInterval
    audit_log: bool = False  # the agent's audit events as their own JSON stream (stderr)
    audit_retention_days: int = 365


@dataclass(frozen=True)
class RbacRule:
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]


@dataclass(frozen=True)
class HealthCheck:
    """The load balancer's health check of the pods (alb, gke, gke-gateway), on the readiness
    endpoint of the metrics port by default."""

    path: str = READINESS_PATH
    interval_seconds: int = 15
    timeout_seconds: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 2


@dataclass(frozen=True)
class AlbOptions:
    """The AWS Load Balancer Controller's settings beyond TLS and scheme."""

    name: str = ""  # load-balancer-name; "" lets the controller name it
    tags: tuple[tuple[str, str], ...] = ()
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class GkeOptions:
    security_policy: str = ""  # Cloud Armor policy name; "" attaches none
    static_ip: str = ""  # a reserved global address name (gke) / NamedAddress (gke-gateway)
    gateway_class: str = ""  # gke-gateway
    managed_certificate: bool = False  # gke: a ManagedCertificate for the host (no tls_secret)


@dataclass(frozen=True)
class Ingress:
    load_balancer: LoadBalancer
    host: str
    path: str = "/"
    controller_namespace: str = ""  # namespace allowed to reach the app port ("" none)
    allow_cidrs: tuple[str, ...] = ()  # extra sources (e.g. the VPC for ALB target type ip)
    certificate_arn: str = ""  # alb
    ssl_policy: str = ""  # alb: an ELB policy; gke, gke-gateway: a GCP SSL policy
    scheme: str = "internet-facing"  # alb: internet-facing or internal (load_balancers.ALB_SCHEME)
    tls_secret: str = ""  # nginx, gke (instead of a managed certificate), gke-gateway
    gateway_name: str = ""  # gateway
    gateway_namespace: str = ""  # gateway
    timeout_seconds: int = MIN_BACKEND_TIMEOUT  # the backend (request / idle) timeout
    health_check: HealthCheck = HealthCheck()
    annotations: tuple[tuple[str, str], ...] = ()  # the spec's own, checked by the loader
    alb: AlbOptions = AlbOptions()
    gke: GkeOptions = GkeOptions()

    @property
    def facts(self) -> LoadBalancerFacts:
        return LOAD_BALANCERS[self.load_balancer]


@dataclass(frozen=True)
class Analysis:
    """Promotion criteria of a canary / blue-green release, on the spec's own SLO queries."""

    slos: tuple[str, ...]
    prometheus_address: str = "http://prometheus-operated.monitoring.svc:9090"
    interval_seconds: int = 60
    count: int = 5
    query_window: str = "5m"
    min_success_percent: float = 99.5
    max_p95_seconds: float = 0.3
    min_requests: int = 100
    # How far above the stable's error ratio the canary may go, as a share of the SLO's error
    # budget (p95: as a share of the stable's p95). The gate is the looser of that and the SLO.
    stable_margin: float = 0.5


@dataclass(frozen=True)
class Match:
    """A/B routing: requests matching this header or cookie go to variant B."""

    kind: MatchKind
    name: str
    value: str


@dataclass(frozen=True)
class Strategy:
    type: StrategyType = StrategyType.ROLLING
    steps: tuple[int, ...] = ()  # canary weights in percent, ascending, first 10
    pause_seconds: int = 300
    analysis: Analysis | None = None
    match: Match | None = None
    engine: Engine = Engine.ARGO


@dataclass(frozen=True)
class Monitoring:
    namespace: str = "monitoring"
    interval: str = "30s"
    labels: tuple[tuple[str, str], ...] = ()  # labels the Prometheus Operator selects on


class RemoteWriteAuth(StrEnum):
    NONE = "none"
    BASIC = "basic"  # basicAuth: username and password keys of the Secret
    BEARER = "bearer"  # authorization: the token key of the Secret


@dataclass(frozen=True)
class RemoteWrite:
    """This cluster's Prometheus in agent mode: scrape the service, add the cluster's external
    label, remote-write to the central store (Mimir, Thanos Receive, a central Prometheus)."""

    url: str
    cluster: str  # the value of the external label spec.clusters.label
    tenant: str = ""  # X-Scope-OrgID (Mimir, Cortex, Thanos Receive tenants)
    secret: str = ""  # a Secret in the monitoring namespace holding the credentials
    auth: RemoteWriteAuth = RemoteWriteAuth.NONE
    username_key: str = "username"
    password_key: str = "password"
    token_key: str = "token"


@dataclass(frozen=True)
class DeployConfig:
    image: str
    ingress: Ingress
    allow_tag: bool = False
    app_port: int = 8080
    run_as_user: int = 10001
    scaling: Scaling = Scaling()
    resources: Resources = Resources()
    strategy: Strategy = Strategy()
    monitoring: Monitoring = Monitoring()
    config: tuple[tuple[str, str], ...] = ()
    secrets: tuple[SecretMount, ...] = ()
    rbac: tuple[RbacRule, ...] = ()
    termination_grace_seconds: int = 30
    # The only destinations beyond DNS and the telemetry collectors (an allow-list); None: any
    # address on TCP 443.
    egress: tuple[EgressRule, ...] | None = None
    compliance: Compliance = Compliance()
    # The namespace belongs to this service alone: render the Namespace (Pod Security labels)
    # and a namespace-wide default-deny. Off: touch nothing but the service's own pods.
    own_namespace: bool = False
    remote_write: RemoteWrite | None = None

    @property
    def tracks(self) -> bool:
        """Canary and stable pods carry a `track` label that the scrape keeps (Argo canary only:
        the Rollout's canaryMetadata/stableMetadata set it)."""
        return self.strategy.type is StrategyType.CANARY and self.strategy.engine is Engine.ARGO

    @property
    def weighted(self) -> bool:
        """Argo moves traffic through the load balancer (a canary Service and trafficRouting);
        otherwise the canary's share of pods is its share of traffic."""
        return self.ingress.facts.routing is Routing.WEIGHTED
