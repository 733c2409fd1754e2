"""The agent overview dashboard: traffic, errors, latency, LLM, tools, MCP, quality, health.

Every panel plots catalogue metrics of one service (its built-in SLI selector) and of the agents
picked in `$agent_id`. Cluster series (cAdvisor, kube-state-metrics) are left out on purpose:
the process reports its own memory, and every panel here has data wherever the agent runs.
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.dashboards.model import Dashboard, Panel, PanelKind, Query, Row, Unit, Variable
from adk_observe.dashboards.queries import (
    agent_matcher,
    by,
    quantile,
    rate_by,
    share,
    total_or_zero,
)
from adk_observe.dashboards.uid import dashboard_uid, generated_note
from adk_observe.model import ServiceSpec
from adk_observe.promql import eq, number, regex, selector, service_selector

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
) -> Panel:
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
    )


def _quantiles(
    histogram: str, labels: tuple[str, ...], sel: str, exemplar: bool
) -> tuple[Query, ...]:
    suffix = "".join(f" {{{{{label}}}}}" for label in labels)
    return tuple(
        Query(quantile(q, histogram, labels, sel), f"p{number(q * 100)}{suffix}", exemplar=exemplar)
        for q in LATENCY_QUANTILES
    )


def _traffic(sel: str, agents: str) -> Row:
    requests = c.REQUESTS.name
    failed = regex(c.LABEL_STATUS_CODE, c.SERVER_ERROR_REGEX)
    return Row(
        "Traffic and errors",
        (
            _ts(
                "Requests by status code",
                "Agent turns and HTTP requests per second.",
                Unit.REQUESTS_PER_SECOND,
                Query(rate_by((c.LABEL_STATUS_CODE,), requests, sel, agents), "{{status_code}}"),
                stack=True,
            ),
            _ts(
                "Error share (5xx)",
                "Share of requests that failed with a server error.",
                Unit.PERCENT_UNIT,
                Query(share(AGENT, requests, failed, sel, agents), "{{agent_id}}"),
                min=0,
            ),
            _ts(
                "Request latency",
                "Latency quantiles of agent turns; exemplar dots link to traces.",
                Unit.SECONDS,
                *_quantiles(c.REQUEST_DURATION.name, (), f"{sel},{agents}", True),
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


def _tools(sel: str, agents: str) -> Row:
    failed = eq(c.LABEL_STATUS, c.STATUS_ERROR)
    p = f"p{number(SLOW_CALL_QUANTILE * 100)}"
    mcp_keys = (c.LABEL_MCP_SERVER, c.LABEL_METHOD)
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
                "MCP failure share",
                "Share of MCP calls that failed.",
                Unit.PERCENT_UNIT,
                Query(
                    share(mcp_keys, c.MCP_CALLS.name, failed, sel, agents),
                    "{{mcp_server}} {{method}}",
                ),
                width=8,
                min=0,
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
                ),
                width=8,
            ),
        ),
        section=3,
    )


def _quality(sel: str, agents: str) -> Row:
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
                "Memory by kind",
                "Memory the agent reports, by kind (rss, session).",
                Unit.BYTES,
                Query(
                    by((*AGENT, c.LABEL_MEMORY_TYPE), selector(c.MEMORY_USAGE.name, sel, agents)),
                    "{{agent_id}} {{memory_type}}",
                ),
                width=8,
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
                "Scrape targets up",
                "Instances of the service that Prometheus reaches.",
                Unit.SHORT,
                Query(by((), selector(c.METRIC_UP, sel)), "up"),
                width=8,
                min=0,
            ),
            _ts(
                "adk-observe health",
                "Contained internal failures and dropped telemetry.",
                Unit.OPS_PER_SECOND,
                Query(total_or_zero(c.INTERNAL_ERRORS.name, sel), "internal errors"),
                Query(total_or_zero(c.TELEMETRY_DROPPED.name, sel), "dropped telemetry"),
                width=8,
            ),
        ),
        section=4,
    )


def overview_dashboard(spec: ServiceSpec) -> Dashboard:
    sel = service_selector(spec)
    agents = agent_matcher()
    return Dashboard(
        uid=dashboard_uid(spec.name, "overview"),
        title=f"{spec.name}: {TITLE_SUFFIX}",
        description=generated_note(spec),
        tags=("adk-observe", spec.name),
        rows=(_traffic(sel, agents), _llm(sel, agents), _tools(sel, agents), _quality(sel, agents)),
        variables=(Variable(c.LABEL_AGENT_ID, "Agent", c.REQUESTS.name, c.LABEL_AGENT_ID, sel),),
    )
