"""The core model: frozen dataclasses that every generator reads.

No pydantic below this line: the versioned spec formats (adk-observe/v1, OpenSLO, Sloth) are
parsed in `adk_observe.loader` and mapped here once. Generators never see YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from adk_observe.errors import SpecError
from adk_observe.notify_model import Maintenance, Notify
from adk_observe.sli_kinds import BuiltinKind

if TYPE_CHECKING:
    from adk_observe.deploy_model import DeployConfig


@dataclass(frozen=True)
class Source:
    """Where a spec came from, so later errors can still point at the file."""

    file: str
    line: int = 1
    name_key: str = "metadata.name"  # where the service name is spelled in this format

    def error(self, message: str, path: str | None = None) -> SpecError:
        """A SpecError about the service, at its line and `path` (default: its name's key)."""
        return SpecError(message, file=self.file, line=self.line, path=path or self.name_key)


# --- SLIs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltinSLI:
    """An SLI over the metric catalogue, of one built-in kind (its row in sli_kinds.py).
    `threshold` is the kind's bucket-bound parameter (seconds for latency, a rating for
    satisfaction, a cost for cost_per_turn); `matchers` its label parameters (label, value)."""

    kind: BuiltinKind
    threshold: float | None = None
    matchers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LatencySLI:
    """Share of observations of any histogram above `threshold` (an exact bucket bound)."""

    metric: str
    threshold: float
    selector: str = ""


@dataclass(frozen=True)
class EventsSLI:
    """Custom PromQL with a `{{window}}` placeholder. Exactly one of errors/good is set."""

    total: str
    errors: str | None = None
    good: str | None = None


@dataclass(frozen=True)
class RawSLI:
    """A ready-made error ratio with a `{{window}}` placeholder.

    Windows longer than 6h average the recorded 5m ratios unless `every_window` is set: then
    every alert window evaluates the query itself, as Sloth does for its raw SLIs (averaging
    ratios differs from the ratio over the window when traffic is uneven).
    """

    error_ratio: str
    every_window: bool = False


SLI = BuiltinSLI | LatencySLI | EventsSLI | RawSLI


# --- alerting -----------------------------------------------------------------------------------


class Severity(StrEnum):
    PAGE = "page"
    TICKET = "ticket"


@dataclass(frozen=True)
class AlertWindow:
    """One multi-window pair: both windows over `budget_fraction * period / long` fire it.

    `tier` is the pair's stable name (the `burn_tier` label of its alerts, e.g. `page-fast`);
    `severity` is the one its alerts carry after the SLO's `alerting.tiers` override, and a
    pair with `enabled` false gets no alert rule (its windows are still recorded).
    """

    severity: Severity
    long: int  # seconds
    short: int  # seconds
    budget_fraction: float  # share of the period's budget spent when the pair fires
    tier: str = ""
    enabled: bool = True

    def factor(self, period: int) -> float:
        return round(self.budget_fraction * period / self.long, 6)


@dataclass(frozen=True)
class SeverityAlerting:
    enabled: bool = True
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    for_seconds: int = 0


@dataclass(frozen=True)
class NoDataAlerting:
    enabled: bool = False
    for_seconds: int = 600


@dataclass(frozen=True)
class ExhaustedAlerting:
    """`<Service><Slo>ErrorBudgetExhausted`: the period's error budget is spent (a change
    freeze for a deploy pipeline)."""

    enabled: bool = True
    severity: Severity = Severity.TICKET
    for_seconds: int = 0


@dataclass(frozen=True)
class SLOAlerting:
    name: str  # alertname of the burn-rate alerts
    page: SeverityAlerting = SeverityAlerting()
    ticket: SeverityAlerting = SeverityAlerting()
    no_data: NoDataAlerting = NoDataAlerting()
    exhausted: ExhaustedAlerting = ExhaustedAlerting()
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    runbook_url: str = ""  # the spec's own URL for this SLO's alerts; "" = the generated runbooks


@dataclass(frozen=True)
class SLO:
    name: str
    objective: float  # percent, 0 < objective < 100
    period: int  # seconds of the SLO window
    sli: SLI
    alerting: SLOAlerting
    windows: tuple[AlertWindow, ...]
    description: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    # Labels of the SLI's series kept through every recording: one ratio, budget and set of
    # burn-rate alerts per group (e.g. per agent_id) instead of one for the whole service.
    group_by: tuple[str, ...] = ()

    @property
    def error_budget(self) -> float:
        """Allowed error ratio, e.g. 0.001 for 99.9."""
        return round(1 - self.objective / 100, 12)


@dataclass(frozen=True)
class AgentAlerts:
    """Thresholds of the agent alert pack (the reference design's defaults)."""

    enabled: bool = True
    error_rate: float = 0.05
    error_rate_for: int = 120
    latency_quantile: float = 0.95
    latency_threshold: float = 2.0
    latency_for: int = 300
    mcp_error_rate: float = 0.1
    mcp_for: int = 180
    memory_growth_bytes: int = 100 * 1024 * 1024
    memory_window: int = 1800
    memory_for: int = 600
    cpu_ratio: float = 0.9
    cpu_for: int = 600
    memory_limit_ratio: float = 0.9  # working set / memory limit
    memory_limit_for: int = 300
    restarts: int = 3  # container restarts within restarts_window
    restarts_window: int = 900
    oom_window: int = 600  # how long an OOM-killed restart keeps the alert firing
    # A guardrail's block share over 5m against its share over the last day (x this factor),
    # once it blocks at least guardrail_block_share of its decisions.
    guardrail_block_jump: float = 3.0
    guardrail_block_share: float = 0.1
    guardrail_for: int = 600
    # The share of started turns (answered or abandoned) abandoned over 10m (rules/agent_pack.py
    # ABANDON_WINDOW), among at least abandoned_min_turns started ones; or any abandoned while
    # none was answered.
    abandoned_share: float = 0.1
    abandoned_min_turns: int = 20
    abandoned_for: int = 300
    disabled: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SpendBudget:
    """An LLM spend budget: `amount` (price-table currency) per `period` seconds, alerted on with
    the same multi-window burn rates as an error budget. A calendar month is alerted as 30 days."""

    name: str
    amount: float
    period: int  # seconds; 30d for a calendar month
    windows: tuple[AlertWindow, ...]
    calendar_month: bool = False
    group_by: tuple[str, ...] = ()

    @property
    def sustainable_rate(self) -> float:
        """Spend per second that uses exactly the budget over the period (burn rate 1)."""
        return self.amount / self.period


# --- telemetry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelPrice:
    """Price per million tokens. Cached input defaults to the input price and reasoning
    (thinking) tokens to the output price, as the providers bill them when they say nothing."""

    model: str
    input_per_million: float
    output_per_million: float
    cached_input_per_million: float | None = None
    reasoning_per_million: float | None = None


# The values of Telemetry.log_level (and of every logger level) and of Telemetry.log_console.
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_CONSOLES = ("stdout", "stderr")


@dataclass(frozen=True)
class Telemetry:
    """The spec's `telemetry` section: what `adk_observe.init()` reads (also via environment)."""

    metrics_port: int = 9464
    label_limit: int = 100
    service_version: str = ""  # resource service.version, label app.kubernetes.io/version
    environment: str = ""  # resource deployment.environment.name
    tracing_enabled: bool = True
    tracing_endpoint: str = ""
    sampling: float = 0.1
    export_timeout: float = 2.0
    log_level: str = "INFO"  # the service's own logger
    logger_levels: tuple[tuple[str, str], ...] = ()  # other loggers (name, LEVEL); "root" too
    log_console: str = "stdout"
    log_file: str = ""
    fluentd_host: str = ""
    fluentd_port: int = 24224
    fluentd_tag: str = ""
    cost_center: str = "default"
    prices: tuple[ModelPrice, ...] = ()


# --- the fleet --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clusters:
    """The service runs in several clusters whose Prometheus servers each add the external label
    `label` (e.g. cluster="eu-1") and remote-write to one central store. Every rule keeps it: the
    SLIs, budgets and alerts are per cluster, with a fleet-wide view recorded under names of its
    own (conventions.FLEET_PREFIX)."""

    label: str = "cluster"


# --- the service ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    source: Source
    slos: tuple[SLO, ...]
    namespace: str = "default"
    labels: tuple[tuple[str, str], ...] = ()
    # Labels of the --format operator objects (PrometheusRule, AlertmanagerConfig) when the
    # source keeps them apart from its rule labels: a Sloth CRD's metadata.labels (Sloth's
    # controller copies them there, for the operator's ruleSelector), none for a Sloth file or
    # OpenSLO; None: `labels`, as in adk-observe/v1.
    object_labels: tuple[tuple[str, str], ...] | None = None
    selector: str = ""  # PromQL label matchers (no braces) for built-in SLIs; default job=name
    agent_alerts: AgentAlerts = AgentAlerts()
    telemetry: Telemetry = Telemetry()
    deploy: DeployConfig | None = None
    runbook_base_url: str = ""
    grafana_url: str = ""  # base URL of the team's Grafana, no trailing slash; "" = no links
    budgets: tuple[SpendBudget, ...] = ()
    notify: Notify = field(
        default_factory=Notify
    )  # where `adk-observe alertmanager` routes pages and tickets
    maintenance: tuple[Maintenance, ...] = ()  # windows that mute the service's notifications
    clusters: Clusters | None = None  # None: one Prometheus, no cluster label (today's rules)
    extra: tuple[tuple[str, str], ...] = field(default=())  # notes from importers (unmapped fields)

    def slo(self, name: str) -> SLO | None:
        return next((s for s in self.slos if s.name == name), None)
