"""promtool unit tests that prove each spend budget's alerts (`compile-rules --emit-tests`):

1. spending at 20x the budgeted rate pages when the fastest page pair that 20x can cross
   crosses its factor (43m12s for 14.4x over 1h), not before; grouped, only the overspending
   group pages;
2. spending at half the lowest emitted factor (0.5x for a 30-day budget; less for a shorter
   period, whose 3d/6h factor is 0.1 * period / 3d) for the longest alert window never alerts.

Every rate is derived from the budget's own amount, period and factors, as the SLO scenarios
are (unit_tests.py), so the tests hold for any legal budget, 7d to 90d.

The input is adk_agent_cost_total of the service, rising by a fixed cost each step.
"""

from __future__ import annotations

import math
from typing import Any

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.model import AlertWindow, ServiceSpec, Severity, SpendBudget
from adk_observe.promql import eq, number, selector, service_selector
from adk_observe.rules.budgets import SHORT, budget_matchers
from adk_observe.rules.series import labels_for, series_text
from adk_observe.windows import RAW_WINDOW_MAX

QUIET_EVAL_FACTOR = 5  # same as the SLO quiet file: evaluated every fifth step
OVERSPEND = 20.0  # the scenario: twenty times the budgeted rate


def quiet_burn(budget: SpendBudget) -> float:
    """A spend rate (in multiples of the sustainable one) no alert may fire on: half the
    lowest emitted factor, and never more than half the budgeted rate."""
    lowest = min(w.factor(budget.period) for w in budget.windows)
    return round(0.5 * min(1.0, lowest), 6)


def interval(budget: SpendBudget) -> int:
    shortest = min(w.short for w in budget.windows)
    return 60 if shortest >= 300 else max(1, shortest // 5)


def _counter(rates: list[tuple[int, float]], step_seconds: int) -> str:
    """A cost counter in promtool notation: (steps, currency per second) phases."""
    value = 0.0
    out = ["0"]
    for steps, rate in rates:
        inc = rate * step_seconds
        out.append(f"{number(value + inc)}+{number(inc)}x{steps - 1}")
        value += inc * steps
    return " ".join(out)


def _series(
    spec: ServiceSpec, budget: SpendBudget, group: str, rates: list[tuple[int, float]], step: int
) -> dict[str, str] | None:
    labels = labels_for(service_selector(spec))
    if labels is None:
        return None
    own = {c.LABEL_AGENT_ID: "agent", c.LABEL_MODEL: "model", c.LABEL_COST_CENTER: "default"}
    own.update({label: group for label in budget.group_by})
    return {
        "series": series_text(c.COST_TOTAL.name, {**own, **labels}),
        "values": _counter(rates, step),
    }


def _alerts(spec: ServiceSpec, budget: SpendBudget, state: str, **extra: str) -> str:
    matchers = [eq(c.LABEL_ALERTNAME, c.spend_burn_alert(spec.name, budget.name))]
    matchers.append(budget_matchers(spec, budget))
    if state:
        matchers.append(eq(c.LABEL_ALERT_STATE, state))
    matchers.extend(eq(k, v) for k, v in sorted(extra.items()))
    return selector(c.ALERTS_SERIES, *matchers)


def _expect(expr: str, seconds: int, fires: bool) -> dict[str, Any]:
    samples = [{"labels": "{}", "value": 1}] if fires else []
    return {
        "expr": f"count({expr})",
        "eval_time": format_seconds(seconds) if seconds else "0s",
        "exp_samples": samples,
    }


def _lag(window: AlertWindow) -> int:
    """Windows over RAW_WINDOW_MAX average the recorded 5m spend rate, which ramps up over 5
    minutes after a step: they lag by half of them on average (as the SLO scenarios say)."""
    return SHORT // 2 if window.long > RAW_WINDOW_MAX else 0


def page_case(spec: ServiceSpec, budget: SpendBudget) -> dict[str, Any] | None:
    # A pair's rate over W after t seconds at 20x (from nothing) is 20 * t / W: it crosses
    # factor F at t = F / 20 * W, for both of its windows, if F is under 20 (a 90-day budget's
    # 1h pair, at 43.2x, never fires at 20x).
    pages = [
        w
        for w in budget.windows
        if w.severity is Severity.PAGE and w.factor(budget.period) < OVERSPEND
    ]
    if not pages:
        return None
    step = interval(budget)
    rate = budget.sustainable_rate
    history = math.ceil(max(w.long for w in pages) / step)
    fire = min(w.factor(budget.period) / OVERSPEND * w.long + _lag(w) for w in pages)
    tolerance = max(2 * step, int(fire * 0.025) // step * step)
    before, after = math.floor((fire - tolerance) / step), math.ceil((fire + tolerance) / step)
    total = history + after + 2
    page = {c.LABEL_SEVERITY: Severity.PAGE.value}
    over = _series(spec, budget, "a", [(history, 0.0), (total - history, OVERSPEND * rate)], step)
    if over is None:
        return None
    inputs = [over]
    checks = [
        _expect(_alerts(spec, budget, "firing", **page), (history + before) * step, False),
        _expect(_alerts(spec, budget, "firing", **page), (history + after) * step, True),
    ]
    name = (
        f"{budget.name}: spending at {number(OVERSPEND)}x the budgeted rate pages after "
        f"{format_seconds(int(fire))} +/- {format_seconds(tolerance)}, not before"
    )
    if budget.group_by:
        # Another group spending at the quiet rate at the same time never alerts.
        burn = quiet_burn(budget)
        quiet = _series(spec, budget, "b", [(total, burn * rate)], step)
        assert quiet is not None
        inputs.append(quiet)
        only = {label: "a" for label in budget.group_by}
        others = {label: "b" for label in budget.group_by}
        checks.append(
            _expect(_alerts(spec, budget, "firing", **page, **only), (history + after) * step, True)
        )
        span = format_seconds(total * step)
        checks.append(
            _expect(
                f"count_over_time({_alerts(spec, budget, '', **others)}[{span}])",
                total * step,
                False,
            )
        )
        name += f"; the group at {number(burn)}x its rate never alerts"
    return {
        "name": name,
        "interval": format_seconds(step),
        "input_series": inputs,
        "promql_expr_test": checks,
    }


def quiet_case(spec: ServiceSpec, budget: SpendBudget) -> dict[str, Any] | None:
    step = interval(budget)
    longest = math.ceil(max(w.long for w in budget.windows) / step)
    longest += -longest % QUIET_EVAL_FACTOR
    burn = quiet_burn(budget)
    series = _series(spec, budget, "a", [(longest, burn * budget.sustainable_rate)], step)
    if series is None:
        return None
    span = format_seconds(longest * step)
    return {
        "name": f"{budget.name}: spending at {number(burn)}x the budgeted rate for {span} never "
        "alerts",
        "interval": format_seconds(step),
        "input_series": [series],
        "promql_expr_test": [
            _expect(f"count_over_time({_alerts(spec, budget, '')}[{span}])", longest * step, False),
        ],
    }
