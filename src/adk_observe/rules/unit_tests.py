"""promtool unit tests that prove each SLO's detection behaviour (`compile-rules --emit-tests`).

For every SLO whose SLI reads the metric catalogue (or a histogram named in the spec), the
generator synthesises input series for five scenarios and states what must happen:

1. a total outage pages within two evaluation intervals;
2. a burn between the slow and the fast page factors (10x for the default table, i.e. 1% errors
   at 99.9%) pages on the slow pair at `factor / burn * long window`, not before;
3. a burn at half the budget for the longest alert window never alerts;
4. zero traffic never alerts and records no error ratio (no NaN);
5. after an outage ends, the fast page pair resolves within two short windows.

Each SLI kind's row in kinds.py says which input series it gets (series.py); custom `events` and
`raw` SLIs have none we can synthesise (their row says None) and are listed as skipped.
"""

from __future__ import annotations

import math
from typing import Any

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, AlertWindow, ServiceSpec, Severity
from adk_observe.promql import eq, number, selector
from adk_observe.rules.kinds import kind_of
from adk_observe.rules.recordings import slo_matchers
from adk_observe.rules.series import Phase

QUIET_EVAL_FACTOR = 5  # quiet scenarios span days: evaluating every 5th step keeps them cheap


def _input_series(spec: ServiceSpec, slo: SLO, phases: list[Phase]) -> list[dict[str, str]]:
    kind = kind_of(slo.sli)
    return [] if kind.series is None else kind.series(spec, slo.sli, phases)


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
        matchers.append(eq(c.LABEL_SEVERITY, severity.value))
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
