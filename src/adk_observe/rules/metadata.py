"""Per-SLO metadata records that dashboards plot: objective, budget, what is left, burn rate."""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, ServiceSpec
from adk_observe.promql import number, selector
from adk_observe.rules.recordings import slo_labels, slo_matchers
from adk_observe.rules.types import Recording


def meta_recordings(spec: ServiceSpec, slo: SLO) -> tuple[Recording, ...]:
    labels = slo_labels(spec, slo)
    match = slo_matchers(spec, slo)
    budget = number(slo.error_budget)
    period_ratio = selector(c.record_sli_error_ratio(format_seconds(slo.period)), match)
    short_ratio = selector(c.record_sli_error_ratio(c.SHORT_RATE_WINDOW), match)
    return (
        Recording(c.RECORD_OBJECTIVE, f"vector({number(slo.objective / 100)})", labels),
        Recording(c.RECORD_ERROR_BUDGET, f"vector({budget})", labels),
        # 1 = untouched, 0 = spent, negative = overspent over the SLO period.
        Recording(c.RECORD_BUDGET_REMAINING, f"1 - {period_ratio} / {budget}", labels),
        # How many times faster than sustainable the budget burns right now (1 = exactly).
        Recording(c.RECORD_BURN_RATE, f"{short_ratio} / {budget}", labels),
    )
