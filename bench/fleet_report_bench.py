"""Part 2 of bench/fleet_bench.py: `report` over 100 SLOs of a fleet (20 clusters) with 30 days
of recorded history, text and HTML, against the same 100 SLOs without clusters in the same run
and the same Prometheus.

What is backfilled is what the rules record, at one sample every 5 minutes over 30 days and 2
hours: per SLO the fleet's 5m rates (`fleet:sli_errors:rate5m`, `fleet:sli_total:rate5m`) or,
for the baseline, `slo:sli_errors:rate5m` and `slo:sli_total:rate5m`; over the last 10 minutes
the ratios of every window (the fleet's, and each cluster's over the period and 1h). The 2h
blocks are measured as imported (no compaction: the slower case, as in bench/report_bench.py).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from report_bench import ALERT_WINDOWS, history_server, import_blocks

from adk_observe import conventions as c
from adk_observe.checks.prometheus import PrometheusClient
from adk_observe.checks.report import build_report
from adk_observe.checks.report_html import render_html
from adk_observe.checks.report_render import render_text
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec

SERVICES, SLOS, CLUSTERS = 10, 10, 20
STEP, BLOCK, DAYS = 300, 7200, 30
RATE = 20.0
WINDOWS = {**ALERT_WINDOWS, "30d": 30 * 86400}  # every window the rules record
TARGET = 2.0  # seconds, text and HTML


def spec_text(name: str, clusters: bool) -> str:
    slos = "\n".join(
        f"    - {{name: s{i:02d}, objective: 99.{5 + i % 4}, sli: {{builtin: success}}}}"
        for i in range(SLOS)
    )
    fleet = "  clusters: {label: cluster}\n" if clusters else ""
    return (
        f"apiVersion: adk-observe/v1\nkind: AgentService\nmetadata: {{name: {name}}}\n"
        f"spec:\n{fleet}  slos:\n{slos}\n"
    )


def _lines(service: str, fleet: bool, times: list[int], end: int) -> list[str]:
    prefix = c.FLEET_SERIES_PREFIX if fleet else c.RECORDED_SERIES_PREFIX
    out = []
    for i in range(SLOS):
        labels = f'service="{service}",slo="s{i:02d}"'
        out += [f"{prefix}sli_errors:rate5m{{{labels}}} {RATE * 0.001:.6f} {t}" for t in times]
        out += [f"{prefix}sli_total:rate5m{{{labels}}} {RATE:.6f} {t}" for t in times]
        for t in (t for t in times if t > end - 600):
            for text in WINDOWS:
                out.append(f"{prefix}sli_error:ratio_rate{text}{{{labels}}} 0.001 {t}")
            if fleet:  # each cluster's period and 1h ratios (the report's per-cluster rows)
                for cl in range(CLUSTERS):
                    ratio = 0.02 if cl == 3 else 0.001
                    for text in ("30d", "1h"):
                        out.append(
                            f'slo:sli_error:ratio_rate{text}{{cluster="c{cl:02d}",'
                            f"{labels}}} {ratio} {t}"
                        )
    return out


def write_blocks(tmp: Path, start: int, end: int) -> list[Path]:
    paths = []
    for block in range(start - start % BLOCK, end + 1, BLOCK):
        times = list(range(max(start, block), min(end, block + BLOCK - 1) + 1, STEP))
        if not times:
            continue
        lines = []
        for s in range(SERVICES):
            lines += _lines(f"fleet-{s}", True, times, end)
            lines += _lines(f"flat-{s}", False, times, end)
        path = tmp / f"rec-{block}.om"
        path.write_text("\n".join(lines) + "\n# EOF\n")
        paths.append(path)
    return paths


def _timed(client: PrometheusClient, specs: list[ServiceSpec], at: float, html: bool) -> float:
    began = time.perf_counter()
    report = build_report(client, specs, at, history=html)
    text = render_html(report) if html else render_text(report)
    elapsed = time.perf_counter() - began
    sources = {slo.source for svc in report.services for slo in svc.slos}
    assert sources == {"recorded"}, sources
    assert text
    return elapsed


def _all(values: list[float]) -> str:
    return ", ".join(f"{x:.3f}" for x in values)


def part2(tmp: Path, rounds: int) -> None:
    end = 1_793_577_600  # 2026-11-02T00:00:00Z
    start = end - DAYS * 86400 - 7200
    paths = []
    for fleet in (True, False):
        for s in range(SERVICES):
            name = f"{'fleet' if fleet else 'flat'}-{s}"
            path = tmp / f"{name}.yaml"
            path.write_text(spec_text(name, fleet))
            paths.append(path)
    specs = load_specs(paths)
    fleet_specs, flat_specs = specs[:SERVICES], specs[SERVICES:]
    data = tmp / "report-data"
    began = time.perf_counter()
    import_blocks(write_blocks(tmp, start, end), data)
    print(
        f"part 2: backfilled {DAYS} days of 200 SLOs' recordings in "
        f"{time.perf_counter() - began:.0f}s"
    )
    with history_server(data) as prom:
        client = PrometheusClient(prom.url, timeout=300)
        prom.wait_until(lambda: client.query("fleet:sli_total:rate5m", end), 120, "the blocks")
        results: dict[tuple[str, bool], list[float]] = {}
        for html in (False, True):
            for chosen in (fleet_specs, flat_specs):
                _timed(client, chosen, end, html)  # warm the page cache
            for i in range(rounds):
                order = (("fleet", fleet_specs), ("baseline", flat_specs))
                for name, chosen in order if i % 2 == 0 else order[::-1]:
                    results.setdefault((name, html), []).append(_timed(client, chosen, end, html))
    for html in (False, True):
        fleet = statistics.median(results[("fleet", html)])
        flat = statistics.median(results[("baseline", html)])
        kind = "HTML (charts)" if html else "text"
        verdict = "under" if fleet < TARGET else "OVER"
        print(
            f"report of 100 SLOs over {DAYS} days, {kind}: fleet {fleet:.3f} s ({verdict} the "
            f"{TARGET:.0f} s target), without clusters {flat:.3f} s, fleet / baseline "
            f"{fleet / flat:.2f}x (all: {', '.join(f'{x:.3f}' for x in results[('fleet', html)])})"
        )
