"""promtool unit tests that prove each SLO's detection behaviour (`compile-rules --emit-tests`).

For every SLO whose SLI reads the metric catalogue (or a histogram named in the spec), the
generator synthesises input series for five scenarios and states what must happen. Every
expectation is derived from the thresholds the rules actually use (period, objective, window
table, `for:`), so the tests hold for any legal spec:

1. a total outage pages, on the pair that reaches its threshold first, by the time it must;
2. a burn between the lowest and the next page factor (10x for the default table, i.e. 1% errors
   at 99.9%) pages on the first pair it exceeds at `factor / burn * long window`, not before;
3. a burn at half the lowest enabled factor (0.5x for the default table) over the longest alert
   window never alerts;
4. zero traffic never alerts and records no error ratio (no NaN);
5. after an outage ends, the quickest page pair resolves within two of its short windows.

Each SLI kind's row in kinds.py says which input series it gets (series.py, which chooses series
that satisfy the SLI's selector, `!=`, `!~` and regex matchers included); custom `events` and
`raw` SLIs have none we can synthesise (their row says None): `untested()` says so, and the CLI
prints it as a note.
"""

from __future__ import annotations

import math
from typing import Any

from adk_observe import conventions as c
from adk_observe.durations import format_seconds, parse_seconds
from adk_observe.model import SLO, AlertWindow, BuiltinSLI, LatencySLI, ServiceSpec, Severity
from adk_observe.promql import eq, number, selector, service_selector
from adk_observe.rules import budget_tests
from adk_observe.rules.alerts import enabled_windows
from adk_observe.rules.recordings import SHORT, slo_matchers
from adk_observe.rules.scenario_groups import HEALTHY, failing_group, input_series
from adk_observe.rules.scenario_groups import matchers as group_matchers
from adk_observe.rules.series import Phase, labels_for
from adk_observe.windows import RAW_WINDOW_MAX

QUIET_EVAL_FACTOR = 5  # quiet scenarios span days: evaluating every 5th step keeps them cheap
PROMTOOL_SAMPLES = 9_000  # promtool test's query limit is 10,000 samples: a margin for edges


def _interval(slo: SLO) -> int:
    shortest = min(w.short for w in slo.windows)
    return 60 if shortest >= 300 else max(1, shortest // 5)


def _alerts(
    spec: ServiceSpec,
    slo: SLO,
    severity: Severity | None = None,
    windows: str = "",
    state: str = "firing",
    group: dict[str, str] | None = None,
) -> str:
    """How many of this SLO's burn alerts are in `state` (any state when empty), of `group`
    only when given."""
    matchers = [eq("alertname", slo.alerting.name), slo_matchers(spec, slo)]
    if group:
        matchers.append(group_matchers(group))
    if state:
        matchers.append(eq("alertstate", state))
        # Grouped: what must fire fires for the failing group.
        matchers.extend(eq(k, v) for k, v in sorted(failing_group(spec, slo).items()))
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
    series = input_series(spec, slo, phases)
    if not series and not (allow_empty and synthesisable(spec, slo)):
        return None
    if failing := failing_group(spec, slo):
        # The healthy group never alerts (pending included), whatever the failing one does.
        healthy = {label: HEALTHY for label in failing}
        steps = sum(p.steps for p in phases)
        quiet = _alerts(spec, slo, state="", group=healthy)
        checks = [
            *checks,
            _expect(f"count_over_time({quiet}[{_at(steps, interval)}])", steps, interval, False),
        ]
        name += f"; the healthy group ({group_matchers(healthy)}) never alerts"
    return {
        "name": f"{slo.name}: {name}",
        "interval": format_seconds(interval),
        "input_series": series,
        "promql_expr_test": checks,
    }


def _pair_label(pair: AlertWindow) -> str:
    return f"{format_seconds(pair.long)}/{format_seconds(pair.short)}"


def _can_fire(slo: SLO, pair: AlertWindow) -> bool:
    """A pair whose threshold is 1 or more never fires: an error ratio cannot exceed 1."""
    return pair.factor(slo.period) * slo.error_budget < 1


def _for_steps(slo: SLO, severity: Severity, interval: int) -> int:
    """Evaluations an alert stays pending (`for:`) before it fires."""
    alerting = slo.alerting.page if severity is Severity.PAGE else slo.alerting.ticket
    return math.ceil(alerting.for_seconds / interval)


def _lag(pair: AlertWindow) -> int:
    """Seconds by which a step change reaches a long window averaged from the recorded 5m
    rates (windows over RAW_WINDOW_MAX): the 5m rate ramps up over 5 minutes, i.e. it lags
    by half of them on average and by at most all of them."""
    return SHORT // 2 if pair.long > RAW_WINDOW_MAX else 0


def _steps(seconds: float, interval: int) -> int:
    return math.ceil(seconds / interval)


def _outage(slo: SLO, w: AlertWindow) -> float:
    """Under a total outage a pair's long ratio reaches its threshold after factor x budget x
    long (the short one sooner)."""
    return w.factor(slo.period) * slo.error_budget * w.long + 2 * _lag(w)


def page_cases(spec: ServiceSpec, slo: SLO, interval: int) -> list[dict[str, Any] | None]:
    """Every expectation is derived from the thresholds this SLO's rules actually use."""
    pages = [w for w in enabled_windows(slo) if w.severity is Severity.PAGE and _can_fire(slo, w)]
    if not pages:
        return []
    pending = _for_steps(slo, Severity.PAGE, interval)
    history = _steps(max(w.long for w in pages), interval)
    # The quickest pair under a total outage is the one the outage checks name.
    fast = min(pages, key=lambda w: (_outage(slo, w), w.long))
    outage_fires = max(1, _steps(_outage(slo, fast), interval) + 1) + pending
    return [
        _outage_case(spec, slo, interval, fast, (history, outage_fires)),
        *_burn_case(spec, slo, interval, pages, (history, pending)),
        _recovery_case(spec, slo, interval, fast, (history, outage_fires)),
    ]


def _outage_case(
    spec: ServiceSpec, slo: SLO, interval: int, fast: AlertWindow, steps: tuple[int, int]
) -> dict[str, Any] | None:
    """A total outage pages on the quickest pair. `steps`: (history, steps until it fires)."""
    history, outage_fires = steps
    fast_label = _pair_label(fast)
    page = _alerts(spec, slo, Severity.PAGE, fast_label)
    return _case(
        spec,
        slo,
        interval,
        [Phase(history, 0.0), Phase(outage_fires + 5, 1.0)],
        [_expect(page, history + outage_fires, interval, True)],
        f"a total outage pages ({fast_label}) within {format_seconds(outage_fires * interval)}",
    )


def _burn_case(
    spec: ServiceSpec,
    slo: SLO,
    interval: int,
    pages: list[AlertWindow],
    steps: tuple[int, int],
) -> list[dict[str, Any] | None]:
    """A burn between the lowest and the highest page factors pages on the first pair whose
    factor it exceeds at factor / burn * long window, and not before (no case with one page
    factor, or when that burn is over 100% errors). `steps`: (history, pending)."""
    history, pending = steps
    budget = slo.error_budget
    factors = sorted({w.factor(slo.period) for w in pages})
    if len(factors) < 2:
        return []
    burn = 10.0 if factors[0] < 10 < factors[-1] else (factors[0] + factors[1]) / 2
    over = [w for w in pages if w.factor(slo.period) < burn]
    first = min(over, key=lambda w: (w.factor(slo.period) / burn * w.long + _lag(w), w.long))
    fire = first.factor(slo.period) / burn * first.long + _lag(first) + pending * interval
    tolerance = max(2 * interval, int(fire * 0.025) // interval * interval)
    before, after = _steps(fire - tolerance, interval), _steps(fire + tolerance, interval)
    if burn * budget > 1:
        return []
    return [
        _case(
            spec,
            slo,
            interval,
            [Phase(history, 0.0), Phase(after + 5, burn * budget)],
            [
                _expect(_alerts(spec, slo, Severity.PAGE), history + before, interval, False),
                _expect(
                    _alerts(spec, slo, Severity.PAGE, _pair_label(first)),
                    history + after,
                    interval,
                    True,
                ),
            ],
            f"{number(burn * budget * 100)}% errors ({number(burn)}x burn) page "
            f"({_pair_label(first)}) after {format_seconds(int(fire))} +/- "
            f"{format_seconds(tolerance)}, not before",
        )
    ]


def _recovery_case(
    spec: ServiceSpec, slo: SLO, interval: int, fast: AlertWindow, steps: tuple[int, int]
) -> dict[str, Any] | None:
    """After an outage ends the fast pair resolves within two of its short windows. `steps`:
    (history, steps until the outage page fires)."""
    history, outage_fires = steps
    fast_label = _pair_label(fast)
    recovery = _steps(2 * fast.short, interval)
    page = _alerts(spec, slo, Severity.PAGE, fast_label)
    return _case(
        spec,
        slo,
        interval,
        [Phase(history, 0.0), Phase(outage_fires, 1.0), Phase(recovery + 2, 0.0)],
        [
            _expect(page, history + outage_fires, interval, True),
            _expect(page, history + outage_fires + recovery, interval, False),
        ],
        f"the {fast_label} page resolves within {format_seconds(2 * fast.short)} "
        f"after an outage ends",
    )


def quiet_burn(slo: SLO) -> float:
    """A burn that no alert of this SLO may fire on: half the lowest emitted factor (0.5x for
    the default table, less when a short period or a custom table lowers a threshold)."""
    lowest = min((w.factor(slo.period) for w in enabled_windows(slo)), default=1.0)
    return round(0.5 * min(1.0, lowest), 6)


def quiet_cases(spec: ServiceSpec, slo: SLO, interval: int) -> list[dict[str, Any] | None]:
    """Traffic that must never alert, over the longest alert window."""
    longest = math.ceil(max(w.long for w in slo.windows) / interval)
    longest += -longest % QUIET_EVAL_FACTOR  # land on an evaluation of the quiet file
    span = _at(longest, interval)
    everything = f"count_over_time({_alerts(spec, slo, state='')}[{span}])"
    burn = quiet_burn(slo)
    errors = burn * slo.error_budget
    ratio = selector(c.record_sli_error_ratio(c.SHORT_RATE_WINDOW), slo_matchers(spec, slo))
    return [
        # Pending alerts are in ALERTS too, so this also proves nothing ever started to fire.
        _case(
            spec,
            slo,
            interval,
            [Phase(longest, errors)],
            [_expect(everything, longest, interval, False)],
            f"{number(errors * 100)}% errors ({number(burn)}x burn) for {span} never alert",
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
    return bool(input_series(spec, slo, [Phase(2, 0.5)]))


def _why_not(spec: ServiceSpec, slo: SLO) -> str:
    sli = slo.sli
    if isinstance(sli, LatencySLI | BuiltinSLI):
        sel = sli.selector if isinstance(sli, LatencySLI) else service_selector(spec)
        if labels_for(sel) is None:
            return (
                f"no label values satisfying the selector {{{sel}}} could be chosen "
                "(a regex with no literal alternative)"
            )
        return "its error ratios cannot be expressed with whole series"
    return "its SLI is custom PromQL, whose input series adk-observe cannot synthesise"


def untested(spec: ServiceSpec) -> tuple[str, ...]:
    """Why an SLO (or one of its scenarios) got no emitted test: printed as notes, so a missing
    test is never silent."""
    notes = []
    for slo in spec.slos:
        interval = _interval(slo)
        if not synthesisable(spec, slo):
            notes.append(f"SLO {slo.name!r}: no promtool tests emitted: {_why_not(spec, slo)}")
            continue
        for make in (page_cases, quiet_cases):
            if any(case is None for case in make(spec, slo, interval)):
                notes.append(
                    f"SLO {slo.name!r}: some scenarios not emitted: their error ratios need "
                    f"more than 200 `{c.METRIC_UP}` series"
                )
                break
    return (*notes, *unfit(spec))


def _cases(spec: ServiceSpec) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(detection cases, quiet cases) of every SLO and spend budget."""
    detect: list[dict[str, Any]] = []
    quiet: list[dict[str, Any]] = []
    for slo in spec.slos:
        interval = _interval(slo)
        detect.extend(c for c in page_cases(spec, slo, interval) if c is not None)
        quiet.extend(c for c in quiet_cases(spec, slo, interval) if c is not None)
    for budget in spec.budgets:
        page, calm = budget_tests.page_case(spec, budget), budget_tests.quiet_case(spec, budget)
        detect.extend(case for case in (page,) if case is not None)
        quiet.extend(case for case in (calm,) if case is not None)
    return detect, quiet


def _base_interval(spec: ServiceSpec) -> int:
    return min(
        (*(_interval(s) for s in spec.slos), *(budget_tests.interval(b) for b in spec.budgets))
    )


def _span(case: dict[str, Any]) -> int:
    return max(parse_seconds(t["eval_time"]) for t in case["promql_expr_test"])


def _fits(case: dict[str, Any], eval_interval: int) -> bool:
    """promtool's unit tests load at most 10,000 samples of a series into a query, and the rules
    read their long windows over samples recorded every evaluation interval: a scenario longer
    than that many intervals (3d at the 12s a 1m short window needs) cannot run."""
    return _span(case) // eval_interval <= PROMTOOL_SAMPLES


def unfit(spec: ServiceSpec) -> tuple[str, ...]:
    """Notes for the scenarios test_files leaves out because promtool could not run them."""
    base = _base_interval(spec)
    detect, quiet = _cases(spec)
    return tuple(
        f"{case['name']}: not emitted: {format_seconds(_span(case))} of samples every "
        f"{format_seconds(every)} is more than promtool loads into one query"
        for cases, every in ((detect, base), (quiet, base * QUIET_EVAL_FACTOR))
        for case in cases
        if not _fits(case, every)
    )


def test_files(spec: ServiceSpec, rule_file_name: str) -> dict[str, dict[str, Any]]:
    """Two promtool test files: detection timing at full resolution, and the multi-day quiet
    scenarios evaluated every fifth step (what must never happen does not need minute
    precision, and promtool evaluates every rule of the file at every step)."""
    detect, quiet = _cases(spec)
    base = _base_interval(spec)
    files = {}
    for name, tests, eval_interval in (
        (f"{spec.name}.rules.test.yaml", detect, base),
        (f"{spec.name}.rules.quiet-test.yaml", quiet, base * QUIET_EVAL_FACTOR),
    ):
        tests = [case for case in tests if _fits(case, eval_interval)]
        if tests:
            files[name] = {
                "rule_files": [rule_file_name],
                "evaluation_interval": format_seconds(eval_interval),
                "tests": tests,
            }
    return files
