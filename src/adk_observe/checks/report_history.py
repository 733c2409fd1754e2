"""What the HTML report draws for one SLO: its budget burn-down, the burn rates of its alert
windows and the spans its alerts fired, over the chart's window (read by checks/report.py's
`service_report` when asked for history, drawn by checks/report_html.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe.checks import budget_queries as q
from adk_observe.checks.budget import Window, burn_rate
from adk_observe.checks.prometheus import Series
from adk_observe.checks.report_fleet import shown
from adk_observe.checks.report_reader import Reader
from adk_observe.durations import format_seconds
from adk_observe.model import SLO


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


def alert_spans(series: Sequence[Series], slo: str, step: int) -> tuple[AlertSpan, ...]:
    spans: list[AlertSpan] = []
    for s in series:
        if s.labels.get(c.LABEL_SLO) != slo or not s.points:
            continue
        severity = shown(s.labels.get(c.LABEL_SEVERITY, ""))
        windows = shown(s.labels.get(c.LABEL_WINDOWS, ""))
        start = prev = s.points[0][0]
        for t, _ in s.points[1:]:
            if t - prev > 1.5 * step:
                spans.append(AlertSpan(start, prev, severity, windows))
                start = t
            prev = t
        spans.append(AlertSpan(start, prev, severity, windows))
    return tuple(sorted(spans, key=lambda a: (a.start, a.severity, a.windows)))


def slo_history(
    reader: Reader,
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
    spans = alert_spans(alerts[0], slo.name, alerts[1])
    return History(window.start, window.end, tuple(remaining), tuple(burns), spans)
