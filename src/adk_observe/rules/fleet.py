"""The fleet-wide view of each SLO under `spec.clusters` (docs/fleet.md).

Every `slo:` series is per cluster: the SLI recordings aggregate `by (cluster, <group_by>)`,
the zero fallbacks are per cluster and every burn-rate alert fires per cluster. What the whole
fleet burns is recorded beside them under `fleet:` names (conventions.fleet_record), without the
cluster label, for `report` and the dashboards: a query of `slo:` series never mixes in the
fleet's, nor the other way round.

The fleet's rates are the sums of the clusters' recorded 5m rates, and every window's ratio is a
ratio of their sums over the window (exact for any traffic shape, the DESIGN's argument): one
series per cluster is read, never the raw series again. No alert reads the fleet view: the
fleet's ratio is the traffic-weighted mean of the clusters', so it can only cross a burn
threshold when a cluster does, and that cluster's own alert names it.
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, ServiceSpec
from adk_observe.promql import number, selector
from adk_observe.rules.kinds import sli_query
from adk_observe.rules.recordings import SHORT, slo_labels, slo_matchers, windows_needed
from adk_observe.rules.types import Recording


def fleet_ratio_series(spec: ServiceSpec, slo: SLO, window: int) -> str:
    name = c.fleet_record(c.record_sli_error_ratio(format_seconds(window)))
    return selector(name, slo_matchers(spec, slo))


def _ratios(spec: ServiceSpec, slo: SLO, label: str) -> list[Recording]:
    labels = slo_labels(spec, slo)
    match = slo_matchers(spec, slo)
    query = sli_query(spec, slo.sli)
    rules: list[Recording] = []
    if query.errors is None or query.total is None:
        # A raw ratio has no counts to weigh the clusters by: the fleet reads their mean.
        for window in windows_needed(slo):
            name = c.record_sli_error_ratio(format_seconds(window))
            expr = f"avg without ({label}) ({selector(name, match)})"
            rules.append(Recording(c.fleet_record(name), expr, labels))
        return rules
    errors, total = c.fleet_record(c.RECORD_SLI_ERRORS), c.fleet_record(c.RECORD_SLI_TOTAL)
    for name in (c.RECORD_SLI_ERRORS, c.RECORD_SLI_TOTAL):
        expr = f"sum without ({label}) ({selector(name, match)})"
        rules.append(Recording(c.fleet_record(name), expr, labels))
    for window in windows_needed(slo):
        text = format_seconds(window)
        if window == SHORT:
            expr = f"{selector(errors, match)} / ({selector(total, match)} > 0)"
        else:
            expr = (
                f"sum_over_time({selector(errors, match)}[{text}]) / "
                f"(sum_over_time({selector(total, match)}[{text}]) > 0)"
            )
        rules.append(Recording(c.fleet_record(c.record_sli_error_ratio(text)), expr, labels))
    return rules


def fleet_recordings(spec: ServiceSpec, slo: SLO) -> tuple[Recording, ...]:
    """Nothing without `spec.clusters`; else the fleet's SLI over every window and its
    objective, budget, budget left and burn rate."""
    if spec.clusters is None:
        return ()
    labels = slo_labels(spec, slo)
    budget = number(slo.error_budget)
    period = fleet_ratio_series(spec, slo, slo.period)
    short = fleet_ratio_series(spec, slo, SHORT)
    return (
        *_ratios(spec, slo, spec.clusters.label),
        Recording(
            c.fleet_record(c.RECORD_OBJECTIVE), f"vector({number(slo.objective / 100)})", labels
        ),
        Recording(c.fleet_record(c.RECORD_ERROR_BUDGET), f"vector({budget})", labels),
        Recording(c.fleet_record(c.RECORD_BUDGET_REMAINING), f"1 - {period} / {budget}", labels),
        Recording(c.fleet_record(c.RECORD_BURN_RATE), f"{short} / {budget}", labels),
    )
