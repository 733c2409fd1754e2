"""The agent overview dashboard as a table: its rows in order, each with its panels (the types
and query builders are overview_panels.py's; overview.py turns the table into a Dashboard).

Over 400 lines: it is one declarative table, read top to bottom in the dashboard's order;
splitting it would split the dashboard's reading order across files.
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.dashboards.overview_panels import (
    AGENT,
    FAILED_CALL,
    FAILED_EVALUATION,
    FAILED_REQUEST,
    LATENCY_QUANTILES,
    SECONDS_PER_HOUR,
    SLOW,
    TRACK,
    Section,
    Series,
    guardrail_jump,
    latencies,
    mean_rating,
    per_pod,
    quantiles,
    rate_of,
    rss_growth,
    share_of,
    slow_calls,
)
from adk_observe.dashboards.panels import Query, Unit
from adk_observe.dashboards.queries import by, errors_or_zero, quantile, rate_by, total_or_zero
from adk_observe.promql import selector
from adk_observe.rules import container

ABANDONED = "abandoned"  # the legend of the abandoned turns beside the status codes

TRAFFIC = Section(
    "Traffic and errors",
    1,
    (
        Series(
            "Requests by status code, and abandoned turns",
            "Agent turns and HTTP requests per second, and turns abandoned before their answer "
            "(cancelled, or the client disconnected: no request, so no error either). Abandoned "
            f"turns and no requests: the agent hangs until its clients give up "
            f"({c.ALERT_TURNS_ABANDONED}).",
            Unit.REQUESTS_PER_SECOND,
            lambda s: (
                *rate_of(c.REQUESTS, c.LABEL_STATUS_CODE)(s),
                Query(rate_by((), c.ABANDONED_TURNS.name, s.sel, s.agents), ABANDONED),
            ),
            stack=True,
            key="requests",
        ),
        Series(
            "Error share (5xx) per agent",
            "Share of requests that failed with a server error; the red line is the "
            f"{c.ALERT_HIGH_ERROR_RATE} threshold.",
            Unit.PERCENT_UNIT,
            share_of(c.REQUESTS, FAILED_REQUEST, *AGENT),
            min=0,
            key="error_share",
            alert=c.ALERT_HIGH_ERROR_RATE,
        ),
        Series(
            "Request latency per agent",
            "Latency quantiles of agent turns per agent; the red line is the <quantile> "
            f"{c.ALERT_HIGH_LATENCY} threshold. Exemplar dots link to traces.",
            Unit.SECONDS,
            latencies,
            key="latency",
            alert=c.ALERT_HIGH_LATENCY,
        ),
        Series(
            "Active conversations",
            "Agent runs in progress.",
            Unit.SHORT,
            lambda s: (
                Query(
                    by(AGENT, selector(c.ACTIVE_CONVERSATIONS.name, s.sel, s.agents)),
                    "{{agent_id}}",
                ),
            ),
            min=0,
        ),
    ),
)

# What a user of a streaming agent feels beside errors and latency (issue 23): how soon text
# appears, whether the answers pass their evaluators, and what the guardrails decide.
USERS = Section(
    "First token, answer quality and guardrails",
    7,
    (
        Series(
            "Time to first token per agent",
            "Time from the start of a streamed turn to its first text (turns that stream). "
            "Exemplar dots link to traces.",
            Unit.SECONDS,
            lambda s: quantiles(
                c.FIRST_TOKEN.name, AGENT, f"{s.sel},{s.agents}", LATENCY_QUANTILES
            ),
            width=12,
            key="first_token",
        ),
        Series(
            "Failing evaluations by evaluator",
            "Share of evaluated answers each online evaluator fails (record_evaluation).",
            Unit.PERCENT_UNIT,
            share_of(c.EVALUATIONS, FAILED_EVALUATION, c.LABEL_EVALUATOR),
            width=12,
            min=0,
            key="failing_evaluations",
        ),
        Series(
            "Guardrail decisions by guardrail and decision",
            "Decisions per second (record_guardrail, adk.guardrail): allow, block, modify.",
            Unit.OPS_PER_SECOND,
            rate_of(c.GUARDRAILS, c.LABEL_GUARDRAIL, c.LABEL_DECISION),
            width=12,
            stack=True,
            key="guardrails",
        ),
        Series(
            "Guardrail block share vs. its last <guardrail_baseline>",
            "Each guardrail's share of blocked decisions over <rate>, as a multiple of its mean "
            "share over the last <guardrail_baseline>; the red line is the "
            f"{c.ALERT_GUARDRAIL_BLOCKS} "
            "threshold (it fires only where the <rate> share is also at least "
            "<guardrail_floor>%).",
            Unit.NONE,
            guardrail_jump,
            width=12,
            min=0,
            key="guardrail_jump",
            alert=c.ALERT_GUARDRAIL_BLOCKS,
        ),
    ),
)

LLM = Section(
    "LLM calls, tokens and cost",
    2,
    (
        Series(
            "LLM calls by model and status",
            "Model calls per second.",
            Unit.OPS_PER_SECOND,
            rate_of(c.LLM_CALLS, c.LABEL_MODEL, c.LABEL_STATUS),
        ),
        Series(
            f"LLM call latency ({SLOW})",
            "By model.",
            Unit.SECONDS,
            slow_calls(c.LLM_CALL_DURATION.name, c.LABEL_MODEL),
        ),
        Series(
            "Tokens by model and type",
            "Input and output tokens per second.",
            Unit.SHORT,
            rate_of(c.LLM_TOKENS, c.LABEL_MODEL, c.LABEL_TOKEN_TYPE),
            stack=True,
        ),
        Series(
            "Cost per hour by model",
            "LLM cost from the price table, in its currency.",
            Unit.SHORT,
            lambda s: (
                Query(
                    f"{rate_by((c.LABEL_MODEL,), c.COST_TOTAL.name, s.sel, s.agents)} * "
                    f"{SECONDS_PER_HOUR}",
                    "{{model}}",
                ),
            ),
            min=0,
            decimals=4,
        ),
    ),
)

TOOLS = Section(
    "Tools and MCP",
    3,
    (
        Series(
            "Tool calls by tool and status",
            "Function-tool calls per second.",
            Unit.OPS_PER_SECOND,
            rate_of(c.TOOL_CALLS, c.LABEL_TOOL, c.LABEL_STATUS),
            width=8,
        ),
        Series(
            "Tool failure share",
            "Share of tool calls that raised.",
            Unit.PERCENT_UNIT,
            share_of(c.TOOL_CALLS, FAILED_CALL, c.LABEL_TOOL),
            width=8,
            min=0,
        ),
        Series(
            f"Tool call latency ({SLOW})",
            "By tool.",
            Unit.SECONDS,
            slow_calls(c.TOOL_CALL_DURATION.name, c.LABEL_TOOL),
            width=8,
        ),
        Series(
            "MCP calls by server, method and status",
            "MCP tool calls per second.",
            Unit.OPS_PER_SECOND,
            rate_of(c.MCP_CALLS, c.LABEL_MCP_SERVER, c.LABEL_METHOD, c.LABEL_STATUS),
            width=8,
        ),
        Series(
            "MCP errors per second by agent and server",
            f"Failed MCP calls per second; the red line is the {c.ALERT_MCP_FAILURES} threshold.",
            Unit.OPS_PER_SECOND,
            lambda s: (
                Query(
                    errors_or_zero(
                        (c.LABEL_AGENT_ID, c.LABEL_MCP_SERVER),
                        c.MCP_CALLS.name,
                        FAILED_CALL,
                        s.sel,
                        s.agents,
                    ),
                    "{{agent_id}} {{mcp_server}}",
                ),
            ),
            width=8,
            min=0,
            key="mcp_errors",
            alert=c.ALERT_MCP_FAILURES,
        ),
        Series(
            f"MCP call latency ({SLOW})",
            "By server.",
            Unit.SECONDS,
            slow_calls(c.MCP_CALL_DURATION.name, c.LABEL_MCP_SERVER),
            width=8,
        ),
    ),
)

QUALITY = Section(
    "Quality and resources",
    4,
    (
        Series(
            "Successful interactions",
            "Completed interactions per second, by type.",
            Unit.OPS_PER_SECOND,
            rate_of(c.SUCCESSFUL_INTERACTIONS, c.LABEL_INTERACTION_TYPE),
            width=8,
        ),
        Series(
            "User satisfaction",
            "Mean rating (1-5) over the interval and the latest rating.",
            Unit.SHORT,
            lambda s: (
                Query(mean_rating(s), "mean rating"),
                Query(
                    by((), selector(c.SATISFACTION_SCORE.name, s.sel, s.agents), "avg"),
                    "latest rating",
                ),
            ),
            width=8,
            min=1,
            max=5,
        ),
        Series(
            "Cost of the latest interaction",
            "By cost center, in the price table's currency.",
            Unit.SHORT,
            lambda s: (
                Query(
                    by(
                        (c.LABEL_COST_CENTER,),
                        selector(c.COST_PER_INTERACTION.name, s.sel, s.agents),
                        "max",
                    ),
                    "{{cost_center}}",
                ),
            ),
            width=8,
            decimals=6,
        ),
        Series(
            "Memory per instance",
            "Memory the agent reports, per instance and kind (rss, session).",
            Unit.BYTES,
            lambda s: (
                Query(
                    by(
                        (c.LABEL_INSTANCE, c.LABEL_MEMORY_TYPE),
                        selector(c.MEMORY_USAGE.name, s.sel, s.agents),
                    ),
                    "{{instance}} {{memory_type}}",
                ),
            ),
            width=8,
            key="memory",
        ),
        Series(
            "Resident memory growth over <memory_window>",
            f"Per instance; the red line is the {c.ALERT_MEMORY_LEAK} threshold.",
            Unit.BYTES,
            lambda s: (Query(rss_growth(s), "{{instance}}"),),
            width=8,
            key="memory_growth",
            alert=c.ALERT_MEMORY_LEAK,
        ),
        Series(
            "Targets down by instance",
            "1 = Prometheus cannot scrape the instance (`up` is 0).",
            Unit.SHORT,
            lambda s: (
                Query(
                    by((c.LABEL_INSTANCE,), f"1 - {selector(c.METRIC_UP, s.sel)}"), "{{instance}}"
                ),
            ),
            width=8,
            min=0,
            max=1,
            key="targets_down",
            line=1,
        ),
        Series(
            "adk-observe health",
            "Contained internal failures and dropped telemetry.",
            Unit.OPS_PER_SECOND,
            lambda s: (
                Query(total_or_zero(c.INTERNAL_ERRORS.name, s.sel), "internal errors"),
                Query(total_or_zero(c.TELEMETRY_DROPPED.name, s.sel), "dropped telemetry"),
            ),
            width=24,
        ),
    ),
)

# Canary against stable while a rollout runs (the ServiceMonitor keeps the pods' track).
TRACKS = Section(
    "Canary vs stable",
    5,
    (
        Series(
            "Requests by track",
            "Requests per second to canary and stable pods: the canary's traffic weight.",
            Unit.REQUESTS_PER_SECOND,
            rate_of(c.REQUESTS, *TRACK),
            width=8,
        ),
        Series(
            "Error share (5xx) by track",
            "A canary worse than stable is what the SLO gate aborts on.",
            Unit.PERCENT_UNIT,
            share_of(c.REQUESTS, FAILED_REQUEST, *TRACK),
            width=8,
            min=0,
            alert=c.ALERT_HIGH_ERROR_RATE,
        ),
        Series(
            "Request latency <quantile> by track",
            "Canary against stable.",
            Unit.SECONDS,
            lambda s: (
                Query(
                    quantile(
                        s.spec.agent_alerts.latency_quantile,
                        c.REQUEST_DURATION.name,
                        TRACK,
                        s.sel,
                        s.agents,
                    ),
                    "{{track}}",
                    exemplar=True,
                ),
            ),
            width=8,
            alert=c.ALERT_HIGH_LATENCY,
        ),
    ),
    shown=lambda spec: bool(spec.deploy and spec.deploy.tracks),
)

# What the container alerts evaluate (cAdvisor, kube-state-metrics), per pod: only for a
# service deployed to Kubernetes, where those series exist.
CONTAINERS = Section(
    "Containers",
    6,
    (
        Series(
            "CPU used of the limit",
            f"Per pod; the red line is the {c.ALERT_CPU_THROTTLING} threshold.",
            Unit.PERCENT_UNIT,
            per_pod(container.cpu_of_limit),
            width=6,
            min=0,
            key="cpu_of_limit",
            alert=c.ALERT_CPU_THROTTLING,
        ),
        Series(
            "Memory working set of the limit",
            f"Per pod; the red line is the {c.ALERT_MEMORY_NEAR_LIMIT} threshold.",
            Unit.PERCENT_UNIT,
            per_pod(container.memory_of_limit),
            width=6,
            min=0,
            key="memory_of_limit",
            alert=c.ALERT_MEMORY_NEAR_LIMIT,
        ),
        Series(
            "Restarts in <restarts_window>",
            f"Per pod; the red line is the {c.ALERT_RESTARTS} threshold.",
            Unit.SHORT,
            per_pod(container.restarts),
            width=6,
            min=0,
            key="restarts",
            alert=c.ALERT_RESTARTS,
        ),
        Series(
            "OOM-killed containers",
            f"1 while a container restarted after an OOM kill ({c.ALERT_OOM_KILLED} fires).",
            Unit.SHORT,
            per_pod(container.oom_killed),
            width=6,
            min=0,
            key="oom_killed",
            alert=c.ALERT_OOM_KILLED,
            line=1,
        ),
    ),
    shown=lambda spec: spec.deploy is not None,
)

SECTIONS: tuple[Section, ...] = (TRAFFIC, USERS, LLM, TOOLS, QUALITY, TRACKS, CONTAINERS)
