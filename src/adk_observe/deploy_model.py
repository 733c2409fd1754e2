"""The deploy section of the core model: frozen, validated once in `spec.deploy_v1`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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

    @property
    def tracks(self) -> bool:
        """Canary and stable pods carry a `track` label that the scrape keeps (Argo canary only:
        the Rollout's canaryMetadata/stableMetadata set it)."""
        return self.strategy.type is StrategyType.CANARY and self.strategy.engine is Engine.ARGO
