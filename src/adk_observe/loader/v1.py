"""adk-observe/v1 `AgentService`: the versioned external spec (pydantic, strict)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, field_validator, model_validator

from adk_observe import model as m
from adk_observe.durations import format_seconds
from adk_observe.environment import legacy_jaeger_error
from adk_observe.loader.builtin_v1 import builtin_name, builtin_schema, params_schema
from adk_observe.loader.deploy_v1 import DeploySpecV1
from adk_observe.loader.fields import (
    AlertName,
    Annotations,
    Bytes,
    DnsName,
    HttpUrl,
    LabelName,
    Labels,
    LatencySeconds,
    Ratio,
    Seconds,
    SeverityLabels,
    SloName,
    Strict,
    enum_schema,
    member_of,
)
from adk_observe.loader.fleet_v1 import ClustersV1
from adk_observe.loader.notify_v1 import WINDOWS_MAX, MaintenanceV1, NotifyV1
from adk_observe.windows import DEFAULT_PERIOD

API_VERSION = "adk-observe/v1"
# The model's defaults are the spec's: stated once, there (tests/loader/test_defaults.py).
_TELEMETRY = m.Telemetry()
_NO_DATA = m.NoDataAlerting()


class LatencySLIV1(Strict):
    metric: str = Field(pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$", description="Histogram base name.")
    selector: str = Field(default="", description='Label matchers without braces, e.g. job="api".')
    threshold: LatencySeconds
    buckets: list[float] | None = Field(default=None, description="The histogram's bucket bounds.")


class EventsSLIV1(Strict):
    errors: str | None = None
    good: str | None = None
    total: str

    @model_validator(mode="after")
    def _one_of(self) -> EventsSLIV1:
        if (self.errors is None) == (self.good is None):
            raise ValueError("set exactly one of errors or good")
        return self


class RawSLIV1(Strict):
    error_ratio: str


class SLIV1(Strict):
    # Exactly one kind. A builtin's parameters (threshold, good_above, ...) are the other keys:
    # which ones each builtin takes is its row's (sli_kinds.py); builtin_v1.py checks them.

    model_config = ConfigDict(extra="allow", json_schema_extra=params_schema)

    builtin: Annotated[str | None, AfterValidator(builtin_name)] = Field(
        default=None, json_schema_extra=builtin_schema
    )
    latency: LatencySLIV1 | None = None
    events: EventsSLIV1 | None = None
    raw: RawSLIV1 | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> SLIV1:
        kinds = [k for k in ("builtin", "latency", "events", "raw") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("set exactly one of builtin, latency, events or raw")
        return self

    @property
    def params(self) -> dict[str, Any]:
        """The keys beside the kind: a builtin's parameters."""
        return dict(self.model_extra or {})


class SeverityV1(Strict):
    enabled: bool = True
    labels: SeverityLabels = {}
    annotations: Annotations = {}
    for_: Seconds | None = Field(default=None, alias="for")


class NoDataV1(Strict):
    enabled: bool = True
    for_: Seconds = Field(default=_NO_DATA.for_seconds, alias="for")


class TierV1(Strict):
    enabled: bool = True
    severity: Literal["page", "ticket"] | None = Field(
        default=None, description="The severity of this tier's alerts (default: its table's)."
    )


class ExhaustedV1(Strict):
    enabled: bool = True
    severity: Literal["page", "ticket"] = "ticket"
    for_: Seconds | None = Field(default=None, alias="for")


class SLOAlertingV1(Strict):
    name: AlertName | None = None
    labels: Labels = {}
    annotations: Annotations = {}
    runbook_url: HttpUrl | None = None
    page: SeverityV1 = SeverityV1()
    ticket: SeverityV1 = SeverityV1()
    no_data: NoDataV1 | None = None
    tiers: dict[DnsName, TierV1] = Field(
        default={}, description="Per burn-rate tier (page-fast, page-slow, ...): severity, enabled."
    )
    budget_exhausted: ExhaustedV1 = ExhaustedV1()


class SLOV1(Strict):
    name: SloName
    description: str = ""
    objective: float = Field(description="Percent of good events, 0 < objective < 100.")
    window: Seconds = Field(default=DEFAULT_PERIOD, description="SLO period, e.g. 30d or 28d.")
    labels: Labels = {}
    group_by: list[LabelName] = Field(
        default=[], description="Labels of the SLI's series: one SLO and one set of alerts each."
    )
    sli: SLIV1
    alerting: SLOAlertingV1 = SLOAlertingV1()


class AlertWindowV1(Strict):
    tier: DnsName | None = Field(
        default=None, description="The pair's tier name (label `burn_tier`); default: see the docs."
    )
    long: Seconds
    short: Seconds
    budget_percent: float | None = Field(default=None, gt=0, le=100)
    factor: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> AlertWindowV1:
        if (self.budget_percent is None) == (self.factor is None):
            raise ValueError("set exactly one of budget_percent or factor")
        if self.short >= self.long:
            raise ValueError("short window must be shorter than long window")
        return self


class AlertWindowsV1(Strict):
    page: list[AlertWindowV1] = []
    ticket: list[AlertWindowV1] = []


class ThresholdForV1(Strict):
    enabled: bool = True
    threshold: Ratio | None = None
    for_: Seconds | None = Field(default=None, alias="for")


class LatencyAlertV1(Strict):
    enabled: bool = True
    quantile: float | None = Field(default=None, gt=0, lt=1)
    threshold: LatencySeconds | None = None
    for_: Seconds | None = Field(default=None, alias="for")


class RateAlertV1(Strict):
    enabled: bool = True
    threshold: float | None = Field(default=None, gt=0, description="MCP errors per second.")
    for_: Seconds | None = Field(default=None, alias="for")


class MemoryAlertV1(Strict):
    enabled: bool = True
    growth: Bytes | None = None
    window: Seconds | None = None
    for_: Seconds | None = Field(default=None, alias="for")


class RestartsAlertV1(Strict):
    enabled: bool = True
    count: int | None = Field(default=None, ge=1, description="Restarts within the window.")
    window: Seconds | None = None


class GuardrailAlertV1(Strict):
    enabled: bool = True
    jump: float | None = Field(
        default=None, gt=1, le=1000, description="Block share over 5m / over the last day."
    )
    min_share: Ratio | None = None
    for_: Seconds | None = Field(default=None, alias="for")


class AbandonedAlertV1(Strict):
    enabled: bool = True
    threshold: Ratio | None = Field(
        default=None, lt=1, description="Share of started turns abandoned over 10m (below 100%)."
    )
    min_turns: int | None = Field(
        default=None, ge=1, le=10**9, description="Turns started over 10m for the share to count."
    )
    for_: Seconds | None = Field(default=None, alias="for")


class SwitchV1(Strict):
    enabled: bool = True


class AgentAlertsV1(Strict):
    enabled: bool = True
    labels: Labels = {}
    high_error_rate: ThresholdForV1 = ThresholdForV1()
    high_latency: LatencyAlertV1 = LatencyAlertV1()
    mcp_failures: RateAlertV1 = RateAlertV1()
    memory_leak: MemoryAlertV1 = MemoryAlertV1()
    cpu_throttling: ThresholdForV1 = ThresholdForV1()
    memory_near_limit: ThresholdForV1 = ThresholdForV1()
    restarts: RestartsAlertV1 = RestartsAlertV1()
    oom_killed: SwitchV1 = SwitchV1()
    guardrail_blocks: GuardrailAlertV1 = GuardrailAlertV1()
    abandoned_turns: AbandonedAlertV1 = AbandonedAlertV1()


class MetricsTelemetryV1(Strict):
    port: int = Field(default=_TELEMETRY.metrics_port, ge=1, le=65535)
    label_limit: int = Field(default=_TELEMETRY.label_limit, ge=1)


class TracingTelemetryV1(Strict):
    enabled: bool = _TELEMETRY.tracing_enabled
    endpoint: str = Field(default="", description="OTLP/HTTP base URL, e.g. http://HOST:4318.")
    sampling: float = Field(default=_TELEMETRY.sampling, ge=0, le=1)
    export_timeout: LatencySeconds = _TELEMETRY.export_timeout

    @field_validator("endpoint")
    @classmethod
    def _not_legacy_jaeger(cls, value: str) -> str:
        error = legacy_jaeger_error(value) if value else None
        if error:
            raise ValueError(error)
        return value


class FluentdV1(Strict):
    host: str
    port: int = Field(default=_TELEMETRY.fluentd_port, ge=1, le=65535)
    tag: str = ""


LogLevel = Annotated[str, member_of(m.LOG_LEVELS), enum_schema(m.LOG_LEVELS)]
LogConsole = Annotated[str, member_of(m.LOG_CONSOLES), enum_schema(m.LOG_CONSOLES)]


class LoggingTelemetryV1(Strict):
    level: LogLevel = Field(default=_TELEMETRY.log_level, description="The service's own logger.")
    levels: dict[str, LogLevel] = Field(
        default={}, description='Other loggers by name ("root" too), e.g. {adk.agents: INFO}.'
    )
    console: LogConsole = _TELEMETRY.log_console
    file: str = ""
    fluentd: FluentdV1 | None = None


class PriceV1(Strict):
    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)
    cached_input_per_million: float | None = Field(default=None, ge=0)
    reasoning_per_million: float | None = Field(default=None, ge=0)


class CostTelemetryV1(Strict):
    cost_center: str = _TELEMETRY.cost_center
    prices: dict[str, PriceV1] = {}


class ResourceTelemetryV1(Strict):
    service_version: str = Field(
        default="",
        max_length=63,
        pattern=r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$",
        description="service.version; also the app.kubernetes.io/version label (a label value).",
    )
    environment: str = Field(default="", description="deployment.environment.name.")


class TelemetryV1(Strict):
    resource: ResourceTelemetryV1 = ResourceTelemetryV1()
    metrics: MetricsTelemetryV1 = MetricsTelemetryV1()
    tracing: TracingTelemetryV1 = TracingTelemetryV1()
    logging: LoggingTelemetryV1 = LoggingTelemetryV1()
    cost: CostTelemetryV1 = CostTelemetryV1()


class BudgetV1(Strict):
    name: SloName
    amount: float = Field(gt=0, description="Spend allowed per period, in the prices' currency.")
    period: str = Field(
        default=format_seconds(DEFAULT_PERIOD),
        description="A duration such as 30d, or calendar-month.",
    )
    group_by: list[LabelName] = Field(
        default=[], description="Labels of adk_agent_cost_total: one budget each, e.g. cost_center."
    )


class MetadataV1(Strict):
    name: DnsName
    namespace: DnsName = m.ServiceSpec.namespace
    labels: Labels = {}


# No spaces, controls, braces, quotes or characters a URL must percent-encode, and no query or
# fragment (the links add their own).
_URL_CHAR = r"[^\s\x00-\x1f\x7f?#{}<>\"'\\`|^]"
_GRAFANA_URL = re.compile(rf"https?://{_URL_CHAR.replace('?#', '?#/')}+{_URL_CHAR}*")


class AgentServiceSpecV1(Strict):
    selector: str = Field(
        default="", description='Label matchers for built-in SLIs; default job="<name>".'
    )
    runbook_base_url: HttpUrl | Literal[""] = ""
    grafana_url: str = Field(
        default="", description="Base URL of the team's Grafana: alerts link to its dashboards."
    )
    alert_windows: AlertWindowsV1 | None = None
    slos: list[SLOV1] = Field(min_length=1)
    budgets: list[BudgetV1] = []
    clusters: ClustersV1 | None = Field(
        default=None, description="Several clusters remote-write to one central store."
    )
    alerts: AgentAlertsV1 = AgentAlertsV1()
    telemetry: TelemetryV1 = TelemetryV1()
    deploy: DeploySpecV1 | None = None
    notify: NotifyV1 | None = Field(default=None, description="Where pages and tickets go.")
    maintenance: list[MaintenanceV1] = Field(
        default=[], max_length=WINDOWS_MAX, description="Windows that mute notifications."
    )

    @field_validator("grafana_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        # Every alert's dashboard_url annotation (a Go template) starts with it, so it holds no
        # braces, quotes, spaces or control characters: a `{{` would break every alert.
        if value and not _GRAFANA_URL.fullmatch(value):
            raise ValueError(
                "must be the http(s) base URL of Grafana, without query, fragment, spaces, "
                "braces or quotes (e.g. https://grafana.example.com)"
            )
        return value


class AgentServiceV1(Strict):
    api_version: Literal["adk-observe/v1"] = Field(alias="apiVersion")
    kind: Literal["AgentService"]
    metadata: MetadataV1
    spec: AgentServiceSpecV1
