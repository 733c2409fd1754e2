"""Error-budget arithmetic: pure functions of ratios and durations, no Prometheus.

The budget of an SLO is the share of its window allowed to fail: `1 - objective`. How much of it
is left is `1 - spent / total`; it goes negative once overspent. A time-based SLI (uptime) counts
its budget in minutes of downtime (43.2 a month at 99.9%); a request-based one in requests.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

MINUTE = 60.0


@dataclass(frozen=True)
class Window:
    """The span a report covers: [start, end]. `period` is the span the budget is granted for:
    the rolling window itself, or the whole calendar month (of which only `end - start` has
    elapsed)."""

    start: float
    end: float
    period: float
    label: str

    @property
    def covered(self) -> float:
        return self.end - self.start


def rolling(end: float, period: int, label: str) -> Window:
    return Window(start=end - period, end=end, period=float(period), label=label)


def calendar_month(end: float) -> Window:
    """From 00:00 UTC on the 1st of `end`'s month to `end`; the budget is the whole month's."""
    day = datetime.fromtimestamp(end, UTC)
    first = datetime(day.year, day.month, 1, tzinfo=UTC)
    days = calendar.monthrange(day.year, day.month)[1]
    return Window(
        start=first.timestamp(),
        end=end,
        period=float(days * 86400),
        label=f"calendar month {day:%Y-%m}",
    )


@dataclass(frozen=True)
class Budget:
    unit: str  # "minutes" (time-based SLI) or "requests"
    total: float
    spent: float

    @property
    def remaining(self) -> float:
        return self.total - self.spent

    @property
    def fraction_remaining(self) -> float:
        """1 untouched, 0 spent, negative overspent."""
        return 1.0 - self.spent / self.total if self.total > 0 else 0.0


def budget(
    error_ratio: float, error_budget: float, window: Window, *, time_based: bool, events: float
) -> Budget:
    """The budget over `window`, given the error ratio measured over its elapsed part.

    Time-based: the period grants `error_budget * period` minutes; the elapsed part spent
    `error_ratio * elapsed` of them. Request-based: the requests served so far grant
    `error_budget * events` failures; `error_ratio * events` of them failed.
    """
    if time_based:
        return Budget(
            "minutes",
            total=error_budget * window.period / MINUTE,
            spent=error_ratio * window.covered / MINUTE,
        )
    return Budget("requests", total=error_budget * events, spent=error_ratio * events)


def burn_rate(error_ratio: float | None, error_budget: float) -> float | None:
    """How many times faster than sustainable the budget burns (1 = it lasts exactly)."""
    return None if error_ratio is None else error_ratio / error_budget


def exhaustion_seconds(
    fraction_remaining: float, burn: float | None, period: float
) -> float | None:
    """Seconds until the budget is gone at `burn`: 0 when already spent, None when not burning.

    At burn rate B the whole period's budget lasts period / B, so what is left lasts
    fraction_remaining * period / B.
    """
    if fraction_remaining <= 0:
        return 0.0
    if burn is None or burn <= 0:
        return None
    return fraction_remaining * period / burn
