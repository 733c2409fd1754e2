"""The multi-window multi-burn-rate table (Google SRE Workbook, "Alerting on SLOs") as data.

Each pair fires when both its windows burn faster than `budget_fraction * period / long`: for a
30-day period that is 14.4x, 6x, 3x and 1x. For other periods the same budget fractions give the
factors, so a 28-day SLO pages at 13.44x over 1h rather than at a 30-day number.
"""

from __future__ import annotations

from adk_observe.model import AlertWindow, Severity

HOUR = 3600
MINUTE = 60
DAY = 24 * HOUR

# The SLO period a spec gets unless it says otherwise, the one the table's factors are quoted for.
DEFAULT_PERIOD = 30 * DAY

DEFAULT_WINDOWS: tuple[AlertWindow, ...] = (
    # 2% of a 30d budget in 1h: a hard outage; pages within minutes, the 5m window resets it fast.
    AlertWindow(Severity.PAGE, long=1 * HOUR, short=5 * MINUTE, budget_fraction=0.02),
    # 5% in 6h: a serious partial outage that the fast pair is too coarse to see.
    AlertWindow(Severity.PAGE, long=6 * HOUR, short=30 * MINUTE, budget_fraction=0.05),
    # 10% in 1d: a slow leak worth a ticket, not a wake-up.
    AlertWindow(Severity.TICKET, long=1 * DAY, short=2 * HOUR, budget_fraction=0.10),
    # 10% in 3d: burning exactly at budget; the period would end with nothing left.
    AlertWindow(Severity.TICKET, long=3 * DAY, short=6 * HOUR, budget_fraction=0.10),
)

# Windows up to this length are computed from the raw series: cheap enough, and exact at the
# first evaluation after an outage starts. Longer windows are averaged from the recorded 5m
# rates (a ratio of sums, exact for any traffic shape) so no rule ever reads days of raw samples.
RAW_WINDOW_MAX = 6 * HOUR


def window_from_factor(
    severity: Severity, long: int, short: int, factor: float, period: int
) -> AlertWindow:
    """A custom pair given as a burn factor rather than a budget share."""
    return AlertWindow(
        severity, long=long, short=short, budget_fraction=round(factor * long / period, 12)
    )


# One custom pair as a spec spells it: severity, long, short, and either a budget percent or a
# burn factor (the other None).
WindowSpec = tuple[Severity, int, int, float | None, float | None]


def resolve_windows(table: tuple[WindowSpec, ...] | None, period: int) -> tuple[AlertWindow, ...]:
    """The pairs of a custom table for an SLO of `period` seconds (the default table: None)."""
    if table is None:
        return DEFAULT_WINDOWS
    resolved = []
    for severity, long, short, percent, factor in table:
        if factor is not None:
            resolved.append(window_from_factor(severity, long, short, factor, period))
        else:
            resolved.append(AlertWindow(severity, long, short, (percent or 0) / 100))
    return tuple(resolved)
