"""Per-SLO SLI recording rules: short-window event rates and the error ratio per window."""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.durations import format_seconds, parse_seconds
from adk_observe.model import SLO, RawSLI, ServiceSpec
from adk_observe.promql import eq, fill, selector
from adk_observe.rules.kinds import sli_query
from adk_observe.rules.types import Pairs, Recording, merge
from adk_observe.windows import RAW_WINDOW_MAX

SHORT = parse_seconds(c.SHORT_RATE_WINDOW)


def slo_labels(spec: ServiceSpec, slo: SLO) -> Pairs:
    return merge(slo.labels, {c.LABEL_SERVICE: spec.name, c.LABEL_SLO: slo.name})


def slo_matchers(spec: ServiceSpec, slo: SLO) -> str:
    return ",".join((eq(c.LABEL_SERVICE, spec.name), eq(c.LABEL_SLO, slo.name)))


def windows_needed(slo: SLO) -> tuple[int, ...]:
    """Every window an alert reads, the SLO period, and the 5m window the burn rate uses."""
    needed = {SHORT, slo.period}
    for pair in slo.windows:
        needed.update((pair.long, pair.short))
    return tuple(sorted(needed))


def ratio_series(spec: ServiceSpec, slo: SLO, window: int) -> str:
    return selector(c.record_sli_error_ratio(format_seconds(window)), slo_matchers(spec, slo))


def sli_recordings(spec: ServiceSpec, slo: SLO) -> tuple[Recording, ...]:
    # Grouped, every expression keeps the group labels: the recordings below select by service
    # and slo only, so each binary operation pairs a group's errors with its own total.
    query = sli_query(spec, slo.sli, slo.group_by)
    labels = slo_labels(spec, slo)
    short = c.SHORT_RATE_WINDOW
    match = slo_matchers(spec, slo)
    rules: list[Recording] = []
    counts_events = query.errors is not None and query.total is not None
    # A raw SLI imported from Sloth is evaluated over each alert window, as Sloth does.
    raw_windows = (
        {w for pair in slo.windows for w in (pair.long, pair.short)}
        if isinstance(slo.sli, RawSLI) and slo.sli.every_window
        else set()
    )
    if query.errors is not None and query.total is not None:
        rules.append(Recording(c.RECORD_SLI_ERRORS, fill(query.errors, short), labels))
        rules.append(Recording(c.RECORD_SLI_TOTAL, fill(query.total, short), labels))
    for window in windows_needed(slo):
        text = format_seconds(window)
        if window == SHORT and counts_events:
            errors = selector(c.RECORD_SLI_ERRORS, match)
            total = selector(c.RECORD_SLI_TOTAL, match)
            expr = f"{errors} / ({total} > 0)"
        elif window <= RAW_WINDOW_MAX or window in raw_windows:
            expr = query.ratio_at(text)
        elif counts_events:
            errors = f"sum_over_time({selector(c.RECORD_SLI_ERRORS, match)}[{text}])"
            total = f"sum_over_time({selector(c.RECORD_SLI_TOTAL, match)}[{text}])"
            expr = f"{errors} / ({total} > 0)"
        else:
            # A raw ratio has no event counts to sum, so the best available is the mean of the
            # 5m ratios (exact only under steady traffic: docs/importers.md says so).
            five = c.record_sli_error_ratio(short)
            expr = f"avg_over_time({selector(five, match)}[{text}])"
        rules.append(Recording(c.record_sli_error_ratio(text), expr, labels))
    return tuple(rules)
