"""Error-budget arithmetic: pure functions of ratios and durations, no Prometheus; and what
counts as data among the rates a report reads (`usable`, `Rates.reading`).

The budget of an SLO is the share of its window allowed to fail: `1 - objective`. How much of it
is left is `1 - spent / total`; it goes negative once overspent. A time-based SLI (uptime) counts
its budget in minutes of downtime (43.2 a month at 99.9%); a request-based one in requests.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

MINUTE = 60.0

# A difference of two rates (a latency SLI's errors are all turns minus the good ones) can come
# out a float's rounding below zero; that much below zero, relative to the total, reads 0. More
# negative than that is not data, nor is a value so large that budget arithmetic would overflow.
NOISE = 1e-9
MAX_VALUE = 1e300
# Budget figures are kept to this many decimals (the JSON report's): Prometheus's rates carry a
# float's rounding (1e-16 relative), which must not move a figure that is exactly at a bound
# (0 left, 25% left against --min-budget 25, a burn of exactly 2) across it.
DIGITS = 9
NO_TRAFFIC = "no traffic in the window"
UNUSABLE = "no usable value (NaN, negative, missing or out of range)"
NO_SERIES = "no series (not scraped, or gone)"


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
        return round(1.0 - self.spent / self.total, DIGITS) if self.total > 0 else 0.0


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
    return None if error_ratio is None else round(error_ratio / error_budget, DIGITS)


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


def usable(value: float | None, scale: float = 1.0) -> float | None:
    """`value` when it is data: finite, at most MAX_VALUE and not below zero by more than
    NOISE x `scale` (which reads 0). None otherwise: not data, never zero."""
    if value is None or not (-NOISE * scale <= value <= MAX_VALUE):  # NaN fails this too
        return None
    return max(0.0, value)


def _ratio(value: float) -> tuple[float | None, str]:
    ratio = usable(value)
    return (None, UNUSABLE) if ratio is None else (min(1.0, ratio), "")


@dataclass(frozen=True)
class Rates:
    """An SLO's mean error and total rates over a window; `ratio` alone for raw-ratio SLIs."""

    errors: float | None = None
    total: float | None = None
    ratio_only: float | None = None
    recorded: float | None = None  # the ratio over the SLO period that the rules record

    @property
    def reading(self) -> tuple[float | None, str]:
        """(error ratio, why there is none). Errors are always answered (`or vector(0)` in
        the rules), so missing errors beside a total are an answer we cannot read."""
        if self.recorded is not None:
            return _ratio(self.recorded)
        if self.ratio_only is not None and self.total is None:
            return _ratio(self.ratio_only)
        total = usable(self.total)
        if total is None and self.total is not None:
            return None, UNUSABLE
        if not total:
            return None, NO_TRAFFIC  # no traffic: no ratio, never NaN
        errors = usable(self.errors, total)
        if errors is None:
            return None, UNUSABLE
        return min(1.0, errors / total), ""

    @property
    def absent(self) -> bool:
        """No total and no ratio at all: no series, not a total of zero (no traffic). (Errors
        are always answered, `or vector(0)`, so they do not count.)"""
        return all(v is None for v in (self.total, self.ratio_only, self.recorded))

    @property
    def error_ratio(self) -> float | None:
        return self.reading[0]

    @property
    def requests(self) -> float | None:
        """The mean total rate when it is data and above zero."""
        return usable(self.total) or None
