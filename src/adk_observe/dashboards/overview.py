"""The agent overview dashboard: traffic, errors, latency, LLM, tools, MCP, quality, health.

Every panel plots catalogue metrics of one service (its built-in SLI selector) and of the agents
picked in `$agent_id`, split the way the agent alert pack evaluates them (per agent, per MCP
server, per instance; canary against stable when the deploy is a canary) with each enabled
alert's threshold drawn. Cluster series (cAdvisor, kube-state-metrics) get their own row, and
only for a service with a Kubernetes deploy: every other panel has data wherever the agent runs.
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.dashboards import links as dl
from adk_observe.dashboards.model import (
    Dashboard,
    Panel,
    PanelKind,
    Query,
    Row,
    Threshold,
    Unit,
    Variable,
)
from adk_observe.dashboards.queries import (
    agent_matcher,
    by,
    errors_or_zero,
    quantile,
    rate_by,
    share,
    total_or_zero,
)
from adk_observe.dashboards.thresholds import GREEN, RED
from adk_observe.dashboards.uid import generated_note
from adk_observe.durations import format_seconds
from adk_observe.links import overview_uid
from adk_observe.model import ServiceSpec
from adk_observe.promql import eq, number, regex, selector, service_selector
from adk_observe.rules import container
from adk_observe.rules.agent_pack import agent_alerts

LATENCY_QUANTILES = (0.5, 0.95, 0.99)
SLOW_CALL_QUANTILE = 0.95
SECONDS_PER_HOUR = 3600
AGENT = (c.LABEL_AGENT_ID,)
TITLE_SUFFIX = "agent overview"


def _ts(
    title: str,
    description: str,
    unit: Unit,
    *queries: Query,
    width: int = 12,
    min: float | None = None,
    max: float | None = None,
    decimals: int | None = None,
    stack: bool = False,
    key: str = "",
    alert_at: float | None = None,
) -> Panel:
    """`alert_at`: the enabled alert's threshold, drawn as a red dashed line."""
    limit = () if alert_at is None else (Threshold(GREEN), Threshold(RED, alert_at))
    return Panel(
        title,
        PanelKind.TIMESERIES,
        queries,
        unit,
        description,
        width=width,
        min=min,
        max=max,
        decimals=decimals,
        stack=stack,
        key=key,
        thresholds=limit,
        threshold_lines=bool(limit),
    )


def _limit(spec: ServiceSpec, alert: str, value: float) -> float | None:
    """`value` when the rules contain `alert`, else None: no line for an alert that is off."""
    return value if alert in {a.alert for a in agent_alerts(spec)} else None


def _quantiles(
    histogram: str, labels: tuple[str, ...], sel: str, quantiles: tuple[float, ...]
) -> tuple[Query, ...]:
    suffix = "".join(f" {{{{{label}}}}}" for label in labels)
    return tuple(
        Query(quantile(q, histogram, labels, sel), f"p{number(q * 100)}{suffix}", exemplar=True)
        for q in quantiles
    )


def _traffic(spec: ServiceSpec, sel: str, agents: str) -> Row:
    requests = c.REQUESTS.name
    failed = regex(c.LABEL_STATUS_CODE, c.SERVER_ERROR_REGEX)
    a = spec.agent_alerts
    pct = f"p{number(a.latency_quantile * 100)}"
    return Row(
        "Traffic and errors",
        (
            _ts(
                "Requests by status code",
                "Agent turns and HTTP requests per second.",
                Unit.REQUESTS_PER_SECOND,
                Query(rate_by((c.LABEL_STATUS_CODE,), requests, sel, agents), "{{status_code}}"),
                stack=True,
                key="requests",
            ),
            _ts(
                "Error share (5xx) per agent",
                "Share of requests that failed with a server error; the red line is the "
                f"{c.ALERT_HIGH_ERROR_RATE} threshold.",
                Unit.PERCENT_UNIT,
                Query(share(AGENT, requests, failed, sel, agents), "{{agent_id}}"),
                min=0,
                key="error_share",
                alert_at=_limit(spec, c.ALERT_HIGH_ERROR_RATE, a.error_rate),
            ),
            _ts(
                "Request latency per agent",
                f"Latency quantiles of agent turns per agent; the red line is the {pct} "
                f"{c.ALERT_HIGH_LATENCY} threshold. Exemplar dots link to traces.",
                Unit.SECONDS,
                *_quantiles(
                    c.REQUEST_DURATION.name,
                    AGENT,
                    f"{sel},{agents}",
                    tuple(sorted({*LATENCY_QUANTILES, a.latency_quantile})),
                ),
                key="latency",
                alert_at=_limit(spec, c.ALERT_HIGH_LATENCY, a.latency_threshold),
            ),
            _ts(
                "Active conversations",
                "Agent runs in progress.",
                Unit.SHORT,
                Query(
                    by(AGENT, selector(c.ACTIVE_CONVERSATIONS.name, sel, agents)), "{{agent_id}}"
                ),
                min=0,
            ),
        ),
        section=1,
    )


def _llm(sel: str, agents: str) -> Row:
    model_status = (c.LABEL_MODEL, c.LABEL_STATUS)
    return Row(
        "LLM calls, tokens and cost",
        (
            _ts(
                "LLM calls by model and status",
                "Model calls per second.",
                Unit.OPS_PER_SECOND,
                Query(rate_by(model_status, c.LLM_CALLS.name, sel, agents), "{{model}} {{status}}"),
            ),
            _ts(
                f"LLM call latency (p{number(SLOW_CALL_QUANTILE * 100)})",
                "By model.",
                Unit.SECONDS,
                Query(
                    quantile(
                        SLOW_CALL_QUANTILE, c.LLM_CALL_DURATION.name, (c.LABEL_MODEL,), sel, agents
                    ),
                    "{{model}}",
                    exemplar=True,
                ),
            ),
            _ts(
                "Tokens by model and type",
                "Input and output tokens per second.",
                Unit.SHORT,
                Query(
                    rate_by((c.LABEL_MODEL, c.LABEL_TOKEN_TYPE), c.LLM_TOKENS.name, sel, agents),
                    "{{model}} {{token_type}}",
                ),
                stack=True,
            ),
            _ts(
                "Cost per hour by model",
                "LLM cost from the price table, in its currency.",
                Unit.SHORT,
                Query(
                    f"{rate_by((c.LABEL_MODEL,), c.COST_TOTAL.name, sel, agents)} * "
                    f"{SECONDS_PER_HOUR}",
                    "{{model}}",
                ),
                min=0,
                decimals=4,
            ),
        ),
        section=2,
    )


def _tools(spec: ServiceSpec, sel: str, agents: str) -> Row:
    failed = eq(c.LABEL_STATUS, c.STATUS_ERROR)
    p = f"p{number(SLOW_CALL_QUANTILE * 100)}"
    mcp_keys = (c.LABEL_MCP_SERVER, c.LABEL_METHOD)
    mcp_alert_keys = (c.LABEL_AGENT_ID, c.LABEL_MCP_SERVER)
    return Row(
        "Tools and MCP",
        (
            _ts(
                "Tool calls by tool and status",
                "Function-tool calls per second.",
                Unit.OPS_PER_SECOND,
                Query(
                    rate_by((c.LABEL_TOOL, c.LABEL_STATUS), c.TOOL_CALLS.name, sel, agents),
                    "{{tool}} {{status}}",
                ),
                width=8,
            ),
            _ts(
                "Tool failure share",
                "Share of tool calls that raised.",
                Unit.PERCENT_UNIT,
                Query(share((c.LABEL_TOOL,), c.TOOL_CALLS.name, failed, sel, agents), "{{tool}}"),
                width=8,
                min=0,
            ),
            _ts(
                f"Tool call latency ({p})",
                "By tool.",
                Unit.SECONDS,
                Query(
                    quantile(
                        SLOW_CALL_QUANTILE, c.TOOL_CALL_DURATION.name, (c.LABEL_TOOL,), sel, agents
                    ),
                    "{{tool}}",
                    exemplar=True,
                ),
                width=8,
            ),
            _ts(
                "MCP calls by server, method and status",
                "MCP tool calls per second.",
                Unit.OPS_PER_SECOND,
                Query(
                    rate_by((*mcp_keys, c.LABEL_STATUS), c.MCP_CALLS.name, sel, agents),
                    "{{mcp_server}} {{method}} {{status}}",
                ),
                width=8,
            ),
            _ts(
                "MCP errors per second by agent and server",
                f"Failed MCP calls per second; the red line is the {c.ALERT_MCP_FAILURES} "
                "threshold.",
                Unit.OPS_PER_SECOND,
                Query(
                    errors_or_zero(mcp_alert_keys, c.MCP_CALLS.name, failed, sel, agents),
                    "{{agent_id}} {{mcp_server}}",
                ),
                width=8,
                min=0,
                key="mcp_errors",
                alert_at=_limit(spec, c.ALERT_MCP_FAILURES, spec.agent_alerts.mcp_error_rate),
            ),
            _ts(
                f"MCP call latency ({p})",
                "By server.",
                Unit.SECONDS,
                Query(
                    quantile(
                        SLOW_CALL_QUANTILE,
                        c.MCP_CALL_DURATION.name,
                        (c.LABEL_MCP_SERVER,),
                        sel,
                        agents,
                    ),
                    "{{mcp_server}}",
                    exemplar=True,
                ),
                width=8,
            ),
        ),
        section=3,
    )


def _quality(spec: ServiceSpec, sel: str, agents: str) -> Row:
    a = spec.agent_alerts
    window = format_seconds(a.memory_window)
    rss = selector(c.MEMORY_USAGE.name, sel, agents, eq(c.LABEL_MEMORY_TYPE, c.MEMORY_RSS))
    rating = c.SATISFACTION_RATING.name
    mean = (
        f"{rate_by((), f'{rating}_sum', sel, agents)}\n/\n"
        f"{rate_by((), f'{rating}_count', sel, agents)}"
    )
    return Row(
        "Quality and resources",
        (
            _ts(
                "Successful interactions",
                "Completed interactions per second, by type.",
                Unit.OPS_PER_SECOND,
                Query(
                    rate_by(
                        (c.LABEL_INTERACTION_TYPE,), c.SUCCESSFUL_INTERACTIONS.name, sel, agents
                    ),
                    "{{interaction_type}}",
                ),
                width=8,
            ),
            _ts(
                "User satisfaction",
                "Mean rating (1-5) over the interval and the latest rating.",
                Unit.SHORT,
                Query(mean, "mean rating"),
                Query(
                    by((), selector(c.SATISFACTION_SCORE.name, sel, agents), "avg"), "latest rating"
                ),
                width=8,
                min=1,
                max=5,
            ),
            _ts(
                "Cost of the latest interaction",
                "By cost center, in the price table's currency.",
                Unit.SHORT,
                Query(
                    by(
                        (c.LABEL_COST_CENTER,),
                        selector(c.COST_PER_INTERACTION.name, sel, agents),
                        "max",
                    ),
                    "{{cost_center}}",
                ),
                width=8,
                decimals=6,
            ),
            _ts(
                "Memory per instance",
                "Memory the agent reports, per instance and kind (rss, session).",
                Unit.BYTES,
                Query(
                    by(
                        (c.LABEL_INSTANCE, c.LABEL_MEMORY_TYPE),
                        selector(c.MEMORY_USAGE.name, sel, agents),
                    ),
                    "{{instance}} {{memory_type}}",
                ),
                width=8,
                key="memory",
            ),
            _ts(
                f"Resident memory growth over {window}",
                f"Per instance; the red line is the {c.ALERT_MEMORY_LEAK} threshold.",
                Unit.BYTES,
                Query(by((c.LABEL_INSTANCE,), f"delta({rss}[{window}])", "max"), "{{instance}}"),
                width=8,
                key="memory_growth",
                alert_at=_limit(spec, c.ALERT_MEMORY_LEAK, a.memory_growth_bytes),
            ),
            _ts(
                "Targets down by instance",
                "1 = Prometheus cannot scrape the instance (`up` is 0).",
                Unit.SHORT,
                Query(by((c.LABEL_INSTANCE,), f"1 - {selector(c.METRIC_UP, sel)}"), "{{instance}}"),
                width=8,
                min=0,
                max=1,
                key="targets_down",
                alert_at=1,
            ),
            _ts(
                "adk-observe health",
                "Contained internal failures and dropped telemetry.",
                Unit.OPS_PER_SECOND,
                Query(total_or_zero(c.INTERNAL_ERRORS.name, sel), "internal errors"),
                Query(total_or_zero(c.TELEMETRY_DROPPED.name, sel), "dropped telemetry"),
                width=24,
            ),
        ),
        section=4,
    )


def _tracks(spec: ServiceSpec, sel: str, agents: str) -> Row:
    """Canary against stable while a rollout runs (the ServiceMonitor keeps the pods' track)."""
    track = (c.LABEL_TRACK,)
    requests = c.REQUESTS.name
    failed = regex(c.LABEL_STATUS_CODE, c.SERVER_ERROR_REGEX)
    a = spec.agent_alerts
    q = a.latency_quantile
    return Row(
        "Canary vs stable",
        (
            _ts(
                "Requests by track",
                "Requests per second to canary and stable pods: the canary's traffic weight.",
                Unit.REQUESTS_PER_SECOND,
                Query(rate_by(track, requests, sel, agents), "{{track}}"),
                width=8,
            ),
            _ts(
                "Error share (5xx) by track",
                "A canary worse than stable is what the SLO gate aborts on.",
                Unit.PERCENT_UNIT,
                Query(share(track, requests, failed, sel, agents), "{{track}}"),
                width=8,
                min=0,
                alert_at=_limit(spec, c.ALERT_HIGH_ERROR_RATE, a.error_rate),
            ),
            _ts(
                f"Request latency p{number(q * 100)} by track",
                "Canary against stable.",
                Unit.SECONDS,
                Query(
                    quantile(q, c.REQUEST_DURATION.name, track, sel, agents),
                    "{{track}}",
                    exemplar=True,
                ),
                width=8,
                alert_at=_limit(spec, c.ALERT_HIGH_LATENCY, a.latency_threshold),
            ),
        ),
        section=5,
    )


def _containers(spec: ServiceSpec) -> Row:
    """What the container alerts evaluate (cAdvisor, kube-state-metrics), per pod: only for a
    service deployed to Kubernetes, where those series exist."""
    a = spec.agent_alerts
    window = format_seconds(a.restarts_window)
    return Row(
        "Containers",
        (
            _ts(
                "CPU used of the limit",
                f"Per pod; the red line is the {c.ALERT_CPU_THROTTLING} threshold.",
                Unit.PERCENT_UNIT,
                Query(container.cpu_of_limit(spec), "{{pod}}"),
                width=6,
                min=0,
                key="cpu_of_limit",
                alert_at=_limit(spec, c.ALERT_CPU_THROTTLING, a.cpu_ratio),
            ),
            _ts(
                "Memory working set of the limit",
                f"Per pod; the red line is the {c.ALERT_MEMORY_NEAR_LIMIT} threshold.",
                Unit.PERCENT_UNIT,
                Query(container.memory_of_limit(spec), "{{pod}}"),
                width=6,
                min=0,
                key="memory_of_limit",
                alert_at=_limit(spec, c.ALERT_MEMORY_NEAR_LIMIT, a.memory_limit_ratio),
            ),
            _ts(
                f"Restarts in {window}",
                f"Per pod; the red line is the {c.ALERT_RESTARTS} threshold.",
                Unit.SHORT,
                Query(container.restarts(spec), "{{pod}}"),
                width=6,
                min=0,
                key="restarts",
                alert_at=_limit(spec, c.ALERT_RESTARTS, a.restarts),
            ),
            _ts(
                "OOM-killed containers",
                f"1 while a container restarted after an OOM kill ({c.ALERT_OOM_KILLED} fires).",
                Unit.SHORT,
                Query(container.oom_killed(spec), "{{pod}}"),
                width=6,
                min=0,
                key="oom_killed",
                alert_at=_limit(spec, c.ALERT_OOM_KILLED, 1),
            ),
        ),
        section=6,
    )


def overview_dashboard(spec: ServiceSpec) -> Dashboard:
    sel = service_selector(spec)
    variables = [Variable(c.LABEL_AGENT_ID, "Agent", c.REQUESTS.name, c.LABEL_AGENT_ID, sel)]
    if spec.clusters is not None:  # every panel reads the clusters picked in `$cluster`
        label = spec.clusters.label
        variables.insert(0, Variable(label, "Cluster", c.REQUESTS.name, label, sel))
        sel = f"{sel},{regex(label, f'${label}')}"
    agents = agent_matcher()
    return Dashboard(
        uid=overview_uid(spec),
        title=f"{spec.name}: {TITLE_SUFFIX}",
        description=generated_note(spec),
        tags=("adk-observe", spec.name),
        rows=(
            _traffic(spec, sel, agents),
            _llm(sel, agents),
            _tools(spec, sel, agents),
            _quality(spec, sel, agents),
            *((_tracks(spec, sel, agents),) if spec.deploy and spec.deploy.tracks else ()),
            *((_containers(spec),) if spec.deploy else ()),
        ),
        variables=tuple(variables),
        links=dl.dashboard_links(spec, dl.SLOS_TITLE),
    )
