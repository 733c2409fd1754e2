"""The multi-window multi-burn-rate table (Google SRE Workbook, "Alerting on SLOs") as data.

Each pair fires when both its windows burn faster than `budget_fraction * period / long`: for a
30-day period that is 14.4x, 6x, 3x and 1x. For other periods the same budget fractions give the
factors, so a 28-day SLO pages at 13.44x over 1h rather than at a 30-day number.
"""

from __future__ import annotations

from adk_observe.durations import format_seconds
from adk_observe.model import AlertWindow, Severity

HOUR = 3600
MINUTE = 60
DAY = 24 * HOUR

# The SLO period a spec gets unless it says otherwise, the one the table's factors are quoted for.
DEFAULT_PERIOD = 30 * DAY

# Each pair's tier is its stable name: the `burn_tier` label of its alerts, which Alertmanager
# inhibits on and `alerting.tiers.<tier>` switches off or re-severities.
DEFAULT_WINDOWS: tuple[AlertWindow, ...] = (
    # 2% of a 30d budget in 1h: a hard outage; pages within minutes, the 5m window resets it fast.
    AlertWindow(Severity.PAGE, 1 * HOUR, 5 * MINUTE, 0.02, tier="page-fast"),
    # 5% in 6h: a serious partial outage that the fast pair is too coarse to see.
    AlertWindow(Severity.PAGE, 6 * HOUR, 30 * MINUTE, 0.05, tier="page-slow"),
    # 10% in 1d: a slow leak worth a ticket, not a wake-up.
    AlertWindow(Severity.TICKET, 1 * DAY, 2 * HOUR, 0.10, tier="ticket-fast"),
    # 10% in 3d: burning exactly at budget; the period would end with nothing left.
    AlertWindow(Severity.TICKET, 3 * DAY, 6 * HOUR, 0.10, tier="ticket-slow"),
)

# Windows up to this length are computed from the raw series: cheap enough, and exact at the
# first evaluation after an outage starts. Longer windows are averaged from the recorded 5m
# rates (a ratio of sums, exact for any traffic shape) so no rule ever reads days of raw samples.
RAW_WINDOW_MAX = 6 * HOUR


def tier_name(severity: Severity, long: int, given: str = "") -> str:
    """The tier of a pair of a custom table: the name the spec gives it, else
    `<severity>-<long window>` (`page-10m`, `ticket-6h`). The default table's names
    (page-fast...) belong to its pairs only: in a custom table "fast" would mean nothing
    stable. Two pairs of one table may not share a tier (the loader says so)."""
    return given or f"{severity.value}-{format_seconds(long)}"


def window_from_factor(
    severity: Severity, long: int, short: int, factor: float, period: int, tier: str = ""
) -> AlertWindow:
    """A custom pair given as a burn factor rather than a budget share."""
    return AlertWindow(
        severity,
        long=long,
        short=short,
        budget_fraction=round(factor * long / period, 12),
        tier=tier_name(severity, long, tier),
    )


# One custom pair as a spec spells it: severity, long, short, either a budget percent or a burn
# factor (the other None), and its tier (tier_name's).
WindowSpec = tuple[Severity, int, int, float | None, float | None, str]


def resolve_windows(table: tuple[WindowSpec, ...] | None, period: int) -> tuple[AlertWindow, ...]:
    """The pairs of a custom table for an SLO of `period` seconds (the default table: None)."""
    if table is None:
        return DEFAULT_WINDOWS
    resolved = []
    for severity, long, short, percent, factor, tier in table:
        if factor is not None:
            resolved.append(window_from_factor(severity, long, short, factor, period, tier))
        else:
            resolved.append(AlertWindow(severity, long, short, (percent or 0) / 100, tier))
    return tuple(resolved)
