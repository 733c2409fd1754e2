"""The deploy section of the core model: frozen, validated once in `loader.deploy_v1`."""

from __future__ import annotations

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
# Namespaces of the cluster's own components: a service deployed there could take them over.
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
# The only writable path of the pod (readOnlyRootFilesystem): where a log file may go.
WRITABLE_PATHS = ("/tmp/",)


class LoadBalancer(StrEnum):
    ALB = "alb"  # AWS Load Balancer Controller Ingress
    NGINX = "nginx"  # ingress-nginx Ingress
    GATEWAY = "gateway"  # Gateway API HTTPRoute


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
class SecretMount:
    """A Kubernetes Secret mounted read-only as files at `mount_path`."""

    name: str
    mount_path: str


@dataclass(frozen=True)
class RbacRule:
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]


@dataclass(frozen=True)
class Ingress:
    load_balancer: LoadBalancer
    host: str
    path: str = "/"
    controller_namespace: str = ""  # namespace allowed to reach the app port
    allow_cidrs: tuple[str, ...] = ()  # extra sources (e.g. the VPC for ALB target type ip)
    certificate_arn: str = ""  # alb
    ssl_policy: str = ""  # alb
    scheme: str = "internet-facing"  # alb: internet-facing or internal
    tls_secret: str = ""  # nginx
    gateway_name: str = ""  # gateway
    gateway_namespace: str = ""  # gateway


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
    # The namespace belongs to this service alone: render the Namespace (Pod Security labels)
    # and a namespace-wide default-deny. Off: touch nothing but the service's own pods.
    own_namespace: bool = False
    remote_write: RemoteWrite | None = None

    @property
    def tracks(self) -> bool:
        """Canary and stable pods carry a `track` label that the scrape keeps (Argo canary only:
        the Rollout's canaryMetadata/stableMetadata set it)."""
        return self.strategy.type is StrategyType.CANARY and self.strategy.engine is Engine.ARGO
