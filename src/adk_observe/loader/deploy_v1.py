"""The spec's `deploy` section (adk-observe/v1): its pydantic shape only.

Shape errors (unknown key, wrong type, a number out of range) are reported by the loader;
everything that needs more than one field, or a look at the rest of the spec, is checked when
the section is mapped to the model (deploy_map.py, deploy_ingress.py, deploy_strategy.py,
deploy_compliance.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from adk_observe import deploy_model as d
from adk_observe.load_balancers import LoadBalancer
from adk_observe.loader.fields import (
    DnsName,
    HttpUrl,
    KubeLabels,
    LatencySeconds,
    Seconds,
    SloName,
    Strict,
)
from adk_observe.loader.fleet_v1 import RemoteWriteV1

QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$"
PATH = r"^/[A-Za-z0-9_./-]*$"
MAX_REPLICAS = 1000  # more than any one agent service needs: a typo (an extra zero) stops here

# What a spec may write as `strategy.type` and `ingress.class`: the values of the model's enums,
# in their order, so that a strategy (deploy_model.StrategyType) or a load-balancer class
# (load_balancers.LoadBalancer) added there is accepted, and listed by the schema, by itself.
if TYPE_CHECKING:
    StrategyName = str
    ClassName = str
else:
    StrategyName = Literal[tuple(t.value for t in d.StrategyType)]
    ClassName = Literal[tuple(c.value for c in LoadBalancer)]


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


class ExternalV1(Strict):
    store: DnsName = Field(description="The SecretStore (or ClusterSecretStore) to read from.")
    kind: Literal["SecretStore", "ClusterSecretStore"] = "SecretStore"
    key: str = Field(
        min_length=1,
        max_length=253,
        pattern=r"^[A-Za-z0-9_./:@+=-]+$",
        description="The secret's key in the external store; each of its properties is a file.",
    )


class SecretV1(Strict):
    name: str = Field(description="Name of the Secret in the service's namespace.")
    mount_path: str = Field(pattern=PATH)
    external: ExternalV1 | None = Field(
        default=None,
        description="Write the Secret from an external store with an ExternalSecret "
        "(external-secrets.io) instead of expecting it to exist.",
    )


class RbacRuleV1(Strict):
    api_groups: list[str] = [""]
    resources: list[str] = Field(min_length=1)
    verbs: list[Literal["get", "list", "watch"]] = Field(min_length=1)


class GatewayRefV1(Strict):
    name: DnsName
    namespace: DnsName


class HealthCheckV1(Strict):
    """The bounds both AWS target groups and GCP health checks accept."""

    path: str = Field(default=d.HealthCheck.path, pattern=PATH, max_length=1024)
    interval: Seconds = d.HealthCheck.interval_seconds
    timeout: Seconds = d.HealthCheck.timeout_seconds
    healthy_threshold: int = Field(default=d.HealthCheck.healthy_threshold, ge=2, le=10)
    unhealthy_threshold: int = Field(default=d.HealthCheck.unhealthy_threshold, ge=2, le=10)


class IngressV1(Strict):
    class_: ClassName = Field(alias="class")
    host: str
    path: str = Field(default="/", pattern=PATH)
    controller_namespace: DnsName | None = None
    allow_cidrs: list[str] = []
    timeout: Seconds | None = Field(
        default=None,
        description="Backend timeout (ALB: idle timeout). Default: above the slowest latency "
        "SLO threshold, at least 60s.",
    )
    annotations: dict[str, str] = Field(
        default={},
        description="Extra annotations on the object the load balancer controller reads; none "
        "may change what adk-observe sets.",
    )
    health_check: HealthCheckV1 | None = None
    certificate_arn: str = ""
    ssl_policy: str | None = Field(
        default=None,
        description="alb: an ELB TLS 1.2+ policy (default ELBSecurityPolicy-TLS13-1-2-2021-06); "
        "gke, gke-gateway: a GCP SSL policy name (default adk-observe-tls12).",
    )
    scheme: Literal["internal", "internet-facing"] | None = Field(
        default=None, description="alb: internet-facing (default) or internal."
    )
    load_balancer_name: str | None = Field(default=None, description="alb: the ALB's name.")
    tags: dict[str, str] = Field(default={}, description="alb: AWS tags of the ALB.")
    subnets: list[str] = Field(default=[], description="alb: subnet IDs or Name tags.")
    security_groups: list[str] = Field(default=[], description="alb: security group IDs or names.")
    tls_secret: DnsName | None = None
    gateway: GatewayRefV1 | None = None
    security_policy: str | None = Field(
        default=None, description="gke, gke-gateway: a Cloud Armor security policy name."
    )
    static_ip: str | None = Field(
        default=None, description="gke, gke-gateway: a reserved static IP address name."
    )
    gateway_class: str | None = Field(
        default=None, description="gke-gateway: the GKE GatewayClass of the rendered Gateway."
    )


class AnalysisV1(Strict):
    slos: list[SloName] = []
    prometheus: HttpUrl = "http://prometheus-operated.monitoring.svc:9090"
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
    type: StrategyName = d.StrategyType.ROLLING.value
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


class EgressV1(Strict):
    """One allowed destination: `cidrs` or `namespace`, on `ports` (TCP)."""

    cidrs: list[str] = []
    namespace: DnsName | None = None
    ports: list[int] = Field(min_length=1, max_length=16)


class ComplianceV1(Strict):
    data_classification: Literal["public", "internal", "confidential", "restricted"] = "internal"
    secret_rotation_days: int = Field(default=90, ge=1, le=365)
    secret_refresh: Seconds = Field(
        default=3600, description="refreshInterval of the ExternalSecrets (within the rotation)."
    )
    audit_log: bool | None = Field(
        default=None,
        description="The agent's audit events as their own JSON stream on stderr; default on "
        "for confidential and restricted data.",
    )
    audit_retention_days: int = Field(default=365, ge=1, le=3650)


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
    egress: list[EgressV1] | None = Field(
        default=None,
        description="The only destinations beyond DNS and the telemetry collectors; without "
        "it, any address on TCP 443. Required for confidential and restricted data.",
    )
    monitoring: MonitoringV1 = MonitoringV1()
    strategy: StrategyV1 = StrategyV1()
    compliance: ComplianceV1 = ComplianceV1()
    remote_write: RemoteWriteV1 | None = None  # a fleet (docs/fleet.md)
