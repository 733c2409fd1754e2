"""The error-budget report: what every SLO of every service has left, read from Prometheus.

`build_report()` is the only function here that talks to Prometheus (through the client); the
model it returns is plain frozen data that the renderers (checks/report_render.py,
checks/report_html.py) and the gate (checks/gate.py) read.

Per SLO it uses the recorded series when they reach back to the start of the window and the raw
series otherwise (right after the rules are deployed), and says which in `source`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from adk_observe import conventions as c
from adk_observe.checks import budget_queries as q
from adk_observe.checks.budget import (
    NO_TRAFFIC,
    UNUSABLE,
    Budget,
    Rates,
    Window,
    budget,
    burn_rate,
    calendar_month,
    exhaustion_seconds,
    rolling,
)
from adk_observe.checks.prometheus import PrometheusClient, Sample, Series
from adk_observe.checks.report_fleet import LABEL_LIMIT, GroupReport, group_reports
from adk_observe.checks.report_fleet import Firing as Firing
from adk_observe.durations import format_seconds
from adk_observe.errors import printable
from adk_observe.model import SLO, ServiceSpec

RECORDED, RAW = "recorded", "raw"
# Recorded series count as covering the window when a sample exists this soon after its start:
# what is missing (at most 15m of a 30d window, 0.03%) is below the report's precision.
COVER_TOLERANCE = 15 * 60
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
class AlertSpan:
    start: float
    end: float
    severity: str
    windows: str


@dataclass(frozen=True)
class BurnLine:
    windows: str
    factor: float
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class History:
    """What the HTML report draws: the budget burn-down, burn rates and alert spans."""

    start: float  # the window's start, or later when told where the data begins
    end: float
    budget: tuple[tuple[float, float], ...]
    burns: tuple[BurnLine, ...]
    alerts: tuple[AlertSpan, ...]


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


# --- reading ------------------------------------------------------------------------------------


def _rates(samples: Iterable[Sample], key: str = c.LABEL_SLO) -> dict[str, Rates]:
    parts: dict[str, dict[str, float]] = defaultdict(dict)
    for s in samples:
        parts[s.labels.get(key, "")][s.labels.get(q.PART, "")] = s.value
    return {
        name: Rates(p.get(q.ERRORS), p.get(q.TOTAL), p.get(q.RATIO)) for name, p in parts.items()
    }


def cluster_labels(spec: ServiceSpec) -> set[str]:
    return set() if spec.clusters is None else {spec.clusters.label}


def _window(slo: SLO, at: float, calendar: bool) -> Window:
    return calendar_month(at) if calendar else rolling(at, slo.period, format_seconds(slo.period))


def _seconds(value: float) -> int:
    return max(MIN_WINDOW, round(value))


def _burn_windows(slo: SLO) -> list[int]:
    return sorted({w for p in slo.windows for w in (p.long, p.short)} | {EXHAUSTION_WINDOW})


class _Reader:
    """Runs the queries of one service and one instant, reusing answers across SLOs."""

    def __init__(self, client: PrometheusClient, spec: ServiceSpec, at: float) -> None:
        self.client, self.spec, self.at = client, spec, at
        # spec.clusters: the SLO's own figures are the fleet's (rules/fleet.py's `fleet:` view).
        self.fleet = spec.clusters is not None
        self._recorded: dict[int, dict[str, Rates]] = {}
        self._ranges: dict[tuple[int, float, int], list[Series]] = {}
        self._raw: dict[tuple[str, int], Rates] = {}

    def covered(self, windows: dict[str, Window]) -> set[str]:
        names: set[str] = set()
        for start in sorted({w.start for w in windows.values()}):
            when = min(self.at, start + COVER_TOLERANCE)
            answer = self.client.query(q.coverage(self.spec, COVER_TOLERANCE, self.fleet), when)
            found = {s.labels.get(c.LABEL_SLO, "") for s in answer}
            names |= {n for n, w in windows.items() if w.start == start and n in found}
        return names

    def prefetch(self, needs: dict[int, set[str]], counts: set[int]) -> None:
        """Read every window of the recorded series at once: two queries per service (the
        recorded ratios, then the mean rates).

        `needs`: window -> the SLOs that need their ratio over it. The rules record the ratio
        over every alert window and the SLO period (one sample each); only the SLOs without such
        a recording have their mean rates read. `counts`: windows whose mean total rate is read
        for every SLO anyway (the period: it gives the request count).
        """
        texts = {format_seconds(w): w for w in needs}
        known: dict[int, dict[str, float]] = defaultdict(dict)
        for s in self.client.query(q.recorded_ratios(self.spec, texts, self.fleet), self.at):
            window = texts.get(q.window_of(s.labels.get(q.NAME, "")))
            name = s.labels.get(c.LABEL_SLO, "")
            if window is not None and name in needs[window]:
                known[window][name] = s.value
        only = {w: names - set(known[w]) for w, names in needs.items()}
        wanted = sorted(w for w in needs if only[w] or w in counts)
        by_window: dict[str, list[Sample]] = defaultdict(list)
        if wanted:
            query = q.recorded_windows(self.spec, wanted, only, self.fleet)
            for s in self.client.query(query, self.at):
                by_window[s.labels.get(q.WINDOW, "")].append(s)
        for w in needs:
            rates = _rates(by_window.get(format_seconds(w), []))
            for name, ratio in known[w].items():
                rates[name] = replace(rates.get(name, Rates()), recorded=ratio)
            self._recorded[w] = rates

    def rates(self, slo: SLO, seconds: int, source: str) -> Rates:
        if source == RECORDED:
            if seconds not in self._recorded:
                answer = self.client.query(
                    q.recorded(self.spec, seconds, fleet=self.fleet), self.at
                )
                self._recorded[seconds] = _rates(answer)
            return self._recorded[seconds].get(slo.name, Rates())
        if (slo.name, seconds) not in self._raw:
            self.prefetch_raw(slo, [seconds])
        return self._raw[(slo.name, seconds)]

    def prefetch_raw(self, slo: SLO, windows: Iterable[int]) -> None:
        """Every window of one SLO from its raw series: one query per SLO."""
        wanted = sorted(set(windows))
        by_window: dict[str, list[Sample]] = defaultdict(list)
        for s in self.client.query(q.raw_windows(self.spec, slo, wanted), self.at):
            by_window[s.labels.get(q.WINDOW, "")].append(s)
        for w in wanted:
            found = _rates(by_window.get(format_seconds(w), []), key="")
            self._raw[(slo.name, w)] = found.get("", Rates())

    def series(
        self, slo: SLO, seconds: int, source: str, window: Window, step: int
    ) -> dict[float, Rates]:
        """Rates over `seconds` at each step of the window (for the charts)."""
        if source == RECORDED:  # one range query answers every SLO of the service
            cache = (seconds, window.start, step)
            if cache not in self._ranges:
                self._ranges[cache] = self.client.query_range(
                    q.recorded(self.spec, seconds, fleet=self.fleet),
                    window.start + step,
                    window.end,
                    step,
                )
            answer = self._ranges[cache]
        else:
            answer = self.client.query_range(
                q.raw(self.spec, slo, seconds), window.start + step, window.end, step
            )
        key = c.LABEL_SLO if source == RECORDED else ""
        by_time: dict[float, list[Sample]] = defaultdict(list)
        for s in answer:
            if s.labels.get(key, "") != (slo.name if source == RECORDED else ""):
                continue
            for t, v in s.points:
                by_time[t].append(Sample(s.labels, v))
        return {
            t: _rates(samples, key).get(slo.name if key else "", Rates())
            for t, samples in by_time.items()
        }


def _label(labels: dict[str, str], name: str) -> str:
    """A label value as the report shows it: control characters escaped, at most LABEL_LIMIT."""
    return printable(labels.get(name, ""), LABEL_LIMIT)


def _firing(samples: Sequence[Sample]) -> dict[str, tuple[Firing, ...]]:
    out: dict[str, list[Firing]] = defaultdict(list)
    for s in samples:
        labels = s.labels
        out[labels.get(c.LABEL_SLO, "")].append(
            Firing(
                _label(labels, c.LABEL_ALERTNAME),
                _label(labels, c.LABEL_SEVERITY),
                _label(labels, c.LABEL_WINDOWS),
            )
        )
    return {
        k: tuple(sorted(set(v), key=lambda f: (f.alertname, f.severity, f.windows)))
        for k, v in out.items()
    }


def _spans(series: Sequence[Series], slo: str, step: int) -> tuple[AlertSpan, ...]:
    spans: list[AlertSpan] = []
    for s in series:
        if s.labels.get(c.LABEL_SLO) != slo or not s.points:
            continue
        severity = _label(s.labels, c.LABEL_SEVERITY)
        windows = _label(s.labels, c.LABEL_WINDOWS)
        start = prev = s.points[0][0]
        for t, _ in s.points[1:]:
            if t - prev > 1.5 * step:
                spans.append(AlertSpan(start, prev, severity, windows))
                start = t
            prev = t
        spans.append(AlertSpan(start, prev, severity, windows))
    return tuple(sorted(spans, key=lambda a: (a.start, a.severity, a.windows)))


def _history(
    reader: _Reader,
    slo: SLO,
    source: str,
    window: Window,
    alerts: tuple[Sequence[Series], int],
    step: int,
) -> History:
    eb = slo.error_budget
    buckets = sorted(reader.series(slo, step, source, window, step).items())
    counts = not q.time_based(slo) and all(r.requests is not None for _, r in buckets)
    grant = (
        eb * sum((r.requests or 0.0) * step for _, r in buckets) if counts else eb * window.period
    )
    remaining: list[tuple[float, float]] = [(window.start, 1.0)]
    spent = 0.0
    for t, r in buckets:
        ratio = r.error_ratio
        if ratio is not None:
            spent += ratio * (r.requests or 0.0) * step if counts else ratio * step
        remaining.append((t, 1.0 - spent / grant if grant > 0 else 1.0))
    burns = []
    for pair in slo.windows:
        points = reader.series(slo, pair.long, source, window, step)
        line = tuple(
            (t, rate)
            for t, r in sorted(points.items())
            if (rate := burn_rate(r.error_ratio, eb)) is not None
        )
        label = f"{format_seconds(pair.long)}/{format_seconds(pair.short)}"
        burns.append(BurnLine(label, pair.factor(slo.period), line))
    spans = _spans(alerts[0], slo.name, alerts[1])
    return History(window.start, window.end, tuple(remaining), tuple(burns), spans)


def _slo_report(
    reader: _Reader,
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
    spent = None if ratio is None else budget(ratio, eb, window, time_based=timed, events=events)
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
        history=_history(reader, slo, source, chart, alerts, step) if history else None,
        no_data=no_data,
    )


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
    reader = _Reader(client, spec, at)
    covered = set() if force_raw else reader.covered(windows)
    recorded = set(covered)
    # A per-group SLO records one series per group; the report gives its figures across all
    # groups, from the raw counters (the ungrouped SLI), rather than one group's recordings.
    # Per cluster alone (spec.clusters), the fleet view records the figures across clusters.
    covered -= {slo.name for slo in chosen if set(slo.group_by) - cluster_labels(spec)}
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
    alert_samples = client.query(q.firing(spec), at)
    firing = _firing(alert_samples)
    rows = group_reports(
        client,
        spec,
        [(slo, windows[slo.name], slo.name in recorded) for slo in chosen],
        alert_samples,
        at,
    )
    alerts: tuple[Sequence[Series], int] = ((), MIN_WINDOW)
    if history and windows:
        first = max(chart_from, min(w.start for w in windows.values()))
        step = max(MIN_STEP, round((at - first) / HISTORY_POINTS))
        alerts = (client.query_range(q.firing(spec), first, at, step), step)
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
    return Report(at, client.url, calendar, services)
