"""Reading one service's SLO rates from Prometheus for the error-budget report (checks/report.py).

`Reader` runs the queries of one service at one instant and keeps their answers, so the SLOs of a
service share them: the recorded series (the rules' recordings, read for every window at once)
or the raw series (one query per SLO, when the recordings do not reach back to the window's
start), and the range queries behind the HTML report's charts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from adk_observe import conventions as c
from adk_observe.checks import budget_queries as q
from adk_observe.checks.budget import Rates, Window
from adk_observe.checks.prometheus import PrometheusClient, Sample, Series
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, ServiceSpec

RECORDED, RAW = "recorded", "raw"
# Recorded series count as covering the window when a sample exists this soon after its start:
# what is missing (at most 15m of a 30d window, 0.03%) is below the report's precision.
COVER_TOLERANCE = 15 * 60


def rates_by(samples: Iterable[Sample], key: str = c.LABEL_SLO) -> dict[str, Rates]:
    parts: dict[str, dict[str, float]] = defaultdict(dict)
    for s in samples:
        parts[s.labels.get(key, "")][s.labels.get(q.PART, "")] = s.value
    return {
        name: Rates(p.get(q.ERRORS), p.get(q.TOTAL), p.get(q.RATIO)) for name, p in parts.items()
    }


class Reader:
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
            rates = rates_by(by_window.get(format_seconds(w), []))
            for name, ratio in known[w].items():
                rates[name] = replace(rates.get(name, Rates()), recorded=ratio)
            self._recorded[w] = rates

    def rates(self, slo: SLO, seconds: int, source: str) -> Rates:
        if source == RECORDED:
            if seconds not in self._recorded:
                answer = self.client.query(
                    q.recorded(self.spec, seconds, fleet=self.fleet), self.at
                )
                self._recorded[seconds] = rates_by(answer)
            return self._recorded[seconds].get(slo.name, Rates())
        if (slo.name, seconds) not in self._raw:
            self.prefetch_raw(slo, [seconds])
        return self._raw[(slo.name, seconds)]

    def observed(self, slo: SLO, window: Window) -> Window:
        """The part of `window` the SLI has events in: from the minute of its first sample (a
        service younger than its window, whose raw series start after the window does)."""
        seconds = max(q.FIRST_STEP, round(window.covered))
        answer = self.client.query(q.first_seen(self.spec, slo, seconds), self.at)
        first = min((s.value for s in answer if math.isfinite(s.value)), default=None)
        if first is None:
            return window
        return replace(window, start=max(window.start, first - q.FIRST_STEP))

    def prefetch_raw(self, slo: SLO, windows: Iterable[int]) -> None:
        """Every window of one SLO from its raw series: one query per SLO."""
        wanted = sorted(set(windows))
        by_window: dict[str, list[Sample]] = defaultdict(list)
        for s in self.client.query(q.raw_windows(self.spec, slo, wanted), self.at):
            by_window[s.labels.get(q.WINDOW, "")].append(s)
        for w in wanted:
            found = rates_by(by_window.get(format_seconds(w), []), key="")
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
            t: rates_by(samples, key).get(slo.name if key else "", Rates())
            for t, samples in by_time.items()
        }
