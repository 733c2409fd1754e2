"""Colours and threshold steps, derived from the same model the rules compile.

Only the alert pairs the rules contain (`rules.alerts.enabled_windows`) are drawn, each at its
factor for the SLO's own period, so a dashboard never shows a threshold no alert evaluates.
"""

from __future__ import annotations

from adk_observe.dashboards.panels import Threshold
from adk_observe.model import SLO, Severity
from adk_observe.rules.alerts import enabled_windows

GREEN, ORANGE, RED = "green", "orange", "red"
SEVERITY_COLOURS = {Severity.PAGE: RED, Severity.TICKET: ORANGE}
# Remaining budget: orange below a quarter (slow down risky changes), red below a tenth.
BUDGET_WARN = 0.25
BUDGET_CRITICAL = 0.10
BUDGET_STEPS = (Threshold(RED), Threshold(ORANGE, BUDGET_CRITICAL), Threshold(GREEN, BUDGET_WARN))
FIRING_STEPS = (Threshold(GREEN), Threshold(RED, 1))


def pair_factors(slo: SLO) -> tuple[tuple[Severity, float], ...]:
    """(severity, burn factor) of every pair that has an alert rule, in table order."""
    return tuple((w.severity, w.factor(slo.period)) for w in enabled_windows(slo))


def burn_stat_steps(slo: SLO) -> tuple[Threshold, ...]:
    """Green below every alert; orange from the slowest ticket pair; red from the slowest page
    pair (a 6x page is red, not orange). A severity with no enabled pair has no colour."""
    lowest: dict[Severity, float] = {}
    for severity, factor in pair_factors(slo):
        lowest[severity] = min(factor, lowest.get(severity, factor))
    steps = [Threshold(GREEN)]
    page = lowest.get(Severity.PAGE)
    ticket = lowest.get(Severity.TICKET)
    if ticket is not None and (page is None or ticket < page):
        steps.append(Threshold(ORANGE, ticket))
    if page is not None:
        steps.append(Threshold(RED, page))
    return tuple(steps)


def burn_line_steps(slo: SLO) -> tuple[Threshold, ...]:
    """One dashed line per enabled pair at its factor, red for pages and orange for tickets
    (a page wins where both share a factor)."""
    by_value: dict[float, Severity] = {}
    for severity, factor in pair_factors(slo):
        if by_value.get(factor) is not Severity.PAGE:
            by_value[factor] = severity
    lines = tuple(Threshold(SEVERITY_COLOURS[s], f) for f, s in sorted(by_value.items()))
    return (Threshold(GREEN), *lines)


def sli_steps(slo: SLO) -> tuple[Threshold, ...]:
    """Red below the objective, green at or above it."""
    return (Threshold(RED), Threshold(GREEN, round(slo.objective / 100, 12)))
