"""Per-SLO metadata records that dashboards plot: objective, budget, what is left, burn rate."""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, ServiceSpec
from adk_observe.promql import number, selector
from adk_observe.rules.kinds import sli_query
from adk_observe.rules.recordings import slo_labels, slo_matchers
from adk_observe.rules.types import Recording


def _constant(spec: ServiceSpec, slo: SLO, value: float) -> str:
    """`vector(x)`; per cluster (spec.clusters), x on every cluster and group the SLI records,
    so that every `slo:` series carries the cluster label (rules/fleet.py)."""
    if spec.clusters is None:
        return f"vector({number(value)})"
    counts = sli_query(spec, slo.sli).total is not None
    anchor = c.RECORD_SLI_TOTAL if counts else c.record_sli_error_ratio(c.SHORT_RATE_WINDOW)
    return f"{selector(anchor, slo_matchers(spec, slo))} * 0 + {number(value)}"


def meta_recordings(spec: ServiceSpec, slo: SLO) -> tuple[Recording, ...]:
    labels = slo_labels(spec, slo)
    match = slo_matchers(spec, slo)
    budget = number(slo.error_budget)
    period_ratio = selector(c.record_sli_error_ratio(format_seconds(slo.period)), match)
    short_ratio = selector(c.record_sli_error_ratio(c.SHORT_RATE_WINDOW), match)
    return (
        Recording(c.RECORD_OBJECTIVE, _constant(spec, slo, slo.objective / 100), labels),
        Recording(c.RECORD_ERROR_BUDGET, _constant(spec, slo, slo.error_budget), labels),
        # 1 = untouched, 0 = spent, negative = overspent over the SLO period.
        Recording(c.RECORD_BUDGET_REMAINING, f"1 - {period_ratio} / {budget}", labels),
        # How many times faster than sustainable the budget burns right now (1 = exactly).
        Recording(c.RECORD_BURN_RATE, f"{short_ratio} / {budget}", labels),
    )
