"""Budget arithmetic with figures worked out by hand (the seed's 43.2 minutes a month at 99.9%)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adk_observe.checks.budget import (
    NO_TRAFFIC,
    UNUSABLE,
    Rates,
    budget,
    calendar_month,
    exhaustion_seconds,
    rolling,
)

DAY = 86400
near = pytest.approx


def test_a_99_9_percent_uptime_slo_grants_43_2_minutes_a_month() -> None:
    window = rolling(1_800_000_000, 30 * DAY, "30d")
    b = budget(0.0005, 0.001, window, time_based=True, events=0)
    assert (b.unit, b.total, b.spent) == ("minutes", near(43.2), near(21.6))
    assert b.fraction_remaining == near(0.5)


def test_a_request_slo_counts_the_failures_its_requests_allow() -> None:
    window = rolling(1_800_000_000, 30 * DAY, "30d")
    b = budget(0.002, 0.001, window, time_based=False, events=1_000_000)
    # 1,000 failures allowed, 2,000 happened: overspent by a whole budget.
    assert (b.unit, b.total, b.spent, b.remaining) == (
        "requests",
        near(1000),
        near(2000),
        near(-1000),
    )
    assert b.fraction_remaining == near(-1.0)


def test_a_calendar_month_starts_on_the_first_and_grants_the_whole_month() -> None:
    at = datetime(2028, 2, 10, 12, tzinfo=UTC).timestamp()  # 2028 is a leap year
    window = calendar_month(at)
    assert window.start == datetime(2028, 2, 1, tzinfo=UTC).timestamp()
    assert window.period == 29 * DAY
    assert window.covered == 9.5 * DAY
    assert window.label == "calendar month 2028-02"
    # 99.9% over February 2028: 41.76 minutes; 10 minutes down so far.
    b = budget(600 / (9.5 * DAY), 0.001, window, time_based=True, events=0)
    assert (b.total, b.spent) == (near(41.76), near(10))


@pytest.mark.parametrize(
    ("left", "burn", "expected"),
    [
        (0.5, 2.0, 7.5 * DAY),  # half of a 30d budget at twice the sustainable rate
        (1.0, 1.0, 30 * DAY),  # untouched, burning exactly at budget: lasts the period
        (0.0, 5.0, 0.0),  # spent: now
        (-0.2, 1.0, 0.0),  # overspent: now
        (0.7, 0.0, None),  # not burning: never
        (0.7, None, None),  # no traffic in the last hour: never
    ],
)
def test_time_to_exhaustion(left: float, burn: float | None, expected: float | None) -> None:
    assert exhaustion_seconds(left, burn, 30 * DAY) == expected


@pytest.mark.parametrize(
    ("rates", "ratio", "why"),
    [
        (Rates(errors=1.0, total=100.0), 0.01, ""),
        (Rates(errors=0.0, total=0.0), None, NO_TRAFFIC),  # no traffic: no ratio, not NaN
        (Rates(errors=None, total=None), None, NO_TRAFFIC),
        (Rates(ratio_only=0.02), 0.02, ""),  # a raw-ratio SLI
        (Rates(recorded=0.003, total=5.0), 0.003, ""),  # the recorded period ratio wins
        (Rates(recorded=1.7, total=5.0), 1.0, ""),  # more errors than requests: all failed
        # Histogram subtraction noise (all turns minus the good ones) a rounding below zero
        # reads 0, within 1e-9 of the total; more negative than that is not data.
        (Rates(errors=-1e-12, total=1.0), 0.0, ""),
        (Rates(errors=-2e-9, total=1.0), None, UNUSABLE),
        # Errors are always answered (`or vector(0)`): missing ones beside a total, negative
        # ones or ones too large for the arithmetic are not data, never zero errors.
        (Rates(errors=None, total=100.0), None, UNUSABLE),
        (Rates(errors=-0.5, total=100.0), None, UNUSABLE),
        (Rates(errors=1e301, total=1e301), None, UNUSABLE),
        (Rates(errors=1.0, total=-100.0), None, UNUSABLE),
        (Rates(recorded=-0.01), None, UNUSABLE),
        (Rates(ratio_only=-0.01), None, UNUSABLE),
    ],
)
def test_the_error_ratio_of_rates(rates: Rates, ratio: float | None, why: str) -> None:
    assert rates.reading == ((None if ratio is None else near(ratio)), why)
