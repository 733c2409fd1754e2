"""The PromQL a report runs.

Recorded: the ratio over a rolling SLO period and over each alert window is the
`slo:sli_error:ratio_rate<window>` series the rules record (one sample each). A window without
a recording (a calendar month) and the event count read the `slo:sli_errors:rate5m` /
`slo:sli_total:rate5m` series (and the 5m ratio for raw-ratio SLIs) averaged over the window: the
mean of the 5m rates over W times W is the events in W, so their quotient is a ratio of sums
(exact for any traffic shape), and the mean total gives the request count. One query answers
every SLO and every window of a service. Raw: the SLI's own expressions over each window, one
query per SLO (the fallback right after the rules are deployed, and the bench's baseline).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, BuiltinSLI, ServiceSpec
from adk_observe.promql import eq, fill, regex, selector
from adk_observe.rules.kinds import sli_query

PART = c.LABEL_REPORT_PART  # the label telling the parts of one answer apart
WINDOW = c.LABEL_REPORT_WINDOW  # and the windows, when one query reads several
NAME = c.LABEL_NAME
ERRORS, TOTAL, RATIO = "errors", "total", "ratio"
FIRST_STEP = 60  # the resolution of `first_seen`


def time_based(slo: SLO) -> bool:
    """Uptime counts scrape samples: its budget is minutes of downtime, not requests."""
    return isinstance(slo.sli, BuiltinSLI) and slo.sli.kind.counts_time


def counts_events(spec: ServiceSpec, slo: SLO) -> bool:
    query = sli_query(spec, slo.sli)
    return query.errors is not None and query.total is not None


def _tag(expr: str, part: str, label: str = PART) -> str:
    return f'label_replace({expr}, "{label}", "{part}", "", "")'


def _service(spec: ServiceSpec) -> str:
    return eq(c.LABEL_SERVICE, spec.name)


def _name(name: str, fleet: bool) -> str:
    """A recorded series' name, or (spec.clusters) its fleet-wide view's (rules/fleet.py)."""
    return c.fleet_record(name) if fleet else name


def recorded(
    spec: ServiceSpec, seconds: int, only: Iterable[str] | None = None, fleet: bool = False
) -> str:
    """Every SLO of the service over one window, from the recorded series.

    With `only`, the error parts are read for those SLOs alone (the others' ratio over this
    window is already known from its own recording) and the total for every SLO. `fleet`: the
    fleet-wide recordings of spec.clusters instead of the per-cluster ones.
    """
    w = format_seconds(seconds)
    sel = _service(spec)
    some = sel if only is None else ",".join((sel, regex(c.LABEL_SLO, "|".join(sorted(only)))))
    total = f"avg_over_time({selector(_name(c.RECORD_SLI_TOTAL, fleet), sel)}[{w}])"
    parts = [_tag(total, TOTAL)]
    if only is None or only:
        errors = f"avg_over_time({selector(_name(c.RECORD_SLI_ERRORS, fleet), some)}[{w}])"
        short = _name(c.record_sli_error_ratio(c.SHORT_RATE_WINDOW), fleet)
        ratio = f"avg_over_time({selector(short, some)}[{w}])"
        parts = [_tag(errors, ERRORS), *parts, _tag(ratio, RATIO)]
    return " or ".join(parts)


def recorded_windows(
    spec: ServiceSpec,
    windows: Iterable[int],
    only: dict[int, set[str]] | None = None,
    fleet: bool = False,
) -> str:
    """Every SLO of the service over several windows in one query (one round trip)."""
    only = only or {}
    return " or ".join(
        _tag(f"({recorded(spec, w, only.get(w), fleet)})", format_seconds(w), WINDOW)
        for w in sorted(set(windows))
    )


def recorded_ratios(spec: ServiceSpec, windows: Iterable[str], fleet: bool = False) -> str:
    """The error ratios the rules record per window (`slo:sli_error:ratio_rate1h`...): one
    sample per SLO and window, where averaging the 5m rates over 30 days reads 43,200."""
    names = "|".join(
        re.escape(_name(c.record_sli_error_ratio(w), fleet)) for w in sorted(set(windows))
    )
    return f'{{{NAME}=~"{names}",{_service(spec)}}}'


def window_of(metric: str) -> str:
    """`slo:sli_error:ratio_rate1h` (or its fleet view's name) -> `1h`."""
    for prefix in (c.record_sli_error_ratio(""), c.fleet_record(c.record_sli_error_ratio(""))):
        if metric.startswith(prefix):
            return metric.removeprefix(prefix)
    return ""


def coverage(spec: ServiceSpec, tolerance: int, fleet: bool = False) -> str:
    """Which SLOs have a recorded sample within `tolerance` after the instant it is run at.

    Event SLIs record their total (present even at zero traffic); raw ratios only their 5m ratio.
    """
    sel = _service(spec)
    t = format_seconds(tolerance)
    total = f"last_over_time({selector(_name(c.RECORD_SLI_TOTAL, fleet), sel)}[{t}])"
    short = _name(c.record_sli_error_ratio(c.SHORT_RATE_WINDOW), fleet)
    ratio = f"last_over_time({selector(short, sel)}[{t}])"
    return f"{total} or {ratio}"


def raw(spec: ServiceSpec, slo: SLO, seconds: int) -> str:
    """One SLO over one window, from the raw series its SLI is defined on."""
    query = sli_query(spec, slo.sli)
    w = format_seconds(seconds)
    if query.errors is None or query.total is None:
        return _tag(query.ratio_at(w), RATIO)
    errors, total = fill(query.errors, w), fill(query.total, w)
    return f"{_tag(f'({errors})', ERRORS)} or {_tag(total, TOTAL)}"


def first_seen(spec: ServiceSpec, slo: SLO, seconds: int) -> str:
    """The first minute of the window in which the SLI has events: the evaluation times
    (`timestamp`) of a 1m subquery of its total over 1m, their minimum. A sample at that step
    lies within the minute before it."""
    query = sli_query(spec, slo.sli)
    total = fill(query.total or query.ratio, format_seconds(FIRST_STEP))
    w, step = format_seconds(seconds), format_seconds(FIRST_STEP)
    return f"min_over_time(timestamp({total})[{w}:{step}])"


def raw_windows(spec: ServiceSpec, slo: SLO, windows: Iterable[int]) -> str:
    """One SLO over several windows from its raw series, in one query."""
    return " or ".join(
        _tag(f"({raw(spec, slo, w)})", format_seconds(w), WINDOW) for w in sorted(set(windows))
    )


def firing(spec: ServiceSpec) -> str:
    return selector(c.ALERTS_SERIES, eq(c.LABEL_ALERT_STATE, c.ALERT_STATE_FIRING), _service(spec))
