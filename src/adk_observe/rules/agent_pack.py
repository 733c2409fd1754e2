"""The agent alert pack of the reference design, as a table: one row per alert, thresholds from
the spec (model.AgentAlerts).

A row names the signal it compares (a PromQL expression of the service), how it compares, which
AgentAlerts fields hold its threshold and its `for`, its severity and its texts. In the texts,
`<name>` is one of the values `text_values` computes from the spec; `{{ ... }}` is left to
Prometheus's templating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe import runbook_links as rb
from adk_observe.durations import format_seconds
from adk_observe.links import agent_alert_url
from adk_observe.model import AgentAlerts, ServiceSpec
from adk_observe.promql import eq, number, regex, selector, service_selector
from adk_observe.rules import container
from adk_observe.rules.types import Alert, merge

RATE = "5m"
GUARDRAIL_BASELINE = "6h"  # a guardrail's usual block share: its mean over the last 6 hours
# Abandoned turns are counted over 10 minutes: long enough that a hang shows at low traffic and
# that one impatient user among a handful is no share, short enough to page within minutes.
ABANDON_WINDOW = "10m"


def _by(spec: ServiceSpec, *labels: str) -> str:
    """The labels an alert keeps; under spec.clusters the cluster's first: per cluster."""
    if spec.clusters is not None:
        labels = (spec.clusters.label, *labels)
    return ", ".join(labels)


def _error_share(spec: ServiceSpec) -> str:
    """Share of each agent's requests that failed with a server error."""
    sel = service_selector(spec)
    requests = c.REQUESTS.name
    failed = selector(requests, sel, regex(c.LABEL_STATUS_CODE, c.SERVER_ERROR_REGEX))
    by_agent = f"sum by ({_by(spec, c.LABEL_AGENT_ID)})"
    errors = f"{by_agent} (rate({failed}[{RATE}]))"
    return f"{errors}\n/\n{by_agent} (rate({selector(requests, sel)}[{RATE}]))"


def _latency(spec: ServiceSpec) -> str:
    """Each agent's request latency at the spec's quantile."""
    buckets = selector(f"{c.REQUEST_DURATION.name}_bucket", service_selector(spec))
    quantile = number(spec.agent_alerts.latency_quantile)
    return (
        f"histogram_quantile({quantile}, sum by ({_by(spec, c.LABEL_AGENT_ID, c.LABEL_LE)}) "
        f"(rate({buckets}[{RATE}])))"
    )


def _mcp_errors(spec: ServiceSpec) -> str:
    """Failed MCP calls per second, per agent and server."""
    mcp = selector(c.MCP_CALLS.name, service_selector(spec), eq(c.LABEL_STATUS, c.STATUS_ERROR))
    return f"sum by ({_by(spec, c.LABEL_AGENT_ID, c.LABEL_MCP_SERVER)}) (rate({mcp}[{RATE}]))"


def _memory_growth(spec: ServiceSpec) -> str:
    """Growth of each instance's resident memory over the spec's window."""
    rss = eq(c.LABEL_MEMORY_TYPE, c.MEMORY_RSS)
    memory = selector(c.MEMORY_USAGE.name, service_selector(spec), rss)
    return f"delta({memory}[{format_seconds(spec.agent_alerts.memory_window)}])"


def guardrail_shares(labels: str, *matchers: str) -> tuple[str, str]:
    """Each guardrail's block share (blocked decisions / all decisions, summed by `labels`) over
    RATE, and its usual share: the mean of its RATE shares over GUARDRAIL_BASELINE, one per RATE
    (the two sides of ALERT_GUARDRAIL_BLOCKS; the overview plots their ratio). A guardrail with
    decisions but no block yet (its block series does not exist) has a share of 0, not none; a
    stretch without decisions has none (it leaves the mean alone).

    The usual share is a mean over time, not blocks / decisions over the baseline: a
    prompt-injection wave is a surge of traffic that gets blocked, and weighed by traffic it would
    be most of the baseline within minutes (a 20x wave made the usual share 35% after 10
    minutes, so a 95% share never stayed above 3x it for the alert's `for`)."""
    by = f"sum by ({labels})"
    blocks = selector(c.GUARDRAILS.name, *matchers, eq(c.LABEL_DECISION, c.DECISION_BLOCK))
    every = selector(c.GUARDRAILS.name, *matchers)
    total = f"{by} (rate({every}[{RATE}]))"
    now = f"(({by} (rate({blocks}[{RATE}])) or {total} * 0) / ({total} > 0))"
    return now, f"avg_over_time({now}[{GUARDRAIL_BASELINE}:{RATE}])"


def _guardrail_jump(spec: ServiceSpec) -> str:
    """Each guardrail's block share over 5m as a multiple of its usual share, where
    the 5m share is at least the spec's floor (a filter that blocks 0.1% and then 0.3% is no
    wave)."""
    now, usual = guardrail_shares(
        _by(spec, c.LABEL_AGENT_ID, c.LABEL_GUARDRAIL), service_selector(spec)
    )
    floor = number(spec.agent_alerts.guardrail_block_share)
    return f"({now} / {usual}\nand {now} > {floor})"


def abandoned_turns(labels: str, *matchers: str) -> tuple[str, str, str]:
    """Turns abandoned, answered (requests of any status) and started (the two summed) over
    ABANDON_WINDOW, summed by `labels`: the sides of ALERT_TURNS_ABANDONED. An agent none of
    whose turns was ever answered has no request series: it started its abandoned turns only."""
    by = f"sum by ({labels})"
    abandoned = f"{by} (increase({selector(c.ABANDONED_TURNS.name, *matchers)}[{ABANDON_WINDOW}]))"
    answered = f"{by} (increase({selector(c.REQUESTS.name, *matchers)}[{ABANDON_WINDOW}]))"
    return abandoned, answered, f"({abandoned} + ({answered} or {abandoned} * 0))"


def _abandoned_share(spec: ServiceSpec) -> str:
    """Each agent's share of started turns abandoned, where at least the spec's minimum of turns
    started (a user or two closing the tab on a quiet agent is no outage) or none was answered
    (every client gives up on a hanging agent: its share is 1, at any traffic)."""
    abandoned, answered, started = abandoned_turns(
        _by(spec, c.LABEL_AGENT_ID), service_selector(spec)
    )
    least = number(spec.agent_alerts.abandoned_min_turns)
    return (
        f"({abandoned}\n/\n{started}\nand ({started} >= {least}\n"
        f"or ({abandoned} > 0 unless {answered} > 0)))"
    )


@dataclass(frozen=True)
class PackAlert:
    name: str
    severity: str
    signal: Callable[[ServiceSpec], str]  # the PromQL compared with the threshold
    compare: str  # how: `signal<compare><threshold>`; "" for a signal that is its own test
    threshold: str  # the AgentAlerts field of the threshold ("" with compare "")
    for_: str  # the AgentAlerts field of `for` ("": fires at once)
    summary: str
    description: str
    per_agent: bool = False  # the alert is per agent: its dashboard link picks the agent


PACK: tuple[PackAlert, ...] = (
    PackAlert(
        c.ALERT_HIGH_ERROR_RATE,
        c.SEVERITY_CRITICAL,
        _error_share,
        "\n> ",
        "error_rate",
        "error_rate_for",
        "<service>: more than <error_percent>% of agent requests fail",
        "{{ $value | humanizePercentage }} of the requests of agent {{ $labels.agent_id }} "
        "returned 5xx over the last <rate>.",
        per_agent=True,
    ),
    PackAlert(
        c.ALERT_HIGH_LATENCY,
        c.SEVERITY_WARNING,
        _latency,
        "\n> ",
        "latency_threshold",
        "latency_for",
        "<service>: <quantile> latency above <latency_threshold>s",
        "The <quantile> request latency of agent {{ $labels.agent_id }} is "
        "{{ $value | humanizeDuration }}.",
        per_agent=True,
    ),
    PackAlert(
        c.ALERT_MCP_FAILURES,
        c.SEVERITY_WARNING,
        _mcp_errors,
        "\n> ",
        "mcp_error_rate",
        "mcp_for",
        "<service>: MCP calls failing",
        "MCP server {{ $labels.mcp_server }} returns {{ $value | humanize }} errors per "
        "second to agent {{ $labels.agent_id }}.",
        per_agent=True,
    ),
    PackAlert(
        c.ALERT_MEMORY_LEAK,
        c.SEVERITY_WARNING,
        _memory_growth,
        " > ",
        "memory_growth_bytes",
        "memory_for",
        "<service>: memory grew by more than <growth_mib> MiB in <memory_window>",
        "Resident memory of {{ $labels.instance }} grew by {{ $value | humanize1024 }}B "
        "in <memory_window>: a likely leak.",
    ),
    PackAlert(
        c.ALERT_CPU_THROTTLING,
        c.SEVERITY_WARNING,
        container.cpu_of_limit,
        "\n> ",
        "cpu_ratio",
        "cpu_for",
        "<service>: container CPU near its limit",
        "Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit "
        "(cAdvisor usage over kube-state-metrics limit): it is being throttled.",
    ),
    PackAlert(
        c.ALERT_MEMORY_NEAR_LIMIT,
        c.SEVERITY_WARNING,
        container.memory_of_limit,
        "\n> ",
        "memory_limit_ratio",
        "memory_limit_for",
        "<service>: container memory near its limit",
        "Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit "
        "(cAdvisor working set over kube-state-metrics limit): the next spike is an OOM kill.",
    ),
    PackAlert(
        c.ALERT_RESTARTS,
        c.SEVERITY_WARNING,
        container.restarts,
        " >= ",
        "restarts",
        "",
        "<service>: container restarting",
        "Container {{ $labels.container }} of pod {{ $labels.pod }} restarted "
        "{{ $value | humanize }} times in <restarts_window>.",
    ),
    PackAlert(
        c.ALERT_OOM_KILLED,
        c.SEVERITY_WARNING,
        container.oom_killed,
        "",
        "",
        "",
        "<service>: container OOM-killed",
        "Container {{ $labels.container }} of pod {{ $labels.pod }} was killed for running "
        "out of memory and restarted in the last <oom_window>: raise its memory limit or "
        "find the leak.",
    ),
    PackAlert(
        c.ALERT_GUARDRAIL_BLOCKS,
        c.SEVERITY_WARNING,
        _guardrail_jump,
        "\n> ",
        "guardrail_block_jump",
        "guardrail_for",
        "<service>: a guardrail blocks far more than usual",
        "Guardrail {{ $labels.guardrail }} of agent {{ $labels.agent_id }} blocked "
        "{{ $value | humanize }}x its usual share (its mean over the last <guardrail_baseline>) "
        "over the last <rate> (at least <guardrail_floor>% of its decisions): a prompt-injection "
        "wave, or a broken filter.",
        per_agent=True,
    ),
    PackAlert(
        c.ALERT_TURNS_ABANDONED,
        c.SEVERITY_CRITICAL,
        _abandoned_share,
        "\n> ",
        "abandoned_share",
        "abandoned_for",
        "<service>: users give up on agent turns before their answer",
        "{{ $value | humanizePercentage }} of the turns started for agent {{ $labels.agent_id }} "
        "over the last <abandon_window> were abandoned before their answer (cancelled, or the "
        "client disconnected): above <abandoned_percent>% of at least <abandoned_min_turns> "
        "turns, or none answered at all. Abandoned turns are no requests: the error rate and "
        "latency alerts do not see them.",
        per_agent=True,
    ),
)


def text_values(spec: ServiceSpec) -> dict[str, str]:
    """What `<name>` stands for in the rows' texts (and the overview's panels that show them)."""
    a = spec.agent_alerts
    return {
        "service": spec.name,
        "rate": RATE,
        "error_percent": number(a.error_rate * 100),
        "quantile": f"p{number(a.latency_quantile * 100)}",
        "latency_threshold": number(a.latency_threshold),
        "growth_mib": number(a.memory_growth_bytes / 1024 / 1024),
        "memory_window": format_seconds(a.memory_window),
        "restarts_window": format_seconds(a.restarts_window),
        "oom_window": format_seconds(a.oom_window),
        "guardrail_floor": number(a.guardrail_block_share * 100),
        "guardrail_baseline": GUARDRAIL_BASELINE,
        "abandon_window": ABANDON_WINDOW,
        "abandoned_percent": number(a.abandoned_share * 100),
        "abandoned_min_turns": number(a.abandoned_min_turns),
    }


def fill_text(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(f"<{name}>", value)
    return text


def _setting(a: AgentAlerts, field: str) -> float:
    return float(getattr(a, field)) if field else 0.0


def _alert(spec: ServiceSpec, row: PackAlert, values: dict[str, str]) -> Alert:
    a = spec.agent_alerts
    expr = row.signal(spec)
    if row.compare:
        expr = f"{expr}{row.compare}{number(_setting(a, row.threshold))}"
    for_seconds = int(_setting(a, row.for_))
    description = fill_text(row.description, values)
    if spec.clusters is not None:  # per cluster: say which
        description += f" Cluster: {{{{ $labels.{spec.clusters.label} }}}}."
    annotations = {"summary": fill_text(row.summary, values), "description": description}
    if runbook := rb.url(spec, rb.alert_file(row.name)):
        annotations["runbook_url"] = runbook
    if spec.grafana_url:
        annotations[c.ANNOTATION_DASHBOARD_URL] = agent_alert_url(spec, for_seconds, row.per_agent)
    return Alert(
        alert=row.name,
        expr=expr,
        for_seconds=for_seconds,
        labels=merge(
            spec.labels,
            spec.agent_alerts.labels,
            {c.LABEL_SERVICE: spec.name, c.LABEL_SEVERITY: row.severity},
        ),
        annotations=tuple(sorted(annotations.items())),
    )


_BY_NAME = {row.name: row for row in PACK}


def is_on(spec: ServiceSpec, name: str) -> bool:
    """Whether the rules of `spec` contain pack alert `name`."""
    a = spec.agent_alerts
    return a.enabled and name in _BY_NAME and name not in a.disabled


def threshold_of(spec: ServiceSpec, name: str) -> float | None:
    """The threshold pack alert `name` compares with, as the spec sets it (None: it has none)."""
    field = _BY_NAME[name].threshold
    value: float | None = getattr(spec.agent_alerts, field) if field else None
    return value


def agent_alerts(spec: ServiceSpec) -> tuple[Alert, ...]:
    """The enabled rows of the pack, in table order."""
    a = spec.agent_alerts
    if not a.enabled:
        return ()
    values = text_values(spec)
    return tuple(_alert(spec, row, values) for row in PACK if row.name not in a.disabled)
