"""The agent alert pack of the reference design, thresholds from the spec."""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe import runbook_links as rb
from adk_observe.durations import format_seconds
from adk_observe.links import agent_alert_url
from adk_observe.model import ServiceSpec
from adk_observe.promql import eq, number, regex, selector, service_selector
from adk_observe.rules import container
from adk_observe.rules.types import Alert, merge

RATE = "5m"


def _alert(
    spec: ServiceSpec,
    name: str,
    expr: str,
    for_seconds: int,
    severity: str,
    summary: str,
    description: str,
    per_agent: bool = False,
) -> Alert:
    if spec.clusters is not None:  # per cluster: say which
        description += f" Cluster: {{{{ $labels.{spec.clusters.label} }}}}."
    annotations = {"summary": summary, "description": description}
    if runbook := rb.url(spec, rb.alert_file(name)):
        annotations["runbook_url"] = runbook
    if spec.grafana_url:
        annotations[c.ANNOTATION_DASHBOARD_URL] = agent_alert_url(spec, for_seconds, per_agent)
    return Alert(
        alert=name,
        expr=expr,
        for_seconds=for_seconds,
        labels=merge(
            spec.labels,
            spec.agent_alerts.labels,
            {c.LABEL_SERVICE: spec.name, c.LABEL_SEVERITY: severity},
        ),
        annotations=tuple(sorted(annotations.items())),
    )


def _by(spec: ServiceSpec, *labels: str) -> str:
    """The labels an alert keeps; under spec.clusters the cluster's first: per cluster."""
    if spec.clusters is not None:
        labels = (spec.clusters.label, *labels)
    return ", ".join(labels)


def agent_alerts(spec: ServiceSpec) -> tuple[Alert, ...]:
    a = spec.agent_alerts
    if not a.enabled:
        return ()
    sel = service_selector(spec)
    requests = c.REQUESTS.name
    by_agent = f"sum by ({_by(spec, c.LABEL_AGENT_ID)})"
    failed = selector(requests, sel, regex(c.LABEL_STATUS_CODE, c.SERVER_ERROR_REGEX))
    errors = f"{by_agent} (rate({failed}[{RATE}]))"
    total = f"{by_agent} (rate({selector(requests, sel)}[{RATE}]))"
    buckets = selector(f"{c.REQUEST_DURATION.name}_bucket", sel)
    mcp = selector(c.MCP_CALLS.name, sel, eq(c.LABEL_STATUS, c.STATUS_ERROR))
    memory = selector(c.MEMORY_USAGE.name, sel, eq(c.LABEL_MEMORY_TYPE, c.MEMORY_RSS))
    restarts_window = format_seconds(a.restarts_window)
    oom_window = format_seconds(a.oom_window)
    quantile = number(a.latency_quantile)
    pct = f"p{number(a.latency_quantile * 100)}"
    growth_mib = number(a.memory_growth_bytes / 1024 / 1024)
    alerts = (
        _alert(
            spec,
            c.ALERT_HIGH_ERROR_RATE,
            f"{errors}\n/\n{total}\n> {number(a.error_rate)}",
            a.error_rate_for,
            c.SEVERITY_CRITICAL,
            f"{spec.name}: more than {number(a.error_rate * 100)}% of agent requests fail",
            "{{ $value | humanizePercentage }} of the requests of agent {{ $labels.agent_id }} "
            f"returned 5xx over the last {RATE}.",
            per_agent=True,
        ),
        _alert(
            spec,
            c.ALERT_HIGH_LATENCY,
            f"histogram_quantile({quantile}, sum by ({_by(spec, c.LABEL_AGENT_ID, c.LABEL_LE)}) "
            f"(rate({buckets}[{RATE}])))\n> {number(a.latency_threshold)}",
            a.latency_for,
            c.SEVERITY_WARNING,
            f"{spec.name}: {pct} latency above {number(a.latency_threshold)}s",
            f"The {pct} request latency of agent {{{{ $labels.agent_id }}}} is "
            "{{ $value | humanizeDuration }}.",
            per_agent=True,
        ),
        _alert(
            spec,
            c.ALERT_MCP_FAILURES,
            f"sum by ({_by(spec, c.LABEL_AGENT_ID, c.LABEL_MCP_SERVER)}) (rate({mcp}[{RATE}]))\n"
            f"> {number(a.mcp_error_rate)}",
            a.mcp_for,
            c.SEVERITY_WARNING,
            f"{spec.name}: MCP calls failing",
            "MCP server {{ $labels.mcp_server }} returns {{ $value | humanize }} errors per "
            "second to agent {{ $labels.agent_id }}.",
            per_agent=True,
        ),
        _alert(
            spec,
            c.ALERT_MEMORY_LEAK,
            f"delta({memory}[{format_seconds(a.memory_window)}]) > {a.memory_growth_bytes}",
            a.memory_for,
            c.SEVERITY_WARNING,
            f"{spec.name}: memory grew by more than {growth_mib} MiB in "
            f"{format_seconds(a.memory_window)}",
            "Resident memory of {{ $labels.instance }} grew by {{ $value | humanize1024 }}B "
            f"in {format_seconds(a.memory_window)}: a likely leak.",
        ),
        _alert(
            spec,
            c.ALERT_CPU_THROTTLING,
            f"{container.cpu_of_limit(spec)}\n> {number(a.cpu_ratio)}",
            a.cpu_for,
            c.SEVERITY_WARNING,
            f"{spec.name}: container CPU near its limit",
            "Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit "
            "(cAdvisor usage over kube-state-metrics limit): it is being throttled.",
        ),
        _alert(
            spec,
            c.ALERT_MEMORY_NEAR_LIMIT,
            f"{container.memory_of_limit(spec)}\n> {number(a.memory_limit_ratio)}",
            a.memory_limit_for,
            c.SEVERITY_WARNING,
            f"{spec.name}: container memory near its limit",
            "Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit "
            "(cAdvisor working set over kube-state-metrics limit): the next spike is an OOM kill.",
        ),
        _alert(
            spec,
            c.ALERT_RESTARTS,
            f"{container.restarts(spec)} >= {a.restarts}",
            0,
            c.SEVERITY_WARNING,
            f"{spec.name}: container restarting",
            "Container {{ $labels.container }} of pod {{ $labels.pod }} restarted "
            f"{{{{ $value | humanize }}}} times in {restarts_window}.",
        ),
        _alert(
            spec,
            c.ALERT_OOM_KILLED,
            container.oom_killed(spec),
            0,
            c.SEVERITY_WARNING,
            f"{spec.name}: container OOM-killed",
            "Container {{ $labels.container }} of pod {{ $labels.pod }} was killed for running "
            f"out of memory and restarted in the last {oom_window}: raise its memory limit or "
            "find the leak.",
        ),
    )
    return tuple(alert for alert in alerts if alert.alert not in a.disabled)
