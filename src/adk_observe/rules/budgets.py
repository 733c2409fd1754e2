"""LLM spend budgets -> rule groups: spend-rate recordings and multi-window burn-rate alerts.

A budget is an error budget whose errors are money: the burn rate is the spend rate divided by
the rate that spends exactly `amount` over the period, and the same window pairs and factors
apply (14.4x over 1h spends 2% of a 30-day budget: the whole of it in about two days).
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe import runbook_links as rb
from adk_observe.durations import format_seconds, parse_seconds
from adk_observe.model import AlertWindow, ServiceSpec, SpendBudget
from adk_observe.promql import eq, number, selector, service_selector
from adk_observe.rules.alerts import group_text, tier_label
from adk_observe.rules.types import Alert, Pairs, Recording, RuleGroup, merge
from adk_observe.windows import RAW_WINDOW_MAX

SHORT = parse_seconds(c.SHORT_RATE_WINDOW)  # the one spend rate every long window averages


def budget_labels(spec: ServiceSpec, budget: SpendBudget) -> Pairs:
    return merge({c.LABEL_SERVICE: spec.name, c.LABEL_BUDGET: budget.name})


def budget_matchers(spec: ServiceSpec, budget: SpendBudget) -> str:
    return ",".join((eq(c.LABEL_SERVICE, spec.name), eq(c.LABEL_BUDGET, budget.name)))


def spend_series(spec: ServiceSpec, budget: SpendBudget, window: int) -> str:
    return selector(c.record_spend_rate(format_seconds(window)), budget_matchers(spec, budget))


def _sum(budget: SpendBudget) -> str:
    return f"sum by ({', '.join(budget.group_by)}) " if budget.group_by else "sum"


def windows_needed(budget: SpendBudget) -> tuple[int, ...]:
    needed = {SHORT}
    for pair in budget.windows:
        needed.update((pair.long, pair.short))
    return tuple(sorted(needed))


def _longest(budget: SpendBudget) -> int:
    return max(w.long for w in budget.windows)


def spend_recordings(spec: ServiceSpec, budget: SpendBudget) -> tuple[Recording, ...]:
    labels = budget_labels(spec, budget)
    cost = selector(c.COST_TOTAL.name, service_selector(spec))
    short = spend_series(spec, budget, SHORT)
    rules = []
    for window in windows_needed(budget):
        text = format_seconds(window)
        if window <= RAW_WINDOW_MAX:
            expr = f"{_sum(budget)}(rate({cost}[{text}]))"
        else:
            # The mean of the recorded 5m rates: reads one series per group, not days of raw
            # samples of every agent and model.
            expr = f"avg_over_time({short}[{text}])"
        rules.append(Recording(c.record_spend_rate(text), expr, labels))
    sustainable = f"({number(budget.amount)} / {budget.period})"
    longest = spend_series(spec, budget, _longest(budget))
    period = format_seconds(budget.period)
    rules.extend(
        (
            Recording(c.RECORD_BUDGET_AMOUNT, f"vector({number(budget.amount)})", labels),
            # How many times faster than sustainable the budget is spent right now (1 = exactly).
            Recording(c.RECORD_SPEND_BURN_RATE, f"{short} / {sustainable}", labels),
            # Spent over the last period (rolling; a calendar month reads the last 30 days).
            Recording(
                c.RECORD_SPEND_PERIOD, f"avg_over_time({short}[{period}]) * {budget.period}", labels
            ),
            # What a whole period costs at the rate of the longest alert window (3d by default).
            Recording(c.RECORD_SPEND_PROJECTED, f"{longest} * {budget.period}", labels),
        )
    )
    return tuple(rules)


def _exhaustion(period: int, factor: float) -> str:
    return format_seconds(max(60, int(period / factor) // 60 * 60))


def spend_alert(spec: ServiceSpec, budget: SpendBudget, pair: AlertWindow) -> Alert:
    factor = pair.factor(budget.period)
    threshold = f"({number(factor)} * {number(budget.amount)} / {budget.period})"
    long_text, short_text = format_seconds(pair.long), format_seconds(pair.short)
    expr = (
        f"{spend_series(spec, budget, pair.long)} > {threshold}\n"
        f"and\n"
        f"{spend_series(spec, budget, pair.short)} > {threshold}"
    )
    period = "calendar month" if budget.calendar_month else format_seconds(budget.period)
    group = f" ({group_text(budget.group_by)})" if budget.group_by else ""
    annotations = {
        "summary": f"{spec.name}: spend budget {budget.name}{group} is being spent "
        f"{number(factor)}x too fast ({long_text}/{short_text})",
        "description": (
            f"The LLM spend of {spec.name}{group} over the last {long_text} is "
            f"{{{{ $value | humanize }}}} per second, over {number(factor)}x the rate that "
            f"spends the {number(budget.amount)} budget of a {period}, over {short_text} too. "
            f"At this rate the budget is gone in {_exhaustion(budget.period, factor)}."
        ),
    }
    if runbook := rb.url(spec, rb.budget_file(budget.name)):
        annotations["runbook_url"] = runbook
    return Alert(
        alert=c.spend_burn_alert(spec.name, budget.name),
        expr=expr,
        labels=merge(
            spec.labels,
            budget_labels(spec, budget),
            {
                c.LABEL_SEVERITY: pair.severity.value,
                c.LABEL_WINDOWS: f"{long_text}/{short_text}",
                c.LABEL_BURN_FACTOR: number(factor),
            },
            tier_label(pair),
        ),
        annotations=merge(annotations),
    )


def budget_groups(spec: ServiceSpec) -> tuple[RuleGroup, ...]:
    """One group per budget: its recordings, then its alerts (same evaluation, in order)."""
    return tuple(
        RuleGroup(
            c.group_budget(spec.name, budget.name),
            (
                *spend_recordings(spec, budget),
                *(spend_alert(spec, budget, pair) for pair in budget.windows),
            ),
        )
        for budget in spec.budgets
    )
