"""promtool unit tests that prove each SLO's detection behaviour (`compile-rules --emit-tests`).

For every SLO whose SLI reads the metric catalogue (or a histogram named in the spec), the
generator synthesises input series for five scenarios and states what must happen:

1. a total outage pages within two evaluation intervals;
2. a burn between the slow and the fast page factors (10x for the default table, i.e. 1% errors
   at 99.9%) pages on the slow pair at `factor / burn * long window`, not before;
3. a burn at half the budget for the longest alert window never alerts;
4. zero traffic never alerts and records no error ratio (no NaN);
5. after an outage ends, the fast page pair resolves within two short windows.

Custom `events` and `raw` SLIs have no series we can synthesise; they are listed as skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import promql_parser

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.model import (
    SLO,
    AlertWindow,
    BuiltinKind,
    BuiltinSLI,
    LatencySLI,
    ServiceSpec,
    Severity,
)
from adk_observe.rules.promql import eq, number, selector
from adk_observe.rules.recordings import slo_matchers
from adk_observe.rules.sli import service_selector

QUIET_EVAL_FACTOR = 5  # quiet scenarios span days: evaluating every 5th step keeps them cheap
EVENTS_PER_STEP = 60.0  # 1 request per second at a 1m interval


@dataclass(frozen=True)
class Phase:
    steps: int
    error_ratio: float  # share of events that are errors
    traffic: bool = True


def _labels(sel: str) -> dict[str, str] | None:
    """Equality matchers of a selector as series labels; None if any matcher is not `=`."""
    if not sel:
        return {}
    parsed: Any = promql_parser.parse("{" + sel + "}")
    out = {}
    for matcher in parsed.matchers.matchers:
        if matcher.op != promql_parser.MatchOp.Equal:
            return None
        out[matcher.name] = matcher.value
    return out


def _series_text(metric: str, labels: dict[str, str]) -> str:
    return selector(metric, *(eq(k, v) for k, v in sorted(labels.items())))


def _counter(phases: list[Phase], part: str) -> str:
    """A counter's values in promtool notation: `part` is 'bad', 'good' or 'total'."""
    value = 0.0
    out = ["0"]
    for phase in phases:
        share = {"bad": phase.error_ratio, "good": 1 - phase.error_ratio, "total": 1.0}[part]
        step = EVENTS_PER_STEP * share if phase.traffic else 0.0
        out.append(f"{number(value + step)}+{number(step)}x{phase.steps - 1}")
        value += step * phase.steps
    return " ".join(out)


def _up(phases: list[Phase], instances: int, down: int) -> str:
    """One `up` series that is 0 for the phases where it is among the `down` instances."""
    out = ["1"]
    for phase in phases:
        ratio = phase.error_ratio if phase.traffic else 0.0
        is_down = ratio > 0 and round(ratio * instances) > down
        out.append(f"{0 if is_down else 1}x{phase.steps - 1}")
    return " ".join(out)


def _uptime_series(labels: dict[str, str], phases: list[Phase]) -> list[dict[str, str]]:
    if not any(p.traffic for p in phases):
        return []  # no traffic for a scrape-health SLI means no targets at all
    # Error ratio r means r of the instances are down: choose enough instances to express it.
    ratios = {p.error_ratio for p in phases if p.traffic and p.error_ratio > 0}
    instances = 1
    for r in sorted(ratios):
        n = round(1 / r)
        if abs(n * r - 1) > 1e-9:
            return []
        if n > 200:  # a ratio this small needs more instances than a unit test should hold
            return []
        instances = max(instances, n)
    return [
        {
            "series": _series_text(c.METRIC_UP, {**labels, "instance": f"i{i:03d}"}),
            "values": _up(phases, instances, i),
        }
        for i in range(instances)
    ]


def _input_series(spec: ServiceSpec, slo: SLO, phases: list[Phase]) -> list[dict[str, str]]:
    sli = slo.sli
    if isinstance(sli, LatencySLI):
        labels = _labels(sli.selector)
        metric, bound, bad_bucket = sli.metric, sli.threshold, False
    elif isinstance(sli, BuiltinSLI):
        labels = _labels(service_selector(spec))
        if labels is None:
            return []
        if sli.kind is BuiltinKind.UPTIME:
            return _uptime_series(labels, phases)
        if sli.kind in (BuiltinKind.LATENCY, BuiltinKind.SATISFACTION):
            latency = sli.kind is BuiltinKind.LATENCY
            metric = c.REQUEST_DURATION.name if latency else c.SATISFACTION_RATING.name
            bound, bad_bucket = sli.threshold or 0.0, not latency
        else:
            counter, label, good, bad = {
                BuiltinKind.SUCCESS: (
                    c.REQUESTS,
                    c.LABEL_STATUS_CODE,
                    c.STATUS_CODE_OK,
                    c.STATUS_CODE_ERROR,
                ),
                BuiltinKind.TOOL_SUCCESS: (
                    c.TOOL_CALLS,
                    c.LABEL_STATUS,
                    c.STATUS_OK,
                    c.STATUS_ERROR,
                ),
                BuiltinKind.MCP_SUCCESS: (c.MCP_CALLS, c.LABEL_STATUS, c.STATUS_OK, c.STATUS_ERROR),
                BuiltinKind.LLM_SUCCESS: (c.LLM_CALLS, c.LABEL_STATUS, c.STATUS_OK, c.STATUS_ERROR),
            }[sli.kind]
            return [
                {
                    "series": _series_text(counter.name, {**labels, label: good}),
                    "values": _counter(phases, "good"),
                },
                {
                    "series": _series_text(counter.name, {**labels, label: bad}),
                    "values": _counter(phases, "bad"),
                },
            ]
    else:
        return []
    if labels is None:
        return []
    bucket = {**labels, c.LABEL_LE: repr(float(bound))}
    return [
        {"series": _series_text(f"{metric}_count", labels), "values": _counter(phases, "total")},
        {
            "series": _series_text(f"{metric}_bucket", bucket),
            "values": _counter(phases, "bad" if bad_bucket else "good"),
        },
    ]


def _interval(slo: SLO) -> int:
    shortest = min(w.short for w in slo.windows)
    return 60 if shortest >= 300 else max(1, shortest // 5)


def _alerts(
    spec: ServiceSpec,
    slo: SLO,
    severity: Severity | None = None,
    windows: str = "",
    state: str = "firing",
) -> str:
    """How many of this SLO's burn alerts are in `state` (any state when empty)."""
    matchers = [eq("alertname", slo.alerting.name), slo_matchers(spec, slo)]
    if state:
        matchers.append(eq("alertstate", state))
    if severity is not None:
        # `page.labels` / `ticket.labels` may rename the severity (e.g. critical): the alert
        # carries that value, so the test must look for it.
        own = slo.alerting.page if severity is Severity.PAGE else slo.alerting.ticket
        matchers.append(
            eq(c.LABEL_SEVERITY, dict(own.labels).get(c.LABEL_SEVERITY, severity.value))
        )
    if windows:
        matchers.append(eq(c.LABEL_WINDOWS, windows))
    return selector(c.ALERTS_SERIES, *matchers)


def _at(steps: int, interval: int) -> str:
    return format_seconds(steps * interval) if steps else "0s"


def _expect(expr: str, steps: int, interval: int, fires: bool) -> dict[str, Any]:
    samples = [{"labels": "{}", "value": 1}] if fires else []
    return {"expr": f"count({expr})", "eval_time": _at(steps, interval), "exp_samples": samples}


def _case(
    spec: ServiceSpec,
    slo: SLO,
    interval: int,
    phases: list[Phase],
    checks: list[dict[str, Any]],
    name: str,
    allow_empty: bool = False,
) -> dict[str, Any] | None:
    series = _input_series(spec, slo, phases)
    if not series and not (allow_empty and synthesisable(spec, slo)):
        return None
    return {
        "name": f"{slo.name}: {name}",
        "interval": format_seconds(interval),
        "input_series": series,
        "promql_expr_test": checks,
    }


def _outage_fire_seconds(slo: SLO, pages: list[AlertWindow]) -> float:
    """How long a total outage takes to push the quickest page pair over its threshold."""
    return min(w.factor(slo.period) * slo.error_budget * w.long for w in pages)


def page_cases(spec: ServiceSpec, slo: SLO, interval: int) -> list[dict[str, Any] | None]:
    pages = sorted((w for w in slo.windows if w.severity is Severity.PAGE), key=lambda w: w.long)
    if not pages or not slo.alerting.page.enabled:
        return []
    budget = slo.error_budget

    def steps(seconds: float) -> int:
        return math.ceil(seconds / interval)

    history = steps(max(w.long for w in pages))
    fast = pages[0]
    fast_label = f"{format_seconds(fast.long)}/{format_seconds(fast.short)}"
    outage_fires = max(1, steps(_outage_fire_seconds(slo, pages)) + 1)
    cases: list[dict[str, Any] | None] = [
        _case(
            spec,
            slo,
            interval,
            [Phase(history, 0.0), Phase(outage_fires + 5, 1.0)],
            [_expect(_alerts(spec, slo, Severity.PAGE), history + outage_fires, interval, True)],
            f"a total outage pages within {format_seconds(outage_fires * interval)}",
        )
    ]
    # A burn between the slow and the fast page factors pages on the slow pair at
    # factor / burn * long window, and not before.
    factors = sorted(w.factor(slo.period) for w in pages)
    if len(factors) > 1:
        burn = 10.0 if factors[0] < 10 < factors[-1] else (factors[0] + factors[1]) / 2
        slow = max((w for w in pages if w.factor(slo.period) < burn), key=lambda w: w.long)
        fire = slow.factor(slo.period) / burn * slow.long
        tolerance = max(2 * interval, int(fire * 0.025) // interval * interval)
        before, after = steps(fire - tolerance), steps(fire + tolerance)
        if burn * budget <= 1:
            cases.append(
                _case(
                    spec,
                    slo,
                    interval,
                    [Phase(history, 0.0), Phase(after + 5, burn * budget)],
                    [
                        _expect(
                            _alerts(spec, slo, Severity.PAGE), history + before, interval, False
                        ),
                        _expect(_alerts(spec, slo, Severity.PAGE), history + after, interval, True),
                    ],
                    f"{number(burn * budget * 100)}% errors ({number(burn)}x burn) page after "
                    f"{format_seconds(int(fire))} +/- {format_seconds(tolerance)}, not before",
                )
            )
    # After an outage ends the fast pair resolves within two of its short windows.
    recovery = steps(2 * fast.short)
    cases.append(
        _case(
            spec,
            slo,
            interval,
            [Phase(history, 0.0), Phase(outage_fires, 1.0), Phase(recovery + 2, 0.0)],
            [
                _expect(
                    _alerts(spec, slo, Severity.PAGE, fast_label),
                    history + outage_fires,
                    interval,
                    True,
                ),
                _expect(
                    _alerts(spec, slo, Severity.PAGE, fast_label),
                    history + outage_fires + recovery,
                    interval,
                    False,
                ),
            ],
            f"the {fast_label} page resolves within {format_seconds(2 * fast.short)} "
            f"after an outage ends",
        )
    )
    return cases


def quiet_cases(spec: ServiceSpec, slo: SLO, interval: int) -> list[dict[str, Any] | None]:
    """Traffic that must never alert, over the longest alert window."""
    longest = math.ceil(max(w.long for w in slo.windows) / interval)
    longest += -longest % QUIET_EVAL_FACTOR  # land on an evaluation of the quiet file
    span = _at(longest, interval)
    everything = f"count_over_time({_alerts(spec, slo, state='')}[{span}])"
    budget = slo.error_budget
    ratio = selector(c.record_sli_error_ratio(c.SHORT_RATE_WINDOW), slo_matchers(spec, slo))
    return [
        # Pending alerts are in ALERTS too, so this also proves nothing ever started to fire.
        _case(
            spec,
            slo,
            interval,
            [Phase(longest, 0.5 * budget)],
            [_expect(everything, longest, interval, False)],
            f"{number(0.5 * budget * 100)}% errors (0.5x burn) for {span} never alert",
        ),
        _case(
            spec,
            slo,
            interval,
            [Phase(longest, 0.0, traffic=False)],
            [
                _expect(everything, longest, interval, False),
                {"expr": ratio, "eval_time": span, "exp_samples": []},
            ],
            f"zero traffic for {span} never alerts and records no error ratio",
            allow_empty=True,
        ),
    ]


def synthesisable(spec: ServiceSpec, slo: SLO) -> bool:
    return bool(_input_series(spec, slo, [Phase(2, 0.5)]))


def test_files(spec: ServiceSpec, rule_file_name: str) -> dict[str, dict[str, Any]]:
    """Two promtool test files: detection timing at full resolution, and the multi-day quiet
    scenarios evaluated every fifth step (what must never happen does not need minute
    precision, and promtool evaluates every rule of the file at every step)."""
    detect: list[dict[str, Any]] = []
    quiet: list[dict[str, Any]] = []
    for slo in spec.slos:
        interval = _interval(slo)
        detect.extend(c for c in page_cases(spec, slo, interval) if c is not None)
        quiet.extend(c for c in quiet_cases(spec, slo, interval) if c is not None)
    base = min(_interval(s) for s in spec.slos)
    files = {}
    for name, tests, eval_interval in (
        (f"{spec.name}.rules.test.yaml", detect, base),
        (f"{spec.name}.rules.quiet-test.yaml", quiet, base * QUIET_EVAL_FACTOR),
    ):
        if tests:
            files[name] = {
                "rule_files": [rule_file_name],
                "evaluation_interval": format_seconds(eval_interval),
                "tests": tests,
            }
    return files
