"""The report's per-cluster figures (spec.clusters, docs/fleet.md): each SLO's budget in every
cluster (and group of `group_by`) beside the fleet's (report_summary.py orders them all).

An SLO's own figures stay the fleet's (report.py reads the `fleet:` recordings, or the raw
counters summed over every cluster). Here each row of the SLO's `group_by` (the cluster label
first) gets the error ratio over the SLO's window and over the last hour, from the per-cluster
recordings when the SLO's figures come from recordings (one instant query per service: the
ratios the rules record per window), else from the raw series kept per row, and the alerts
firing with exactly its labels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe.checks import budget_queries as q
from adk_observe.checks.budget import MAX_VALUE, Window, budget, burn_rate
from adk_observe.checks.prometheus import PrometheusClient, Sample
from adk_observe.durations import format_seconds
from adk_observe.errors import printable
from adk_observe.model import SLO, ServiceSpec
from adk_observe.rules.kinds import sli_query

LABEL_LIMIT = 200  # characters of a label value (an alert name...) shown in a report

HOUR = 3600
Groups = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Firing:
    """An alert firing now: the SLO's own (report.py) or one of its clusters' (here)."""

    alertname: str
    severity: str
    windows: str


@dataclass(frozen=True)
class GroupReport:
    """One cluster (and group) of an SLO."""

    groups: Groups  # (label, value shown escaped), the SLO's group_by order: the cluster first
    error_ratio: float | None
    budget_remaining: float | None  # 1 untouched, 0 spent, negative overspent
    burn_1h: float | None
    firing: tuple[Firing, ...] = ()


def _key(slo: SLO, labels: dict[str, str]) -> Groups:
    return tuple((label, labels.get(label, "")) for label in slo.group_by)


def _clamp(ratio: float | None) -> float | None:
    """A ratio that is data (budget.py's rule: not below zero, at most MAX_VALUE) up to 1;
    anything else is no data, never a healthy 0."""
    if ratio is None or ratio < 0 or ratio > MAX_VALUE:
        return None
    return min(1.0, ratio)


def _recorded(
    client: PrometheusClient, spec: ServiceSpec, slos: Sequence[SLO], at: float
) -> dict[tuple[str, Groups, int], float]:
    """Ratios the per-cluster rules record over each SLO's period and over 1h."""
    windows = {format_seconds(s.period) for s in slos} | {format_seconds(HOUR)}
    by_slo = {s.name: s for s in slos}
    out: dict[tuple[str, Groups, int], float] = {}
    for s in client.query(q.recorded_ratios(spec, windows), at):
        slo = by_slo.get(s.labels.get(c.LABEL_SLO, ""))
        text = q.window_of(s.labels.get(q.NAME, ""))
        if slo is None or not text:
            continue
        seconds = HOUR if text == format_seconds(HOUR) else slo.period
        if text in (format_seconds(HOUR), format_seconds(slo.period)):
            out[(slo.name, _key(slo, s.labels), seconds)] = s.value
    return out


def _raw(
    client: PrometheusClient, spec: ServiceSpec, slo: SLO, seconds: int, at: float
) -> dict[Groups, float]:
    """The SLI's ratio over `seconds` per row, from its raw series kept per row."""
    query = sli_query(spec, slo.sli, slo.group_by)
    return {
        _key(slo, s.labels): s.value
        for s in client.query(query.ratio_at(format_seconds(max(60, seconds))), at)
    }


def shown(value: str) -> str:
    """A label value as the report shows it (report.py's rule): escaped, cut."""
    return printable(value, LABEL_LIMIT)


def _firing(slo: SLO, alerts: Iterable[Sample], groups: Groups) -> tuple[Firing, ...]:
    found = {
        Firing(
            shown(s.labels.get(c.LABEL_ALERTNAME, "")),
            shown(s.labels.get(c.LABEL_SEVERITY, "")),
            shown(s.labels.get(c.LABEL_WINDOWS, "")),
        )
        for s in alerts
        if s.labels.get(c.LABEL_SLO) == slo.name and all(s.labels.get(k) == v for k, v in groups)
    }
    return tuple(sorted(found, key=lambda f: (f.alertname, f.severity, f.windows)))


def group_reports(
    client: PrometheusClient,
    spec: ServiceSpec,
    slos: Sequence[tuple[SLO, Window, bool]],
    alerts: Sequence[Sample],
    at: float,
) -> dict[str, tuple[GroupReport, ...]]:
    """Per SLO name, its rows; `slos`: (SLO, its window, whether its figures are recorded).
    A calendar month has no recorded ratio: its rows read the raw series."""
    if spec.clusters is None:
        return {}
    recorded = [s for s, w, rec in slos if rec and w.covered == s.period]
    ratios = _recorded(client, spec, recorded, at) if recorded else {}
    out: dict[str, tuple[GroupReport, ...]] = {}
    for slo, window, _ in slos:
        if slo in recorded:
            rows: dict[Groups, dict[int, float]] = defaultdict(dict)
            for (name, groups, seconds), value in ratios.items():
                if name == slo.name:
                    rows[groups][seconds] = value
        else:
            rows = defaultdict(dict)
            for seconds in (round(window.covered), HOUR):
                for groups, value in _raw(client, spec, slo, seconds, at).items():
                    rows[groups][HOUR if seconds == HOUR else slo.period] = value
        out[slo.name] = tuple(_row(slo, window, g, r, alerts) for g, r in sorted(rows.items()))
    return out


def _row(
    slo: SLO, window: Window, groups: Groups, ratios: dict[int, float], alerts: Iterable[Sample]
) -> GroupReport:
    ratio = _clamp(ratios.get(slo.period))
    timed = q.time_based(slo)
    left = (
        None
        if ratio is None
        else budget(ratio, slo.error_budget, window, time_based=timed, events=1.0)
    )
    return GroupReport(
        groups=tuple((label, shown(value)) for label, value in groups),
        error_ratio=ratio,
        budget_remaining=None if left is None else left.fraction_remaining,
        burn_1h=burn_rate(_clamp(ratios.get(HOUR)), slo.error_budget),
        firing=_firing(slo, alerts, groups),
    )
