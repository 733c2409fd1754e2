"""What each alert means and what to do first: the words of the runbooks, one row per alert.

A row per alert of the agent pack (by alert name) and one per kind of SLO and budget alert. An
alert the rules generate without a row here gets no runbook, and tests/alerting fails on it:
adding an alert is its rule + its row + its test.
"""

from __future__ import annotations

from dataclasses import dataclass

from adk_observe import conventions as c


@dataclass(frozen=True)
class Advice:
    meaning: str
    first_steps: tuple[str, ...]


PACK: dict[str, Advice] = {
    c.ALERT_HIGH_ERROR_RATE: Advice(
        "Too many of one agent's requests end in a server error (5xx): users of that agent "
        "are failing now.",
        (
            "Open the overview dashboard on the agent (its Errors and LLM/tool panels).",
            'Check the LLM calls (`adk_agent_llm_calls_total{status="error"}`): a provider '
            "outage or quota shows there first.",
            "Check the tool and MCP failures of the same agent.",
            "If a deploy started it, roll back (a canary aborts on its own SLO gate).",
        ),
    ),
    c.ALERT_HIGH_LATENCY: Advice(
        "One agent's requests are slower than the latency threshold at the alert's quantile.",
        (
            "Open the overview dashboard's latency panels on the agent.",
            "Compare LLM call durations with tool and MCP durations: which one grew?",
            "Check saturation: active conversations, CPU throttling, memory near its limit.",
        ),
    ),
    c.ALERT_MCP_FAILURES: Advice(
        "An MCP server answers one agent's tool calls with errors (the alert names the server).",
        (
            "Check the MCP server named in the alert (its health, its logs).",
            "Look for `isError: true` results in the agent's logs (field `error.type`).",
            "If the server is external, check its status page and the agent's credentials.",
        ),
    ),
    c.ALERT_MEMORY_LEAK: Advice(
        "The resident memory of an agent process keeps growing: a likely leak.",
        (
            'Compare `memory_type="session"` with `rss` on the overview dashboard: growing '
            "session state means conversations are not released.",
            "Restart one pod to confirm the growth starts over; keep one running to profile.",
        ),
    ),
    c.ALERT_CPU_THROTTLING: Advice(
        "A container uses its CPU limit: it is being throttled and every request slows down.",
        (
            "Raise the CPU limit, or lower the autoscaler's CPU target so it scales out earlier.",
            "Check whether traffic grew or one request became expensive (latency panels).",
        ),
    ),
    c.ALERT_MEMORY_NEAR_LIMIT: Advice(
        "A container's working set is near its memory limit: the next spike is an OOM kill.",
        (
            "Raise the memory limit, or find what holds memory (session state, caches).",
            "Check for the memory-leak alert on the same pods.",
        ),
    ),
    c.ALERT_RESTARTS: Advice(
        "A container restarted several times within the window: it crashes or fails probes.",
        (
            "Read the previous container's logs (`kubectl logs --previous`).",
            "Check the last termination reason (OOMKilled, Error) and the liveness probe.",
        ),
    ),
    c.ALERT_OOM_KILLED: Advice(
        "A container was killed for running out of memory and restarted.",
        (
            "Raise its memory limit, or find the leak (memory panels, the memory-leak alert).",
            "Check whether one request (a large context, a big tool result) drove it.",
        ),
    ),
    c.ALERT_GUARDRAIL_BLOCKS: Advice(
        "One guardrail suddenly blocks far more of its decisions than it did over the last six "
        "hours: a wave of hostile input (a prompt-injection campaign, a scraper) or a broken "
        "filter (a new model, rule list or threshold that blocks good traffic) look alike.",
        (
            'Open the overview dashboard\'s "Guardrail block share vs. its last 6h" panel (the '
            "alert's ratio against its red line) and the \"Guardrail decisions by guardrail and "
            'decision" panel beside it, on the guardrail named in the alert.',
            f"Read a few blocked turns' traces (the `{c.GEN_AI_GUARDRAIL_RESULT}` events name "
            "the guardrail): if the input is hostile, the guardrail works; rate-limit or block "
            "the source.",
            "If the blocked input is ordinary, roll the filter back; the `quality` SLO's "
            "evaluators and user feedback show what users lost meanwhile.",
        ),
    ),
    c.ALERT_TURNS_ABANDONED: Advice(
        "Users give up on one agent's turns before their answer: the turns were cancelled or "
        "their client disconnected (a load balancer's timeout, a closed tab, ADK's abort "
        "signal). Abandoned turns are no requests, so the error-rate, latency and SLO alerts "
        "never see them: an agent whose model hangs until every client gives up shows no "
        "traffic at all, and this alert is what pages. It fires when more than the threshold "
        "(default 10%) of the turns started over the last 10m were abandoned, among at least "
        "the minimum (default 20) of started turns, so that one impatient user of two on a "
        "quiet agent is no outage (at 20 turns it takes 3 abandons); or when turns were "
        "abandoned while none was answered in those 10m (the all-hang case, at any traffic). "
        "A client cancelling is no server error: the availability SLO is unchanged.",
        (
            "Open the overview dashboard's traffic panel on the agent: abandoned turns beside "
            "requests. Abandons with no requests at all is a hang.",
            "Check the LLM call durations and `adk_agent_active_conversations`: calls that "
            "never finish and conversations piling up point at the model provider or a tool "
            "that hangs; compare turn latency with the load balancer's or client's timeout "
            "(e.g. 30 s on GKE): turns slower than it are cut and abandoned.",
            "Read the traces of the agent's recent turns: the span still open when the turn "
            "ended is what the user waited for.",
            "If a deploy started it, roll back; if clients' timeouts are too short for the "
            "agent's answers, stream partial responses or raise the timeout.",
        ),
    ),
}

BURN = Advice(
    "The SLO's error budget burns faster than it can last: both windows of a tier exceed "
    "the tier's burn factor. A page tier means users are failing now; a ticket tier is a "
    "slow leak to fix before the period's budget runs out.",
    (
        "Read the `burn_tier` and `windows` labels: page-fast (1h/5m) is a hard outage, "
        "page-slow (6h/30m) a serious partial one, ticket tiers a slow leak.",
        "Open the SLO dashboard on this SLO (Dashboard above): which tier fires, by how much.",
        "Check recent deploys and roll back a bad canary.",
        "Open the overview dashboard: LLM errors, tool and MCP failures, latency.",
    ),
)
EXHAUSTED = Advice(
    "The error budget of the SLO's whole period is spent: the SLO is missed for the period "
    'unless the error ratio drops. The alert is labelled `change_freeze="true"`: a deploy '
    "pipeline reads it as a change freeze.",
    (
        "Freeze risky changes (deploys, configuration, experiments) until the budget is "
        "positive again; the alert resolves then.",
        "Find what spent it: the SLO dashboard's budget burn-down shows when.",
        "Agree on reliability work with the team that owns the SLO.",
    ),
)
NO_DATA = Advice(
    "The SLI's series are gone: the burn-rate alerts of this SLO cannot fire while it lasts.",
    (
        "Check that Prometheus still scrapes the service (`up` of its job).",
        "Check the job label and the spec's `selector`: a renamed job empties every SLI.",
        "Check that the agent still records turns (its /metrics page).",
    ),
)
SPEND = Advice(
    "LLM spend runs faster than the budget allows for its period: at this rate the money "
    "budget is gone early.",
    (
        "Find the model and agent that spend (the overview dashboard's cost panels).",
        "Look for loops: an agent calling a model or tool over and over in one turn.",
        "Check for a price change, a new model, or traffic growth.",
    ),
)
