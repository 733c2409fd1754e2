"""The error-budget report: what every SLO of every service has left, read from Prometheus.

`build_report()` asks Prometheus (through the client and checks/report_reader.py's `Reader`);
the model it returns is plain frozen data that the renderers (checks/report_render.py,
checks/report_html.py) and the gate (checks/gate.py) read.

Per SLO it uses the recorded series when they reach back to the start of the window and the raw
series otherwise (right after the rules are deployed), and says which in `source`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from adk_observe import conventions as c
from adk_observe.checks import budget_queries as q
from adk_observe.checks.budget import (
    NO_SERIES,
    NO_TRAFFIC,
    UNUSABLE,
    Budget,
    Window,
    budget,
    burn_rate,
    calendar_month,
    exhaustion_seconds,
    rolling,
)
from adk_observe.checks.prometheus import PrometheusClient, Sample, Series
from adk_observe.checks.report_fleet import Firing as Firing
from adk_observe.checks.report_fleet import GroupReport, group_reports, shown
from adk_observe.checks.report_history import History, slo_history
from adk_observe.checks.report_reader import RAW as RAW
from adk_observe.checks.report_reader import RECORDED as RECORDED
from adk_observe.checks.report_reader import Reader
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, ServiceSpec

# The budget is projected to run out at the burn rate of the last hour (the fast page window).
EXHAUSTION_WINDOW = 3600
HISTORY_POINTS = 96  # points of each chart in the HTML report
MIN_WINDOW = 60
PARALLEL_SERVICES = 4
MIN_STEP = 15  # a chart step still holds several scrapes at the usual 15s interval or faster


@dataclass(frozen=True)
class Pair:
    """One alert window pair and the burn rates of its two windows now."""

    severity: str
    windows: str  # "1h/5m"
    factor: float
    long: float | None
    short: float | None

    @property
    def over(self) -> bool:
        """Both windows burn faster than the factor: the alert's condition holds."""
        return (
            self.long is not None
            and self.short is not None
            and self.long > self.factor
            and self.short > self.factor
        )


@dataclass(frozen=True)
class SLOReport:
    name: str
    objective: float  # percent
    window: Window
    source: str
    error_ratio: float | None
    budget: Budget | None
    burn_rates: tuple[tuple[str, float | None], ...]  # window -> rate, shortest first
    pairs: tuple[Pair, ...]
    exhaustion_seconds: float | None
    firing: tuple[Firing, ...]
    time_based: bool
    history: History | None = None
    no_data: str = ""  # why error_ratio is None
    # Why the 1h burn cannot be shown (its answer is not data, or there is no series at all);
    # empty when it is a number or there was simply no traffic.
    burn_no_data: str = ""
    # spec.clusters: the SLO per cluster (and group); the figures above are the fleet's.
    groups: tuple[GroupReport, ...] = ()

    @property
    def sli(self) -> float | None:
        return None if self.error_ratio is None else 1.0 - self.error_ratio

    @property
    def budget_remaining(self) -> float | None:
        return None if self.budget is None else self.budget.fraction_remaining

    def burn(self, window: str) -> float | None:
        return dict(self.burn_rates).get(window)


@dataclass(frozen=True)
class ServiceReport:
    name: str
    slos: tuple[SLOReport, ...]
    firing: tuple[Firing, ...]  # alerts of the service not tied to an SLO (the agent pack)


@dataclass(frozen=True)
class Report:
    at: float
    prometheus: str
    calendar: bool
    services: tuple[ServiceReport, ...]
    # Prometheus's warnings on the answers read (a remote-read or Thanos store that did not
    # answer): the figures may rest on partial data.
    warnings: tuple[str, ...] = ()


# --- reading ------------------------------------------------------------------------------------


def cluster_labels(spec: ServiceSpec) -> set[str]:
    return set() if spec.clusters is None else {spec.clusters.label}


def _window(slo: SLO, at: float, calendar: bool) -> Window:
    return calendar_month(at) if calendar else rolling(at, slo.period, format_seconds(slo.period))


def _seconds(value: float) -> int:
    return max(MIN_WINDOW, round(value))


def _burn_windows(slo: SLO) -> list[int]:
    return sorted({w for p in slo.windows for w in (p.long, p.short)} | {EXHAUSTION_WINDOW})


def _firing(samples: Sequence[Sample]) -> dict[str, tuple[Firing, ...]]:
    out: dict[str, list[Firing]] = defaultdict(list)
    for s in samples:
        labels = s.labels
        out[labels.get(c.LABEL_SLO, "")].append(
            Firing(
                shown(labels.get(c.LABEL_ALERTNAME, "")),
                shown(labels.get(c.LABEL_SEVERITY, "")),
                shown(labels.get(c.LABEL_WINDOWS, "")),
            )
        )
    return {
        k: tuple(sorted(set(v), key=lambda f: (f.alertname, f.severity, f.windows)))
        for k, v in out.items()
    }


def _slo_report(
    reader: Reader,
    slo: SLO,
    window: Window,
    source: str,
    firing: tuple[Firing, ...],
    history: bool,
    alerts: tuple[Sequence[Series], int],
    chart_from: float,
) -> SLOReport:
    eb = slo.error_budget
    whole = reader.rates(slo, _seconds(window.covered), source)
    ratio, no_data = whole.reading
    timed = q.time_based(slo)
    requests = whole.requests
    if ratio is not None and not timed and requests is None:
        # A request budget is a share of the requests: without their count there is none.
        ratio, no_data = None, NO_TRAFFIC if whole.total in (None, 0) else UNUSABLE
    events = (requests or 0.0) * window.covered
    spent = None if ratio is None else _spent(reader, slo, window, source, ratio, events)
    burns = tuple(
        (format_seconds(w), burn_rate(reader.rates(slo, w, source).error_ratio, eb))
        for w in _burn_windows(slo)
    )
    by_window = dict(burns)
    pairs = tuple(
        Pair(
            p.severity.value,
            f"{format_seconds(p.long)}/{format_seconds(p.short)}",
            p.factor(slo.period),
            by_window[format_seconds(p.long)],
            by_window[format_seconds(p.short)],
        )
        for p in slo.windows
    )
    exhaustion = (
        None
        if spent is None
        else exhaustion_seconds(
            spent.fraction_remaining, by_window[format_seconds(EXHAUSTION_WINDOW)], window.period
        )
    )
    chart = replace(window, start=max(window.start, chart_from))
    step = max(MIN_STEP, round(chart.covered / HISTORY_POINTS))
    return SLOReport(
        name=slo.name,
        objective=slo.objective,
        window=window,
        source=source,
        error_ratio=ratio,
        budget=spent,
        burn_rates=burns,
        pairs=pairs,
        exhaustion_seconds=exhaustion,
        firing=firing,
        time_based=timed,
        history=slo_history(reader, slo, source, chart, alerts, step) if history else None,
        no_data=no_data,
        burn_no_data=_burn_no_data(reader, slo, source),
    )


def _spent(
    reader: Reader, slo: SLO, window: Window, source: str, ratio: float, events: float
) -> Budget:
    """The budget spent over `window`. Downtime is the down share of the time observed: a
    service younger than its window (its raw series start inside it; recordings that reach back
    to the start mean it is not) was not down before it existed."""
    timed = q.time_based(slo)
    observed = reader.observed(slo, window) if timed and source == RAW else window
    return budget(ratio, slo.error_budget, observed, time_based=timed, events=events)


def _burn_no_data(reader: Reader, slo: SLO, source: str) -> str:
    """Why the 1h burn cannot be shown: no series at all, or an answer that is not data; ""
    when it is a number or there was simply no traffic (counters scraped, nothing burns)."""
    hour = reader.rates(slo, EXHAUSTION_WINDOW, source)
    return NO_SERIES if hour.absent else UNUSABLE if hour.reading[1] == UNUSABLE else ""


def _prefetch(
    reader: Reader, chosen: Sequence[SLO], windows: dict[str, Window], covered: set[str]
) -> None:
    """Read every window each SLO needs up front: the recorded series of the `covered` SLOs in
    one go, the raw series of each other SLO in one query of its own."""
    needed = {
        slo.name: (_seconds(windows[slo.name].covered), *_burn_windows(slo)) for slo in chosen
    }
    needs: dict[int, set[str]] = defaultdict(set)
    for slo in chosen:
        if slo.name in covered:
            for w in needed[slo.name]:
                needs[w].add(slo.name)
    # The period's mean total rate gives the request count. (A calendar month has no recording
    # of its own: its ratio comes from the mean rates like any window without one.)
    reader.prefetch(needs, {needed[slo.name][0] for slo in chosen if slo.name in covered})
    for slo in chosen:
        if slo.name not in covered:
            reader.prefetch_raw(slo, needed[slo.name])


def _alert_history(
    client: PrometheusClient,
    spec: ServiceSpec,
    at: float,
    windows: dict[str, Window],
    chart_from: float,
) -> tuple[Sequence[Series], int]:
    """The service's alerts over the charts' span, and the step they were read at."""
    if not windows:
        return (), MIN_WINDOW
    first = max(chart_from, min(w.start for w in windows.values()))
    step = max(MIN_STEP, round((at - first) / HISTORY_POINTS))
    return client.query_range(q.firing(spec), first, at, step), step


def service_report(
    client: PrometheusClient,
    spec: ServiceSpec,
    at: float,
    *,
    calendar: bool = False,
    history: bool = False,
    slos: Sequence[str] = (),
    force_raw: bool = False,
    chart_from: float = 0.0,
) -> ServiceReport:
    chosen = [s for s in spec.slos if not slos or s.name in slos]
    windows = {slo.name: _window(slo, at, calendar) for slo in chosen}
    reader = Reader(client, spec, at)
    covered = set() if force_raw else reader.covered(windows)
    recorded = set(covered)
    # A per-group SLO records one series per group; the report gives its figures across all
    # groups, from the raw counters (the ungrouped SLI), rather than one group's recordings.
    # Per cluster alone (spec.clusters), the fleet view records the figures across clusters.
    covered -= {slo.name for slo in chosen if set(slo.group_by) - cluster_labels(spec)}
    _prefetch(reader, chosen, windows, covered)
    alert_samples = client.query(q.firing(spec), at)
    firing = _firing(alert_samples)
    rows = group_reports(
        client,
        spec,
        [(slo, windows[slo.name], slo.name in recorded) for slo in chosen],
        alert_samples,
        at,
    )
    alerts = _alert_history(client, spec, at, windows, chart_from) if history else ((), MIN_WINDOW)
    reports = tuple(
        _slo_report(
            reader,
            slo,
            windows[slo.name],
            RECORDED if slo.name in covered else RAW,
            firing.get(slo.name, ()),
            history,
            alerts,
            chart_from,
        )
        for slo in chosen
    )
    reports = tuple(replace(r, groups=rows.get(r.name, ())) for r in reports)
    return ServiceReport(spec.name, reports, firing.get("", ()))


def build_report(
    client: PrometheusClient,
    specs: Sequence[ServiceSpec],
    at: float,
    *,
    calendar: bool = False,
    history: bool = False,
    slos: Sequence[str] = (),
    force_raw: bool = False,
    chart_from: float = 0.0,
) -> Report:
    """`chart_from`: draw the HTML charts from this instant (when no data is older, as in the
    demo) instead of from the start of each window."""

    def one(spec: ServiceSpec) -> ServiceReport:
        try:
            return service_report(
                client,
                spec,
                at,
                calendar=calendar,
                history=history,
                slos=slos,
                force_raw=force_raw,
                chart_from=chart_from,
            )
        except BaseException:
            client.abort()  # at once, in this worker: the next service must not start asking
            raise

    # Services are independent: a few in flight at once let Prometheus use more than one core
    # (it evaluates each query on one). Results keep the specs' order; the first error raises.
    # The first error ends the report: the services not started yet are cancelled (or fail
    # before their first query) and those in flight fail at their next query (each query is
    # bounded by its own deadline).
    pool = ThreadPoolExecutor(max_workers=PARALLEL_SERVICES)
    try:
        services = tuple(pool.map(one, specs))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return Report(at, client.url, calendar, services, client.warnings)
