"""Every name that crosses a boundary: metrics, labels, spans, recording rules, rule groups.

The agent emits these metrics, the rules query them, the dashboards plot them and the canary
gates on them. Nothing else in the project spells one of these strings out. The metric catalogue
(its section below) declares each metric once, with how the runtime records it.

Over 400 lines: it is a table of names plus the catalogue, which every layer reads as
`conventions.X`; splitting it would split the one place a name is looked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from adk_observe import __version__

# --- labels -----------------------------------------------------------------------------------

# Characters the recorder keeps of a label value by default (`label_value_max_length`); a spec's
# SLI that selects on a longer value (an evaluator) would never match what it records.
LABEL_VALUE_MAX_LENGTH = 128
LABEL_AGENT_ID = "agent_id"
LABEL_METHOD = "method"
LABEL_ENDPOINT = "endpoint"
LABEL_STATUS_CODE = "status_code"
LABEL_STATUS = "status"
LABEL_MEMORY_TYPE = "memory_type"
LABEL_MCP_SERVER = "mcp_server"
LABEL_TOOL = "tool"
LABEL_MODEL = "model"
LABEL_TOKEN_TYPE = "token_type"
LABEL_INTERACTION_TYPE = "interaction_type"
LABEL_COST_CENTER = "cost_center"
LABEL_COMPONENT = "component"
LABEL_SINK = "sink"
LABEL_EVALUATOR = "evaluator"  # an online evaluator's name (record_evaluation)
LABEL_RESULT = "result"  # an evaluation's verdict: RESULT_PASS or RESULT_FAIL
LABEL_GUARDRAIL = "guardrail"  # a guardrail's name (record_guardrail, adk.guardrail)
LABEL_DECISION = "decision"  # a guardrail's decision: one of GUARDRAIL_DECISIONS
LABEL_METRIC = "metric"  # on adk_observe_series_overflow_total: the metric family that overflowed
LABEL_JOB = "job"
LABEL_LE = "le"
LABEL_INSTANCE = "instance"
# Pod label (Argo Rollouts ephemeral metadata) copied onto the scraped series of a canary deploy.
LABEL_TRACK = "track"
TRACK_CANARY = "canary"
TRACK_STABLE = "stable"
LABEL_ALERTNAME = "alertname"
LABEL_ALERT_STATE = "alertstate"
ALERT_STATE_FIRING = "firing"
# Target labels the scrape adds from the pod (ServiceMonitor podTargetLabels / the plain job's
# relabelling): Argo Rollouts' `rollouts-pod-template-hash` pod label, sanitised the way both
# Prometheus SD and the Operator sanitise label names, tells a canary's series from the stable's.
LABEL_POD_TEMPLATE_HASH = "rollouts_pod_template_hash"
POD_LABEL_POD_TEMPLATE_HASH = "rollouts-pod-template-hash"
LABEL_POD = "pod"
LABEL_NAMESPACE = "namespace"
# cAdvisor and kube-state-metrics labels the container alerts select on.
LABEL_CONTAINER = "container"
LABEL_RESOURCE = "resource"  # kube_pod_container_resource_limits: cpu or memory
LABEL_REASON = "reason"  # kube_pod_container_status_last_terminated_reason
RESOURCE_CPU = "cpu"
RESOURCE_MEMORY = "memory"

# Labels the compiler puts on every SLO series and alert.
LABEL_SERVICE = "service"
LABEL_SLO = "slo"
LABEL_SEVERITY = "severity"
LABEL_WINDOWS = "windows"
LABEL_BURN_FACTOR = "burn_factor"
# The stable name of a burn-rate alert's window pair (page-fast, page-slow, ticket-fast,
# ticket-slow for the default table): what Alertmanager inhibits on and `alerting.tiers` names.
# Not plain `tier`: Sloth's getting-started spec and many real ones label services `tier: "2"`
# (a service tier), which would collide on every alert (Pyrra chose `burnrate_tier` likewise).
LABEL_TIER = "burn_tier"
# On `<Service><Slo>ErrorBudgetExhausted` (value "true"): a deploy pipeline reads a firing alert
# with this label as a change freeze (`ALERTS{change_freeze="true",service="..."}`).
LABEL_CHANGE_FREEZE = "change_freeze"
CHANGE_FREEZE = "true"
# The service label (metadata.labels) that Alertmanager routes a team's services under.
LABEL_TEAM = "team"
# Labels the compiler puts on every spend-budget series and alert (with service, severity, windows).
LABEL_BUDGET = "budget"
# The labels the compiler sets (alerts also get severity, windows, burn_factor and burn_tier): a
# spec may set none of them (a per-severity label may rename the severity on purpose).
_BURN_LABELS = (LABEL_SEVERITY, LABEL_WINDOWS, LABEL_BURN_FACTOR, LABEL_TIER)
SLO_LABELS = (LABEL_SERVICE, LABEL_SLO, *_BURN_LABELS)
BUDGET_LABELS = (LABEL_SERVICE, LABEL_BUDGET, *_BURN_LABELS)
# Sloth's own labels (internal/prometheus/conventions.go upstream): imported Sloth SLOs carry
# them so routes and annotation templates written for Sloth keep working.
LABEL_SLOTH_ID = "sloth_id"
LABEL_SLOTH_SERVICE = "sloth_service"
LABEL_SLOTH_SLO = "sloth_slo"
LABEL_SLOTH_SEVERITY = "sloth_severity"

# Labels that only exist inside the report's queries (checks/budget_queries.py): they tell apart
# the parts and windows that one PromQL answer carries. Never recorded or stored.
LABEL_NAME = "__name__"  # Prometheus's own label for the metric name
LABEL_REPORT_PART = "adk_observe_part"
LABEL_REPORT_WINDOW = "adk_observe_window"

# Values of LABEL_STATUS on tool, MCP and LLM calls.
STATUS_OK = "ok"
STATUS_ERROR = "error"
MEMORY_RSS = "rss"  # values of LABEL_MEMORY_TYPE
MEMORY_SESSION = "session"
# Values of LABEL_TOKEN_TYPE. "input" counts the whole prompt, cached tokens included ("cached" is
# the part of it served from a cache, billed cheaper); "reasoning" (thinking) tokens are counted
# apart from "output", as Gemini reports them (thoughts_token_count beside candidates_token_count).
TOKEN_INPUT = "input"
TOKEN_OUTPUT = "output"
TOKEN_CACHED = "cached"
TOKEN_REASONING = "reasoning"
# Value that label values past the per-label cardinality cap are folded into; also every label of
# the one combination a metric family past its series limit records into, and the method and
# endpoint of HTTP requests with a non-standard method or no matched route (ASGI middleware).
OVERFLOW_LABEL_VALUE = "__other__"
UNKNOWN_MODEL = "unknown"  # the model label of an LLM call whose request names no model
# HTTP-style status codes used for agent turns, so one rule serves turns and HTTP requests.
STATUS_CODE_OK = "200"
STATUS_CODE_ERROR = "500"
SERVER_ERROR_REGEX = "5.."
# Values of LABEL_METHOD, LABEL_ENDPOINT and LABEL_INTERACTION_TYPE on agent turns (HTTP requests
# through the ASGI middleware carry the HTTP method and route instead).
METHOD_TURN = "turn"
ENDPOINT_AGENT = "agent"
INTERACTION_AGENT_TURN = "agent_turn"
# Values of LABEL_RESULT on evaluations and of LABEL_DECISION on guardrail decisions.
RESULT_PASS = "pass"
RESULT_FAIL = "fail"
DECISION_ALLOW = "allow"
DECISION_BLOCK = "block"  # the input or output was refused (the model or tool not called)
DECISION_MODIFY = "modify"  # the input or output was changed (redacted, rewritten)
GUARDRAIL_DECISIONS = (DECISION_ALLOW, DECISION_BLOCK, DECISION_MODIFY)
# Values of LABEL_COMPONENT on adk_observe_internal_errors_total: where a contained failure was.
COMPONENT_ADK_PLUGIN = "adk_plugin"
COMPONENT_INSTRUMENT = "instrument"
COMPONENT_LOGGING = "logging"
COMPONENT_HTTP = "http"
# Values of LABEL_SINK on adk_observe_telemetry_dropped_total: where the records were going.
SINK_OTLP = "otlp"
SINK_FLUENTD = "fluentd"
SINK_LOG_FILE = "log_file"  # the rotating log file (logging.file) while it cannot be written
SINK_OTEL_METRICS = "otel_metrics"
SINK_RECORDER = "recorder"  # events queued for the work queue's worker (instrument/work_queue.py)
SINK_OTLP_METRICS = "otlp_metrics"  # metric exports to the OTLP metrics endpoint that failed
# Values refused before they reached a metric: a token count, cost, price product or rating that
# is not a finite number, or is negative where it cannot be.
SINK_METRICS = "metrics"


# --- the metric catalogue ------------------------------------------------------------------------
#
# Every metric the runtime records, declared once: the recorder (instrument/metrics.py) registers
# every metric and records every event from these declarations alone, lint checks queries against
# them, rules and dashboards take their names from them, docs/instrumentation.md's metric table is
# checked against them. To add a metric: declare it here with the `Capture` that records it, add
# it to CATALOGUE, make sure the event carries the field the capture reads (instrument/events.py,
# set where the event is captured), and test it (tests/instrument/test_catalogue.py shows how).


class MetricType(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"


class Op(StrEnum):
    """What a capture does with its value."""

    ADD = "add"  # counters (the default), and gauges that go up and down
    OBSERVE = "observe"  # histograms (the default); the event's sampled trace id is the exemplar
    SET = "set"  # gauges (the default)
    LATEST = "latest"  # gauges: the latest object of the event's `value` field, measured by its
    # `measure` field when Prometheus scrapes


@dataclass(frozen=True)
class Capture:
    """How the runtime records a metric from one kind of event (instrument/events.py).

    `event`: the event's kind. `value`: the event field recorded (a dotted path reads into a
    field: "usage.input"), or a constant (1.0 counts the event). `when`: an event field that must
    be true for the event to be recorded ("": always). `fields`: (label, event field) for labels
    whose event field has another name; every other label's value is the event field of the
    label's name. `each`: one sample per (label value, event field) for the last label, whose
    value is then that label value (zero samples are skipped): the token types of an LLM call.
    `op`: default from the metric's type.
    """

    event: str
    value: str | float = 1.0
    when: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    each: tuple[tuple[str, str], ...] = ()
    op: Op | None = None


_DEFAULT_OP = {
    MetricType.COUNTER: Op.ADD,
    MetricType.GAUGE: Op.SET,
    MetricType.HISTOGRAM: Op.OBSERVE,
}


@dataclass(frozen=True)
class MetricDef:
    """One metric. `capped`: the labels whose values come from outside (names of models, tools,
    servers, routes): each keeps at most the `label_limit` option's distinct values, shared by
    every metric that caps it. `multiprocess`: how prometheus-client combines a gauge of several
    worker processes. `captures`: how the runtime records it; none for the runtime's metrics
    about itself (recorded where they happen) and the process's RSS (a callback)."""

    name: str
    type: MetricType
    help: str
    labels: tuple[str, ...]
    buckets: tuple[float, ...] = ()
    capped: tuple[str, ...] = ()
    multiprocess: str = "mostrecent"
    captures: tuple[Capture, ...] = ()

    def series_names(self) -> tuple[str, ...]:
        """The names Prometheus stores for this metric (what a query may select)."""
        if self.type is MetricType.HISTOGRAM:
            return (f"{self.name}_bucket", f"{self.name}_count", f"{self.name}_sum")
        return (self.name,)

    def op(self, capture: Capture) -> Op:
        return capture.op or _DEFAULT_OP[self.type]


# Agent turns can take tens of seconds, so the reference buckets get a longer tail.
REQUEST_DURATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
MCP_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
TOOL_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
LLM_DURATION_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)
# User ratings on a 1-5 scale; half steps so "above 4.0" and "above 4.5" are both bucket bounds.
SATISFACTION_BUCKETS = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)
# Cost of one interaction in the price table's currency: bounds a cost-per-turn SLO may name
# ("95% of turns cost under 0.05"), from a tenth of a cent to five.
# Time to the first token a user sees: 50 ms to 30 s, with the bounds a first-token SLO names
# ("95% of turns show text within 1 s"): 0.5, 1, 1.5 and 2 s.
FIRST_TOKEN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)
COST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

# The event kinds (instrument/events.py) and the fields captures read that are not label names.
EVENT_TURN_STARTED = "turn_started"
EVENT_TURN_ABANDONED = "turn_abandoned"  # cancelled or closed before its answer: no request
EVENT_TURN = "turn"
EVENT_LLM_CALL = "llm_call"
EVENT_TOOL_CALL = "tool_call"
EVENT_FEEDBACK = "feedback"
EVENT_EVALUATION = "evaluation"
EVENT_GUARDRAIL = "guardrail"
FIELD_FIRST_TOKEN = "first_token"  # seconds to the first token of a turn or an LLM call
FIELD_STREAMED = "streamed"  # true when it had a first token
FIELD_SECONDS = "seconds"
FIELD_COST = "cost"
# An MCP call's labels from a tool call event: the server, and its tool as the method.
_MCP_FIELDS = ((LABEL_MCP_SERVER, "server"), (LABEL_METHOD, "tool"))

REQUESTS = MetricDef(
    "adk_agent_requests_total",
    MetricType.COUNTER,
    'Agent turns (method "turn", endpoint "agent") and HTTP requests (method, route template) '
    'by HTTP-style status code ("200", "500").',
    (LABEL_AGENT_ID, LABEL_METHOD, LABEL_ENDPOINT, LABEL_STATUS_CODE),
    capped=(LABEL_AGENT_ID, LABEL_METHOD, LABEL_ENDPOINT),
    captures=(Capture(EVENT_TURN),),
)
REQUEST_DURATION = MetricDef(
    "adk_agent_request_duration_seconds",
    MetricType.HISTOGRAM,
    "Duration of agent turns and HTTP requests; exemplar: the trace id of a sampled turn.",
    (LABEL_AGENT_ID, LABEL_METHOD, LABEL_ENDPOINT),
    REQUEST_DURATION_BUCKETS,
    capped=(LABEL_AGENT_ID, LABEL_METHOD, LABEL_ENDPOINT),
    captures=(Capture(EVENT_TURN, FIELD_SECONDS),),
)
ACTIVE_CONVERSATIONS = MetricDef(
    "adk_agent_active_conversations",
    MetricType.GAUGE,
    "Conversations (runs) in progress.",
    (LABEL_AGENT_ID,),
    capped=(LABEL_AGENT_ID,),
    multiprocess="livesum",
    captures=(
        Capture(EVENT_TURN_STARTED, 1.0, op=Op.ADD),
        Capture(EVENT_TURN, -1.0, when="active", op=Op.ADD),
        Capture(EVENT_TURN_ABANDONED, -1.0, op=Op.ADD),
    ),
)
# Turns that ended without an answer because the user (or the client, or a load balancer in front
# of it) gave up: cancelled, or closed before their answer. They are no request (the availability
# and success SLIs leave them out: a client's cancellation is no server error), so an agent that
# hangs until every client gives up would show no traffic at all without this counter. A turn
# that starts records 0 here, so the series exists before its first abandon and rate() sees it.
ABANDONED_TURNS = MetricDef(
    "adk_agent_abandoned_turns_total",
    MetricType.COUNTER,
    "Agent turns abandoned before their answer: cancelled, or closed by the client (a break, a "
    "disconnect, an abort signal); not counted in adk_agent_requests_total.",
    (LABEL_AGENT_ID,),
    capped=(LABEL_AGENT_ID,),
    captures=(Capture(EVENT_TURN_STARTED, 0.0), Capture(EVENT_TURN_ABANDONED)),
)
MEMORY_USAGE = MetricDef(
    "adk_agent_memory_usage_bytes",
    MetricType.GAUGE,
    'Memory used by the agent: "rss" the process\'s resident memory, "session" the latest '
    "run's session (events and state), both measured when scraped.",
    (LABEL_AGENT_ID, LABEL_MEMORY_TYPE),
    capped=(LABEL_AGENT_ID,),
    multiprocess="livesum",
    # The session of a finished ADK run (its `measure` set): its size is measured when scraped.
    # The RSS is a callback (AgentMetrics.track_rss).
    captures=(Capture(EVENT_TURN, "session", when="measure", op=Op.LATEST),),
)
MCP_CALLS = MetricDef(
    "adk_agent_mcp_calls_total",
    MetricType.COUNTER,
    "MCP tool calls by server, method (the tool) and status (ok or error; an isError result is "
    "an error).",
    (LABEL_AGENT_ID, LABEL_MCP_SERVER, LABEL_METHOD, LABEL_STATUS),
    capped=(LABEL_AGENT_ID, LABEL_MCP_SERVER, LABEL_METHOD),
    captures=(Capture(EVENT_TOOL_CALL, when="server", fields=_MCP_FIELDS),),
)
MCP_CALL_DURATION = MetricDef(
    "adk_agent_mcp_call_duration_seconds",
    MetricType.HISTOGRAM,
    "Duration of MCP tool calls.",
    (LABEL_AGENT_ID, LABEL_MCP_SERVER, LABEL_METHOD),
    MCP_DURATION_BUCKETS,
    capped=(LABEL_AGENT_ID, LABEL_MCP_SERVER, LABEL_METHOD),
    captures=(Capture(EVENT_TOOL_CALL, FIELD_SECONDS, when="server", fields=_MCP_FIELDS),),
)
TOOL_CALLS = MetricDef(
    "adk_agent_tool_calls_total",
    MetricType.COUNTER,
    "Tool calls (MCP tools included) by tool and status (ok or error).",
    (LABEL_AGENT_ID, LABEL_TOOL, LABEL_STATUS),
    capped=(LABEL_AGENT_ID, LABEL_TOOL),
    captures=(Capture(EVENT_TOOL_CALL),),
)
TOOL_CALL_DURATION = MetricDef(
    "adk_agent_tool_call_duration_seconds",
    MetricType.HISTOGRAM,
    "Duration of tool calls.",
    (LABEL_AGENT_ID, LABEL_TOOL, LABEL_STATUS),
    TOOL_DURATION_BUCKETS,
    capped=(LABEL_AGENT_ID, LABEL_TOOL),
    captures=(Capture(EVENT_TOOL_CALL, FIELD_SECONDS),),
)
LLM_CALLS = MetricDef(
    "adk_agent_llm_calls_total",
    MetricType.COUNTER,
    "LLM calls by model and status (ok or error).",
    (LABEL_AGENT_ID, LABEL_MODEL, LABEL_STATUS),
    capped=(LABEL_AGENT_ID, LABEL_MODEL),
    captures=(Capture(EVENT_LLM_CALL),),
)
LLM_CALL_DURATION = MetricDef(
    "adk_agent_llm_call_duration_seconds",
    MetricType.HISTOGRAM,
    "Duration of LLM calls.",
    (LABEL_AGENT_ID, LABEL_MODEL, LABEL_STATUS),
    LLM_DURATION_BUCKETS,
    capped=(LABEL_AGENT_ID, LABEL_MODEL),
    captures=(Capture(EVENT_LLM_CALL, FIELD_SECONDS),),
)
LLM_TOKENS = MetricDef(
    "adk_agent_llm_tokens_total",
    MetricType.COUNTER,
    'LLM tokens by model and type: "input" the whole prompt, "cached" the part of it read from '
    'a cache, "output", and "reasoning" (thinking) apart from output.',
    (LABEL_AGENT_ID, LABEL_MODEL, LABEL_TOKEN_TYPE),
    capped=(LABEL_AGENT_ID, LABEL_MODEL),
    captures=(
        Capture(
            EVENT_LLM_CALL,
            each=(
                (TOKEN_INPUT, "usage.input"),
                (TOKEN_OUTPUT, "usage.output"),
                (TOKEN_CACHED, "usage.cached"),
                (TOKEN_REASONING, "usage.reasoning"),
            ),
        ),
    ),
)
SUCCESSFUL_INTERACTIONS = MetricDef(
    "adk_successful_interactions_total",
    MetricType.COUNTER,
    'Interactions that completed successfully, by type ("agent_turn").',
    (LABEL_AGENT_ID, LABEL_INTERACTION_TYPE),
    capped=(LABEL_AGENT_ID, LABEL_INTERACTION_TYPE),
    captures=(Capture(EVENT_TURN, when="ok"),),
)
SATISFACTION_SCORE = MetricDef(
    "adk_user_satisfaction_score",
    MetricType.GAUGE,
    "Most recent user satisfaction rating (1-5).",
    (LABEL_AGENT_ID,),
    capped=(LABEL_AGENT_ID,),
    captures=(Capture(EVENT_FEEDBACK, "rating"),),
)
# The satisfaction SLI needs a distribution of ratings, not the last one: a histogram whose
# bucket bounds are the thresholds a spec may name.
SATISFACTION_RATING = MetricDef(
    "adk_user_satisfaction_rating",
    MetricType.HISTOGRAM,
    "User satisfaction ratings (1-5).",
    (LABEL_AGENT_ID,),
    SATISFACTION_BUCKETS,
    capped=(LABEL_AGENT_ID,),
    captures=(Capture(EVENT_FEEDBACK, "rating"),),
)
COST_PER_INTERACTION = MetricDef(
    "adk_cost_per_interaction",
    MetricType.GAUGE,
    "Cost of the most recent interaction in the price table's currency.",
    (LABEL_AGENT_ID, LABEL_COST_CENTER),
    capped=(LABEL_AGENT_ID, LABEL_COST_CENTER),
    captures=(Capture(EVENT_TURN, FIELD_COST),),
)
# The gauge above keeps only the last interaction; a cost-per-turn SLO needs the distribution.
INTERACTION_COST = MetricDef(
    "adk_agent_interaction_cost",
    MetricType.HISTOGRAM,
    "Cost of each interaction in the price table's currency (the cost_per_turn SLI reads it).",
    (LABEL_AGENT_ID, LABEL_COST_CENTER),
    COST_BUCKETS,
    capped=(LABEL_AGENT_ID, LABEL_COST_CENTER),
    captures=(Capture(EVENT_TURN, FIELD_COST),),
)
# A model missing from the price table costs nothing in adk_agent_cost_total: count it instead.
UNPRICED_LLM_CALLS = MetricDef(
    "adk_agent_llm_unpriced_calls_total",
    MetricType.COUNTER,
    "LLM calls whose model has no price in the price table (their cost is not counted).",
    (LABEL_AGENT_ID, LABEL_MODEL),
    capped=(LABEL_AGENT_ID, LABEL_MODEL),
    captures=(Capture(EVENT_LLM_CALL, when="unpriced"),),
)
COST_TOTAL = MetricDef(
    "adk_agent_cost_total",
    MetricType.COUNTER,
    "Accumulated LLM cost from the per-model price table (spend budgets read it).",
    (LABEL_AGENT_ID, LABEL_MODEL, LABEL_COST_CENTER),
    capped=(LABEL_AGENT_ID, LABEL_MODEL, LABEL_COST_CENTER),
    captures=(Capture(EVENT_LLM_CALL, FIELD_COST, when=FIELD_COST),),
)
# Streaming (issue 23): from a turn's start to the first partial response the user sees (its first
# token), and the same per LLM call from the call's start. What streamed nothing (no streaming, or
# a failure before the first chunk) records none.
FIRST_TOKEN = MetricDef(
    "adk_agent_time_to_first_token_seconds",
    MetricType.HISTOGRAM,
    "Time from the start of a streamed agent turn to its first partial response (the "
    "time_to_first_token SLI reads it); exemplar: the trace id of a sampled turn.",
    (LABEL_AGENT_ID,),
    FIRST_TOKEN_BUCKETS,
    capped=(LABEL_AGENT_ID,),
    captures=(Capture(EVENT_TURN, FIELD_FIRST_TOKEN, when=FIELD_STREAMED),),
)
LLM_FIRST_TOKEN = MetricDef(
    "adk_agent_llm_time_to_first_token_seconds",
    MetricType.HISTOGRAM,
    "Time from the start of a streamed LLM call to its first chunk.",
    (LABEL_AGENT_ID, LABEL_MODEL),
    FIRST_TOKEN_BUCKETS,
    capped=(LABEL_AGENT_ID, LABEL_MODEL),
    captures=(Capture(EVENT_LLM_CALL, FIELD_FIRST_TOKEN, when=FIELD_STREAMED),),
)
# Answer quality and guardrails (issue 23): online evaluations by evaluator and verdict, and
# guardrail decisions by guardrail and decision. Evaluator and guardrail names are the caller's.
EVALUATIONS = MetricDef(
    "adk_agent_evaluations_total",
    MetricType.COUNTER,
    "Online evaluations of answers by evaluator and result (pass or fail; the quality SLI reads "
    "it).",
    (LABEL_AGENT_ID, LABEL_EVALUATOR, LABEL_RESULT),
    capped=(LABEL_AGENT_ID, LABEL_EVALUATOR),
    captures=(Capture(EVENT_EVALUATION),),
)
GUARDRAILS = MetricDef(
    "adk_agent_guardrail_decisions_total",
    MetricType.COUNTER,
    "Guardrail decisions by guardrail and decision (allow, block or modify).",
    (LABEL_AGENT_ID, LABEL_GUARDRAIL, LABEL_DECISION),
    capped=(LABEL_AGENT_ID, LABEL_GUARDRAIL),
    captures=(Capture(EVENT_GUARDRAIL),),
)
INTERNAL_ERRORS = MetricDef(
    "adk_observe_internal_errors_total",
    MetricType.COUNTER,
    "Failures inside adk-observe that were contained (never reached the agent).",
    (LABEL_COMPONENT,),
)
TELEMETRY_DROPPED = MetricDef(
    "adk_observe_telemetry_dropped_total",
    MetricType.COUNTER,
    "Telemetry records dropped because a bounded queue was full, a sink was down or a value was "
    "not a finite non-negative number.",
    (LABEL_SINK,),
)
SERIES_OVERFLOW = MetricDef(
    "adk_observe_series_overflow_total",
    MetricType.COUNTER,
    "Recordings folded into the overflow label combination because their metric family was at "
    "its series limit.",
    (LABEL_METRIC,),
)

CATALOGUE: tuple[MetricDef, ...] = (
    REQUESTS,
    REQUEST_DURATION,
    ACTIVE_CONVERSATIONS,
    ABANDONED_TURNS,
    MEMORY_USAGE,
    MCP_CALLS,
    MCP_CALL_DURATION,
    TOOL_CALLS,
    TOOL_CALL_DURATION,
    LLM_CALLS,
    LLM_CALL_DURATION,
    LLM_TOKENS,
    SUCCESSFUL_INTERACTIONS,
    SATISFACTION_SCORE,
    SATISFACTION_RATING,
    COST_PER_INTERACTION,
    INTERACTION_COST,
    COST_TOTAL,
    UNPRICED_LLM_CALLS,
    FIRST_TOKEN,
    LLM_FIRST_TOKEN,
    EVALUATIONS,
    GUARDRAILS,
    INTERNAL_ERRORS,
    TELEMETRY_DROPPED,
    SERIES_OVERFLOW,
)

# ADK's own OpenTelemetry instruments (gen_ai semantic conventions), as adk-observe exposes them on
# /metrics: dots become underscores, the unit is appended (`s` -> `_seconds`, `{token}` -> none).
OTEL_GEN_AI_OPERATION_DURATION = "gen_ai.client.operation.duration"  # OTel instrument names
OTEL_GEN_AI_TOKEN_USAGE = "gen_ai.client.token.usage"
ADK_LLM_OPERATION_DURATION = "gen_ai_client_operation_duration_seconds"
ADK_TOKEN_USAGE = "gen_ai_client_token_usage"
ADK_INVOKE_AGENT_DURATION = "gen_ai_invoke_agent_duration_seconds"
ADK_EXECUTE_TOOL_DURATION = "gen_ai_execute_tool_duration_seconds"
ADK_OTEL_SERIES: tuple[str, ...] = (
    ADK_LLM_OPERATION_DURATION,
    ADK_TOKEN_USAGE,
    ADK_INVOKE_AGENT_DURATION,
    ADK_EXECUTE_TOOL_DURATION,
)

# Series that come from the cluster, not from the agent: scrape health, cAdvisor and
# kube-state-metrics. Rules and panels may query these too.
METRIC_UP = "up"
CADVISOR_CPU_USAGE = "container_cpu_usage_seconds_total"
CADVISOR_MEMORY_WORKING_SET = "container_memory_working_set_bytes"
KSM_CONTAINER_LIMITS = "kube_pod_container_resource_limits"
KSM_CONTAINER_RESTARTS = "kube_pod_container_status_restarts_total"
KSM_LAST_TERMINATED_REASON = "kube_pod_container_status_last_terminated_reason"
KSM_REASON_OOM_KILLED = "OOMKilled"  # value of its `reason` label
ALERTS_SERIES = "ALERTS"
# Labels Prometheus attaches to every scraped series (the scrape target's): job and instance
# always; the pod's namespace and name where the generated scrape config collects them from
# Kubernetes (ServiceMonitor, plain job), and the pod's track on a canary deploy.
SCRAPE_LABELS: tuple[str, ...] = (LABEL_JOB, LABEL_INSTANCE)
POD_TARGET_LABELS: tuple[str, ...] = (LABEL_NAMESPACE, LABEL_POD)
TARGET_LABELS: tuple[str, ...] = (*SCRAPE_LABELS, *POD_TARGET_LABELS, LABEL_TRACK)
EXTERNAL_SERIES: tuple[str, ...] = (
    METRIC_UP,
    CADVISOR_CPU_USAGE,
    CADVISOR_MEMORY_WORKING_SET,
    KSM_CONTAINER_LIMITS,
    KSM_CONTAINER_RESTARTS,
    KSM_LAST_TERMINATED_REASON,
    ALERTS_SERIES,
)

# --- span and log attribute names -------------------------------------------------------------

# Span attributes adk-observe adds to its own and ADK's spans (beside the OTel semantic ones).
SPAN_ATTR_COST = "adk_observe.cost"
SPAN_ATTR_MCP_SERVER = "adk_observe.mcp.server"
# A streamed turn's time to its first token, in seconds (no convention names a turn's yet).
SPAN_ATTR_TIME_TO_FIRST_TOKEN = "adk_observe.time_to_first_token"
# The ADK callback a wrapped guardrail ran in (adk.guardrail): adk-observe's own attribute.
SPAN_ATTR_GUARDRAIL_SOURCE = "adk_observe.guardrail.source"
GUARDRAIL_SOURCE_BEFORE_MODEL = "before_model"
GUARDRAIL_SOURCE_AFTER_MODEL = "after_model"
GUARDRAIL_SOURCE_BEFORE_TOOL = "before_tool"
GUARDRAIL_SOURCE_AFTER_TOOL = "after_tool"
# The JSON-RPC method of an MCP tool call (value of the `mcp.method.name` span attribute).
MCP_METHOD_TOOLS_CALL = "tools/call"

# --- OpenTelemetry GenAI semantic conventions (pinned) -----------------------------------------
#
# The GenAI names still move upstream (v1.42 moved them out of open-telemetry/semantic-conventions
# into semantic-conventions-genai; attributes were renamed in 1.37 and 1.40). adk-observe emits
# the version below, the one google-adk 2.13 emits by default (its schema `otel_semconv_1_44`),
# so its spans and ADK's agree. Every GenAI name adk-observe writes is here and nowhere else;
# moving to a newer version is this block, its test (tests/instrument/test_genai.py) and the
# table in docs/instrumentation.md. A span's name is `{operation} {subject}` (`chat gpt-4o`).
GENAI_SEMCONV_VERSION = "1.44.0"
GENAI_SCHEMA_URL = f"https://opentelemetry.io/schemas/{GENAI_SEMCONV_VERSION}"
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_AGENT_NAME = "gen_ai.agent.name"
GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_TOOL_NAME = "gen_ai.tool.name"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"  # the whole prompt, cached part included
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens"
GEN_AI_TOKEN_TYPE = "gen_ai.token.type"  # attribute of the token usage metric: input or output
# Values of GEN_AI_OPERATION_NAME on the spans adk-observe opens (ADK's own name its model spans
# `generate_content` and its runs `invoke_workflow`, both values of the same list).
OPERATION_INVOKE_AGENT = "invoke_agent"
OPERATION_CHAT = "chat"
OPERATION_EXECUTE_TOOL = "execute_tool"
# Streaming, evaluation and guardrail results (issue 23): a model call's time to its first chunk
# is an attribute of its span; an evaluation (`record_evaluation`) and a guardrail decision
# (`record_guardrail`) are events on the span current when they are recorded. The guardrail
# names are not in the Python semconv registry of this version (the evaluation ones are).
GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk"
# ADK's model call span under its legacy telemetry schema (ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN=1),
# current in the model hooks; under its default schema the hooks see the agent's span instead.
ADK_SPAN_CALL_LLM = "call_llm"
GEN_AI_EVALUATION_RESULT = "gen_ai.evaluation.result"  # the event
GEN_AI_EVALUATION_NAME = "gen_ai.evaluation.name"
GEN_AI_EVALUATION_SCORE_VALUE = "gen_ai.evaluation.score.value"
GEN_AI_EVALUATION_SCORE_LABEL = "gen_ai.evaluation.score.label"  # pass or fail
GEN_AI_GUARDRAIL_RESULT = "gen_ai.guardrail.result"  # the event
GEN_AI_GUARDRAIL_POLICY_ID = "gen_ai.guardrail.policy.id"  # the guardrail's name
GEN_AI_GUARDRAIL_RESULT_TYPE = "gen_ai.guardrail.result.type"
GEN_AI_GUARDRAIL_RESULT_VALUE = "gen_ai.guardrail.result.value"  # allow, block or modify
GUARDRAIL_RESULT_TYPE_DECISION = "decision"
# Sessions (the session and user registries of the same version). `user.id` carries a keyed
# pseudonym unless raw ids were asked for (the `user_id_mode` option); neither is ever a label.
SESSION_ID = "session.id"
USER_ID = "user.id"
# The turn's index within its session, from 0 (no convention names it yet).
SPAN_ATTR_TURN_INDEX = "adk_observe.session.turn_index"
# The key of the user id pseudonyms (HMAC-SHA256); read from the environment only, never logged.
USER_ID_KEY_ENV = "ADK_OBSERVE_USER_ID_KEY"

# JSON log fields. Fields that share a label's name reuse it (LABEL_AGENT_ID, LABEL_STATUS_CODE,
# LABEL_STATUS, LABEL_MODEL, LABEL_TOOL, LABEL_MCP_SERVER), so a log query reads like a selector.
LOG_TRACE_ID = "trace_id"
LOG_SPAN_ID = "span_id"
LOG_TIME = "time"
LOG_LEVEL = "level"
LOG_LOGGER = "logger"
LOG_MESSAGE = "message"
LOG_SERVICE = "service"
LOG_DURATION_MS = "duration_ms"
LOG_COST = "cost"
LOG_INVOCATION_ID = "invocation_id"
LOG_INPUT_TOKENS = "input_tokens"
LOG_OUTPUT_TOKENS = "output_tokens"
LOG_CACHED_TOKENS = "cached_tokens"
LOG_REASONING_TOKENS = "reasoning_tokens"
LOG_RATING = "rating"
# error.type of a tool call whose result reports an error (an MCP `isError` result, or a
# function tool's {"status": "error"}) rather than raising.
ERROR_TYPE_MCP_TOOL = "MCP_TOOL_ERROR"
ERROR_TYPE_TOOL = "tool_error"
LOG_ERROR_TYPE = "error.type"  # the OpenTelemetry attribute name, so logs and spans agree
# The messages of adk-observe's own log lines.
LOG_MESSAGE_AGENT_TURN = "agent turn"
LOG_MESSAGE_AGENT_TURN_FAILED = "agent turn failed"
LOG_MESSAGE_LLM_CALL = "llm call"
LOG_MESSAGE_TOOL_CALL = "tool call"
LOG_MESSAGE_FEEDBACK = "user feedback"
LOG_MESSAGE_EVALUATION = "evaluation"
LOG_MESSAGE_GUARDRAIL = "guardrail decision"
LOG_SCORE = "score"
LOG_TIME_TO_FIRST_TOKEN_MS = "time_to_first_token_ms"

# --- recording rules --------------------------------------------------------------------------

# Short-window event rates: every window longer than RAW_WINDOW_MAX is computed from these.
RECORD_SLI_ERRORS = "slo:sli_errors:rate5m"
RECORD_SLI_TOTAL = "slo:sli_total:rate5m"
SHORT_RATE_WINDOW = "5m"


def record_sli_error_ratio(window: str) -> str:
    """Error ratio of an SLI over `window` (Sloth's name, so migrated dashboards keep working)."""
    return f"slo:sli_error:ratio_rate{window}"


RECORD_OBJECTIVE = "slo:objective:ratio"
RECORD_ERROR_BUDGET = "slo:error_budget:ratio"
RECORD_BUDGET_REMAINING = "slo:error_budget_remaining:ratio"
RECORD_BURN_RATE = "slo:current_burn_rate:ratio"
RECORDED_SERIES_PREFIX = "slo:"
# With spec.clusters every `slo:` series is per cluster (it carries the cluster label); the
# fleet-wide view of the same SLI is recorded under `fleet:` names (no cluster label), so a query
# of one never mixes in the other.
FLEET_SERIES_PREFIX = "fleet:"


def fleet_record(name: str) -> str:
    """`slo:sli_error:ratio_rate1h` -> `fleet:sli_error:ratio_rate1h`."""
    return FLEET_SERIES_PREFIX + name.removeprefix(RECORDED_SERIES_PREFIX)


# Spend budgets: the spend rate (currency per second) over 5m, the only budget rule that reads
# adk_agent_cost_total for long windows; every other window averages it.
RECORD_SPEND_RATE_PREFIX = "budget:spend:rate"
RECORD_BUDGET_AMOUNT = "budget:amount:total"  # the budget of one period, in the price currency
RECORD_SPEND_BURN_RATE = "budget:current_burn_rate:ratio"  # 5m spend rate / sustainable rate
RECORD_SPEND_PERIOD = "budget:spend:period"  # spent over the (rolling) period so far
RECORD_SPEND_PROJECTED = "budget:spend_projected:period"  # at the last day's rate, per period
BUDGET_PERIOD_CALENDAR_MONTH = "calendar-month"


def record_spend_rate(window: str) -> str:
    return f"{RECORD_SPEND_RATE_PREFIX}{window}"


# --- rule groups ------------------------------------------------------------------------------


def group_slo(service: str, slo: str) -> str:
    """One group per SLO: its recordings, then its alerts. Prometheus evaluates a group's rules
    in order, so an alert always reads the ratios recorded in the same evaluation."""
    return f"adk-observe-{service}-slo-{slo}"


def group_budget(service: str, budget: str) -> str:
    """One group per spend budget: its spend rates, then its burn-rate alerts."""
    return f"adk-observe-{service}-budget-{budget}"


def group_agent_pack(service: str) -> str:
    return f"adk-observe-{service}-agent-alerts"


# --- SLO alert names ----------------------------------------------------------------------------


def camel(name: str) -> str:
    """`support-agent` -> `SupportAgent`, `My_Service.v2` -> `MyServiceV2`: the Prometheus
    alert-name style (a legacy metric name, whatever the service and SLO names hold)."""
    words = name.replace("_", "-").replace(".", "-").split("-")
    return "".join(part[:1].upper() + part[1:] for part in words)


def budget_burn_alert(service: str, slo: str) -> str:
    """The default name of an SLO's burn-rate alerts, whichever spec format declared the SLO."""
    return f"{camel(service)}{camel(slo)}BudgetBurn"


def budget_exhausted_alert(service: str, slo: str) -> str:
    """The alert that fires while the error budget of an SLO's period is spent."""
    return f"{camel(service)}{camel(slo)}ErrorBudgetExhausted"


def spend_burn_alert(service: str, budget: str) -> str:
    """The name of a spend budget's burn-rate alerts."""
    return f"{camel(service)}{camel(budget)}SpendBurn"


# --- agent alert pack alert names ---------------------------------------------------------------

ALERT_HIGH_ERROR_RATE = "ADKAgentHighErrorRate"
ALERT_HIGH_LATENCY = "ADKAgentHighLatency"
ALERT_MCP_FAILURES = "ADKAgentMCPCallFailures"
ALERT_MEMORY_LEAK = "ADKAgentMemoryLeak"
ALERT_CPU_THROTTLING = "ADKContainerCPUThrottling"
ALERT_MEMORY_NEAR_LIMIT = "ADKContainerMemoryNearLimit"
ALERT_RESTARTS = "ADKContainerRestarting"
ALERT_OOM_KILLED = "ADKContainerOOMKilled"
ALERT_GUARDRAIL_BLOCKS = "ADKAgentGuardrailBlockSurge"
ALERT_TURNS_ABANDONED = "ADKAgentTurnsAbandoned"
ALERT_SLI_NO_DATA = "SLONoData"
# Alert annotation with a link to the Grafana dashboard of the alert (when spec.grafana_url is set).
ANNOTATION_DASHBOARD_URL = "dashboard_url"
# The agent pack keeps the reference design's severities; Alertmanager routes critical with page.
SEVERITY_CRITICAL = "critical"
SEVERITY_WARNING = "warning"


def metric_by_name(name: str) -> MetricDef | None:
    for metric in CATALOGUE:
        if name == metric.name or name in metric.series_names():
            return metric
    return None


# --- environment variables the runtime reads (deploy writes them into the ConfigMap) -----------

ENV_PREFIX = "ADK_OBSERVE_"
# The OpenTelemetry SDK's standard variables (OpenTelemetry specification: "Environment Variable
# Specification" and "OTLP Exporter Configuration"); only the traces signal is exported over OTLP.
OTEL_SDK_DISABLED_ENV = "OTEL_SDK_DISABLED"
OTEL_SERVICE_NAME_ENV = "OTEL_SERVICE_NAME"
OTEL_RESOURCE_ATTRIBUTES_ENV = "OTEL_RESOURCE_ATTRIBUTES"
OTEL_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
OTEL_TRACES_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
OTEL_HEADERS_ENV = "OTEL_EXPORTER_OTLP_HEADERS"
OTEL_TRACES_HEADERS_ENV = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
OTEL_TIMEOUT_ENV = "OTEL_EXPORTER_OTLP_TIMEOUT"
OTEL_TRACES_TIMEOUT_ENV = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
OTEL_COMPRESSION_ENV = "OTEL_EXPORTER_OTLP_COMPRESSION"
OTEL_TRACES_COMPRESSION_ENV = "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"
OTEL_PROTOCOL_ENV = "OTEL_EXPORTER_OTLP_PROTOCOL"
OTEL_TRACES_PROTOCOL_ENV = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
OTEL_SAMPLER_ENV = "OTEL_TRACES_SAMPLER"
OTEL_SAMPLER_ARG_ENV = "OTEL_TRACES_SAMPLER_ARG"
# The metrics signal over OTLP (sent besides /metrics) and the per-signal OTLP variables.
OTEL_METRICS_EXPORTER_ENV = "OTEL_METRICS_EXPORTER"
OTEL_TRACES_EXPORTER_ENV = "OTEL_TRACES_EXPORTER"
OTEL_METRIC_EXPORT_INTERVAL_ENV = "OTEL_METRIC_EXPORT_INTERVAL"
OTEL_METRICS_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
OTEL_METRICS_HEADERS_ENV = "OTEL_EXPORTER_OTLP_METRICS_HEADERS"
OTEL_METRICS_PROTOCOL_ENV = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
OTEL_METRICS_TIMEOUT_ENV = "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT"
OTEL_METRICS_COMPRESSION_ENV = "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION"
# Read to warn: the catalogue and the SDK's metrics are sent cumulative (as /metrics shows them).
OTEL_METRICS_TEMPORALITY_ENV = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
OTEL_CUMULATIVE = "cumulative"
# Not options either: the TLS files the SDK's exporters read themselves, per signal (the
# `_TRACES_`/`_METRICS_` name after the prefix) or for both (otlp_export.py checks them).
OTEL_OTLP_ENV_PREFIX = "OTEL_EXPORTER_OTLP_"
# The signals' parts of their OTLP variables (OTEL_EXPORTER_OTLP_TRACES_..., _METRICS_...).
OTEL_SIGNAL_TRACES = "TRACES_"
OTEL_SIGNAL_METRICS = "METRICS_"
OTEL_TLS_CERTIFICATE = "CERTIFICATE"
OTEL_TLS_CLIENT_KEY = "CLIENT_KEY"
OTEL_TLS_CLIENT_CERTIFICATE = "CLIENT_CERTIFICATE"
OTEL_TLS_INSECURE = "INSECURE"  # plain text to a gRPC endpoint given without a scheme
OTLP_PROTOCOL_HTTP = "http/protobuf"
OTLP_PROTOCOL_GRPC = "grpc"
# Resource attributes that are options of their own (OpenTelemetry semantic conventions).
RESOURCE_SERVICE_NAME = "service.name"
RESOURCE_SERVICE_VERSION = "service.version"
RESOURCE_ENVIRONMENT = "deployment.environment.name"


def env_name(option: str) -> str:
    """`ADK_OBSERVE_<OPTION>` for an `init()` option name."""
    return ENV_PREFIX + option.upper()


# --- reading a live Prometheus (report, gate, canary-check, lint --prometheus) -----------------

# Seconds one query may take: the client's default and the CLI's `--timeout` default.
PROMETHEUS_QUERY_TIMEOUT = 10.0

# The paths the agent's metrics port answers (instrument/http.py's server; anything else is a
# 404): what the pods' probes, the scrape and the load balancers' health checks may ask.
METRICS_PATH = "/metrics"
HEALTH_PATH = "/health"  # alive (the liveness probe)
READY_PATH = "/ready"  # init() done (the readiness probe, the default health check)
METRICS_PORT_PATHS = (HEALTH_PATH, METRICS_PATH, READY_PATH)


# --- generated files --------------------------------------------------------------------------


def generated_note(source: str = "") -> str:
    """The provenance line of every generated file: a YAML comment (render/) or, since JSON has
    no comments, a dashboard's description (dashboards/)."""
    origin = f" from {source}" if source else ""
    return f"Generated by adk-observe {__version__}{origin}. DO NOT EDIT."
