"""promtool tests for the agent alert pack (`compile-rules --emit-tests`).

Every alert of the pack gets two scenarios built from the thresholds in the spec: the condition
held a little above the threshold fires once its `for` has passed, and the same traffic a little
below the threshold never fires, not even as pending. The input series carry exactly the labels
the rules select (the service's selector, or the pod's namespace and container for cAdvisor and
kube-state-metrics series), so a rule that selects the wrong series fails its test. An alert
with more than one way to fire (ADKAgentTurnsAbandoned) gets its other cases as EXTRA scenarios.

Over 400 lines: one scenario builder per alert of the pack, all on the same series helpers and
the same timing constants; splitting them would split that table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adk_observe import conventions as c
from adk_observe.durations import format_seconds, parse_seconds
from adk_observe.model import AgentAlerts, ServiceSpec
from adk_observe.promql import eq, number, selector, service_selector
from adk_observe.rules.agent_pack import ABANDON_WINDOW, GUARDRAIL_BASELINE, agent_alerts
from adk_observe.rules.series import labels_for as selector_labels

STEP = 60  # evaluation and sample interval, seconds
# A ratio of two [5m] rates (or a quantile of one histogram) is exact from the second sample, so
# such an alert turns pending at 1m. A lone counter's rate() is extrapolated no further than its
# zero, so it reads low until samples span the whole 5m window: such alerts get an upper bound.
RATIO_WARMUP = 60
RATE_WINDOW = 300
ABOVE, BELOW = 1.25, 0.8  # how far from the threshold the two scenarios sit
AGENT = "agent-a"
POD = "agent-pod-1"
# Alerts on cAdvisor/kube-state-metrics series: they select the pod, not the service selector.
POD_ALERTS = frozenset(
    {c.ALERT_CPU_THROTTLING, c.ALERT_MEMORY_NEAR_LIMIT, c.ALERT_RESTARTS, c.ALERT_OOM_KILLED}
)


@dataclass(frozen=True)
class Scenario:
    series: list[dict[str, str]]
    fires_after: int  # seconds until the alert must be firing (scenario above the threshold)
    steps: int  # how long both scenarios run, in steps
    exact: bool = True  # fires_after is the first evaluation that fires, not an upper bound


def _linear(step: float, steps: int, start: float = 0.0) -> str:
    return f"{number(start)}+{number(step)}x{steps}"


def _const(value: float, steps: int) -> str:
    return f"{number(value)}x{steps}"


def _series(metric: str, labels: dict[str, str], values: str) -> dict[str, str]:
    return {
        "series": selector(metric, *(eq(k, v) for k, v in sorted(labels.items()))),
        "values": values,
    }


def _above(threshold: float, ceiling: float | None = None) -> float:
    value = threshold * ABOVE
    return value if ceiling is None or value < ceiling else (threshold + ceiling) / 2


def _steps(seconds: int) -> int:
    return math.ceil(seconds / STEP)


def _held(seconds: int) -> int:
    """How long after it turns pending an alert with `for: seconds` fires: rules are evaluated
    every STEP, so at the first evaluation at least that long after (`for: 30s` fires one step
    after pending, not 30 s after)."""
    return _steps(seconds) * STEP


# --- one scenario builder per alert: (spec labels, thresholds, above?) -> Scenario -------------

Builder = Callable[[dict[str, str], dict[str, str], AgentAlerts, bool], Scenario | None]


def _error_rate(svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool) -> Scenario:
    ratio = _above(a.error_rate, 1.0) if up else a.error_rate * BELOW
    total = 600.0  # requests per step
    steps = _steps(RATIO_WARMUP + _held(a.error_rate_for)) + 5
    base = {**svc, c.LABEL_AGENT_ID: AGENT, c.LABEL_METHOD: c.METHOD_TURN}
    base[c.LABEL_ENDPOINT] = c.ENDPOINT_AGENT
    ok = {**base, c.LABEL_STATUS_CODE: c.STATUS_CODE_OK}
    bad = {**base, c.LABEL_STATUS_CODE: c.STATUS_CODE_ERROR}
    return Scenario(
        [
            _series(c.REQUESTS.name, ok, _linear(total * (1 - ratio), steps)),
            _series(c.REQUESTS.name, bad, _linear(total * ratio, steps)),
        ],
        RATIO_WARMUP + _held(a.error_rate_for),
        steps,
    )


def _latency(svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool) -> Scenario | None:
    bounds = c.REQUEST_DURATION_BUCKETS
    # Every request lands in one bucket; histogram_quantile interpolates inside it, so a bucket
    # that starts at or above the threshold reads above it and one that ends at or below reads
    # below it.
    if up:
        upper = next(
            (i for i in range(1, len(bounds)) if bounds[i - 1] >= a.latency_threshold), None
        )
    else:
        upper = next(
            (i for i in reversed(range(len(bounds))) if bounds[i] <= a.latency_threshold), None
        )
    if upper is None:
        return None  # the threshold is beyond the buckets: the quantile can never cross it
    steps = _steps(RATIO_WARMUP + _held(a.latency_for)) + 5
    base = {**svc, c.LABEL_AGENT_ID: AGENT, c.LABEL_METHOD: c.METHOD_TURN}
    base[c.LABEL_ENDPOINT] = c.ENDPOINT_AGENT
    les = [repr(b) for b in bounds] + ["+Inf"]
    series = [
        _series(
            f"{c.REQUEST_DURATION.name}_bucket",
            {**base, c.LABEL_LE: le},
            _linear(100.0 if i >= upper else 0.0, steps),
        )
        for i, le in enumerate(les)
    ]
    return Scenario(series, RATIO_WARMUP + _held(a.latency_for), steps)


def _mcp(svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool) -> Scenario:
    per_second = _above(a.mcp_error_rate) if up else a.mcp_error_rate * BELOW
    steps = _steps(RATE_WINDOW + _held(a.mcp_for)) + 6
    labels = {**svc, c.LABEL_AGENT_ID: AGENT, c.LABEL_MCP_SERVER: "erp"}
    labels |= {c.LABEL_METHOD: "lookup", c.LABEL_STATUS: c.STATUS_ERROR}
    return Scenario(
        [_series(c.MCP_CALLS.name, labels, _linear(per_second * STEP, steps))],
        RATE_WINDOW + _held(a.mcp_for) + STEP,
        steps,
        exact=False,
    )


def _memory_leak(svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool) -> Scenario:
    growth = a.memory_growth_bytes * (ABOVE if up else BELOW)
    # delta() over the window reads the full growth only once samples span the whole window.
    steps = _steps(_held(a.memory_window) + _held(a.memory_for)) + 5
    labels = {**svc, c.LABEL_AGENT_ID: AGENT, c.LABEL_MEMORY_TYPE: c.MEMORY_RSS}
    labels[c.LABEL_INSTANCE] = "10.0.0.1:9464"
    per_step = growth / (a.memory_window / STEP)
    return Scenario(
        [_series(c.MEMORY_USAGE.name, labels, _linear(per_step, steps, 200 * 1024 * 1024))],
        _held(a.memory_window) + _held(a.memory_for),
        steps,
        exact=False,  # delta() extrapolates, so it may cross the threshold a little earlier
    )


def _usage_vs_limit(
    metric: str, resource: str, ratio: float, hold: int, counter: bool
) -> Callable[[dict[str, str], dict[str, str], AgentAlerts, bool], Scenario]:
    def build(svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool) -> Scenario:
        limit = 2.0 if counter else 512.0 * 1024 * 1024  # two cores, or 512 MiB
        used = limit * (_above(ratio) if up else ratio * BELOW)
        # A gauge ratio holds from the first sample; a counter's rate needs the full window.
        fires_after = RATE_WINDOW + _held(hold) + STEP if counter else _held(hold)
        steps = _steps(fires_after) + 5
        usage = _linear(used * STEP, steps) if counter else _const(used, steps)
        limits = {**pod, c.LABEL_RESOURCE: resource, "node": "node-1"}
        return Scenario(
            [
                _series(metric, {**pod, "id": "/kubepods/pod1/c1"}, usage),
                _series(c.KSM_CONTAINER_LIMITS, limits, _const(limit, steps)),
            ],
            fires_after,
            steps,
            exact=not counter,
        )

    return build


def _restarts(svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool) -> Scenario:
    # One burst of restarts at 10m: `restarts` of them fire, one fewer does not.
    count = a.restarts if up else a.restarts - 1
    steps = _steps(600 + a.restarts_window) + 5
    values = f"0x10 {number(count)}x{steps - 11}"
    return Scenario([_series(c.KSM_CONTAINER_RESTARTS, {**pod, "uid": "u1"}, values)], 660, steps)


def _oom(svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool) -> Scenario:
    # A restart at 10m whose last termination reason is OOMKilled fires; the same restart
    # terminated for another reason does not.
    steps = 20
    reason = c.KSM_REASON_OOM_KILLED if up else "Error"
    return Scenario(
        [
            _series(c.KSM_CONTAINER_RESTARTS, {**pod, "uid": "u1"}, f"0x10 1x{steps - 11}"),
            _series(
                c.KSM_LAST_TERMINATED_REASON,
                {**pod, "uid": "u1", c.LABEL_REASON: reason},
                f"_x11 1x{steps - 11}",
            ),
        ],
        660,
        steps,
    )


def _guardrail(
    svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool
) -> Scenario | None:
    # The baseline window at the floor share of blocks b, then a jump to a share j. The
    # baseline share (the mean of the 5m shares) creeps up as the jump enters it: t steps in it
    # is about (b (n - t) + j t) / n over its n steps (its 5m points, one more with both ends
    # of the range, move it by less than the 1.25 margin). Above: j is chosen so that j over it
    # is factor x 1.25 when the alert is due (higher before); below: j is factor x 0.8 of b,
    # and the ratio only falls after.
    n = _steps(parse_seconds(GUARDRAIL_BASELINE))
    b = a.guardrail_block_share
    fires_after = n * STEP + RATE_WINDOW + _held(a.guardrail_for) + STEP
    t = _steps(fires_after) - n
    if up:
        r = a.guardrail_block_jump * ABOVE
        j = r * b * (n - t) / (n - r * t) if n > r * t else 2.0
    else:
        j = a.guardrail_block_jump * BELOW * b
    if j > 1:
        return None  # no share of blocks is that high: the scenario cannot be built
    steps = _steps(fires_after) + 5
    total = 100.0  # decisions per step
    labels = {**svc, c.LABEL_AGENT_ID: AGENT, c.LABEL_GUARDRAIL: "prompt_injection"}

    def counter(share: float, after: float) -> str:
        rest = _linear(total * after, steps - n - 1, total * share * n)
        return f"{_linear(total * share, n)} {rest}"

    block = {**labels, c.LABEL_DECISION: c.DECISION_BLOCK}
    allow = {**labels, c.LABEL_DECISION: c.DECISION_ALLOW}
    return Scenario(
        [
            _series(c.GUARDRAILS.name, block, counter(b, j)),
            _series(c.GUARDRAILS.name, allow, counter(1 - b, 1 - j)),
        ],
        fires_after,
        steps,
        exact=False,
    )


def _turn_series(svc: dict[str, str], abandoned: str, answered: str | None) -> list[dict[str, str]]:
    """An agent's turn counters as the recorder writes them: the abandoned counter (from 0, as a
    started turn creates it) and its answered turns (status 200; None: never answered)."""
    agent = {**svc, c.LABEL_AGENT_ID: AGENT}
    series = [_series(c.ABANDONED_TURNS.name, agent, abandoned)]
    if answered is not None:
        turn = {**agent, c.LABEL_METHOD: c.METHOD_TURN, c.LABEL_ENDPOINT: c.ENDPOINT_AGENT}
        turn[c.LABEL_STATUS_CODE] = c.STATUS_CODE_OK
        series.append(_series(c.REQUESTS.name, turn, answered))
    return series


def _abandoned(svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool) -> Scenario:
    # Busy enough that the minimum of started turns holds from the first evaluation; a share of
    # them abandoned a little above or below the threshold.
    share = _above(a.abandoned_share, 1.0) if up else a.abandoned_share * BELOW
    per_step = max(60.0, 1.5 * a.abandoned_min_turns)
    steps = _steps(RATIO_WARMUP + _held(a.abandoned_for)) + 5
    return Scenario(
        _turn_series(svc, _linear(per_step * share, steps), _linear(per_step * (1 - share), steps)),
        RATIO_WARMUP + _held(a.abandoned_for),
        steps,
    )


def _quiet(a: AgentAlerts) -> tuple[int, float]:
    """A window's steps, and turns per step too few to reach the minimum over a window: a power
    of two, so that a counter's sums are exact and a flat counter's increase is exactly 0."""
    n = _steps(parse_seconds(ABANDON_WINDOW))
    return n, 2.0 ** math.floor(math.log2(max(a.abandoned_min_turns, 1) * BELOW / n))


def _hanging(svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool) -> Scenario:
    # A quiet agent answers for a window, then its model hangs: every client gives up (a load
    # balancer cuts it at 30 s) and nothing is answered. Too few turns for the share's minimum:
    # only "abandoned while none answered" fires, once a whole window holds no answer.
    n, per_step = _quiet(a)
    fires_after = 2 * n * STEP + _held(a.abandoned_for)
    steps = _steps(fires_after) + 5
    hang = steps - n - 1
    return Scenario(
        _turn_series(
            svc,
            f"{_const(0, n)} {_linear(per_step, hang, per_step)}",
            f"{_linear(per_step, n)} {_const(per_step * n, hang)}",
        ),
        fires_after,
        steps,
    )


def _few_abandons(
    svc: dict[str, str], pod: dict[str, str], a: AgentAlerts, up: bool
) -> Scenario | None:
    # A quiet healthy agent: a third of its few turns abandoned (users closing the tab), the
    # rest answered. Far above the share, below the minimum of turns: never fires.
    n, per_step = _quiet(a)
    share = min(max(3 * a.abandoned_share, 1 / 3), 0.9)
    if a.abandoned_share >= share:
        return None
    steps = _steps(3 * n * STEP) + 5
    return Scenario(
        _turn_series(svc, _linear(per_step * share, steps), _linear(per_step * (1 - share), steps)),
        n * STEP,
        steps,
    )


# Scenarios beyond the threshold's two: (alert, test name, builder, fires).
EXTRA: tuple[tuple[str, str, Builder, bool], ...] = (
    (
        c.ALERT_TURNS_ABANDONED,
        "fires when every client gives up on a hanging agent",
        _hanging,
        True,
    ),
    (
        c.ALERT_TURNS_ABANDONED,
        "stays silent on a quiet healthy agent with a few abandons",
        _few_abandons,
        False,
    ),
)

# Why a builder returned no scenario.
_UNREACHABLE = {
    c.ALERT_HIGH_LATENCY: "the threshold is outside the histogram's buckets",
    c.ALERT_GUARDRAIL_BLOCKS: "no share of blocks reaches its threshold",
}


def _builders(a: AgentAlerts) -> dict[str, Builder]:
    return {
        c.ALERT_HIGH_ERROR_RATE: _error_rate,
        c.ALERT_HIGH_LATENCY: _latency,
        c.ALERT_MCP_FAILURES: _mcp,
        c.ALERT_MEMORY_LEAK: _memory_leak,
        c.ALERT_CPU_THROTTLING: _usage_vs_limit(
            c.CADVISOR_CPU_USAGE, c.RESOURCE_CPU, a.cpu_ratio, a.cpu_for, counter=True
        ),
        c.ALERT_MEMORY_NEAR_LIMIT: _usage_vs_limit(
            c.CADVISOR_MEMORY_WORKING_SET,
            c.RESOURCE_MEMORY,
            a.memory_limit_ratio,
            a.memory_limit_for,
            counter=False,
        ),
        c.ALERT_RESTARTS: _restarts,
        c.ALERT_OOM_KILLED: _oom,
        c.ALERT_GUARDRAIL_BLOCKS: _guardrail,
        c.ALERT_TURNS_ABANDONED: _abandoned,
    }


def _at(seconds: int) -> str:
    return format_seconds(seconds) if seconds else "0s"


def _firing(name: str, state: str = "") -> str:
    matchers = [eq(c.LABEL_ALERTNAME, name)]
    if state:
        matchers.append(eq(c.LABEL_ALERT_STATE, state))
    return f"count({selector(c.ALERTS_SERIES, *matchers)})"


def agent_pack_tests(
    spec: ServiceSpec, rule_file_name: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """The promtool test file for the agent pack (None when there is nothing to test) and notes
    on alerts that get no test, with the reason."""
    svc = selector_labels(service_selector(spec))
    pod = {c.LABEL_NAMESPACE: spec.namespace, c.LABEL_CONTAINER: spec.name, c.LABEL_POD: POD}
    builders = _builders(spec.agent_alerts)
    tests: list[dict[str, Any]] = []
    notes: list[str] = []
    for alert in agent_alerts(spec):
        build = builders.get(alert.alert)
        if build is None:
            notes.append(f"{alert.alert}: no promtool scenario is defined for this alert")
            continue
        if svc is None and alert.alert not in POD_ALERTS:
            notes.append(f"{alert.alert}: the service selector is not plain label equality")
            continue
        above, below = (
            build(svc or {}, pod, spec.agent_alerts, True),
            build(svc or {}, pod, spec.agent_alerts, False),
        )
        if above is None or below is None:
            notes.append(f"{alert.alert}: {_UNREACHABLE.get(alert.alert, 'no input reaches it')}")
            continue
        tests.append(_test(f"{alert.alert} fires above its threshold", alert.alert, above, True))
        tests.append(_test(f"{alert.alert} stays silent below it", alert.alert, below, False))
        for name, extra, build_extra, fires in EXTRA:
            if name == alert.alert and svc is not None:
                scenario = build_extra(svc, pod, spec.agent_alerts, fires)
                if scenario is not None:
                    tests.append(_test(f"{name} {extra}", name, scenario, fires))
    if not tests:
        return None, notes
    doc = {
        "rule_files": [rule_file_name],
        "evaluation_interval": format_seconds(STEP),
        "tests": tests,
    }
    return doc, notes


def _test(name: str, alert: str, scenario: Scenario, fires: bool) -> dict[str, Any]:
    end = scenario.steps * STEP
    checks: list[dict[str, Any]]
    if fires:
        before = scenario.fires_after - STEP if scenario.exact else 0
        checks = [
            {
                "expr": _firing(alert, c.ALERT_STATE_FIRING),
                "eval_time": _at(scenario.fires_after),
                "exp_samples": [{"labels": "{}", "value": 1}],
            }
        ]
        if before > 0:
            checks.append(
                {
                    "expr": _firing(alert, c.ALERT_STATE_FIRING),
                    "eval_time": format_seconds(before),
                    "exp_samples": [],
                }
            )
    else:
        checks = [
            {"expr": _firing(alert), "eval_time": _at(t), "exp_samples": []}
            for t in sorted({scenario.fires_after, end})
        ]
    return {
        "name": name,
        "interval": format_seconds(STEP),
        "input_series": scenario.series,
        "promql_expr_test": checks,
    }
