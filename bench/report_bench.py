"""How fast `adk-observe report` answers over 100 SLOs with 30 days of recorded history.

Data: 10 services x 10 `success` SLOs (objectives 99% to 99.95%), 30 days and 2 hours of
history at one sample a minute: the raw `adk_agent_requests_total` counters of each service
(status 200 and 500; 0.1% errors with a 2-hour 5% incident on day 12) and the two recorded 5m
rates per SLO that compile-rules records (`slo:sli_errors:rate5m`, `slo:sli_total:rate5m`, one
sample per 1m evaluation). Written as OpenMetrics, one file per 2h block (promtool reads its
whole input once per block), imported with `promtool tsdb create-blocks-from openmetrics` into
a real Prometheus kept at 2h blocks (no compaction during the measurement: the slower case).

Measured: wall time of `build_report()` (what `report --format text|json|markdown` and `gate`
run) reading the recorded series, against the same report forced onto the raw counters (the
fallback right after the rules are deployed) in the same run, rounds alternating; the median of
`--rounds`. Also one HTML report (with the charts' range queries), for information.

    .venv/bin/python bench/report_bench.py [--rounds 5] [--days 30]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from adk_observe.checks.prometheus import PrometheusClient
from adk_observe.checks.report import build_report
from adk_observe.checks.report_html import render_html
from adk_observe.demo.prometheus import PrometheusServer, find_binary, wait_until
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec

SERVICES, SLOS = 10, 10
STEP = 60
BLOCK = 7200
OBJECTIVES = (99, 99.5, 99.9, 99.95, 99, 99.5, 99.9, 99.95, 99, 99.5)
RATE = 20.0  # requests per second per service
ALERT_WINDOWS = {
    "5m": 300,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "6h": 21600,
    "1d": 86400,
    "3d": 259200,
}


def spec_text(service: int, days: int) -> str:
    slos = "\n".join(
        f"    - {{name: s{i:02d}, objective: {OBJECTIVES[i]}, window: {days}d, "
        "sli: {builtin: success}}"
        for i in range(SLOS)
    )
    return (
        f"apiVersion: adk-observe/v1\nkind: AgentService\nmetadata:\n  name: bench-{service}\n"
        f"spec:\n  slos:\n{slos}\n"
    )


def error_ratio(t: int, start: int) -> float:
    incident = start + 12 * 86400
    return 0.05 if incident <= t < incident + 7200 else 0.001


def write_blocks(tmp: Path, start: int, end: int, days: int) -> list[Path]:
    """One OpenMetrics file per 2h block; each series' samples are in time order."""
    windows = {f"{days}d": days * 86400, **ALERT_WINDOWS}
    counters = {s: [0.0, 0.0] for s in range(SERVICES)}  # ok, failed
    history: dict[int, list[tuple[int, float, float]]] = {s: [] for s in range(SERVICES)}
    # Every recorded 5m rate so far, for the period ratio the rules record.
    recorded: dict[int, list[tuple[int, float, float]]] = {s: [] for s in range(SERVICES)}
    paths = []
    first = start - start % BLOCK
    for block in range(first, end + 1, BLOCK):
        times = [t for t in range(max(start, block), min(end, block + BLOCK - 1) + 1, STEP)]
        if not times:
            continue
        lines: list[str] = []
        rec: list[str] = []
        for s in range(SERVICES):
            ok_lines, bad_lines, rates = [], [], []
            for t in times:
                ratio = error_ratio(t, start)
                counters[s][0] += RATE * STEP * (1 - ratio)
                counters[s][1] += RATE * STEP * ratio
                history[s].append((t, counters[s][0], counters[s][1]))
                del history[s][:-6]  # what a 5m rate needs: now and 5 minutes ago
                ok_lines.append(f"{counters[s][0]:.3f} {t}")
                bad_lines.append(f"{counters[s][1]:.3f} {t}")
                if len(history[s]) == 6:
                    (_, ok0, bad0), (_, ok1, bad1) = history[s][0], history[s][-1]
                    rates.append((t, (bad1 - bad0) / 300, (ok1 + bad1 - ok0 - bad0) / 300))
            base = f'adk_agent_requests_total{{job="bench-{s}",status_code='
            lines += [f'{base}"200"}} {x}' for x in ok_lines]
            lines += [f'{base}"500"}} {x}' for x in bad_lines]
            for i in range(SLOS):
                labels = f'service="bench-{s}",slo="s{i:02d}"'
                rec += [f"slo:sli_errors:rate5m{{{labels}}} {e:.6f} {t}" for t, e, _ in rates]
                rec += [f"slo:sli_total:rate5m{{{labels}}} {n:.6f} {t}" for t, _, n in rates]
            recorded[s] += rates
            # `slo:sli_error:ratio_rate<window>` for the period and every alert window, from
            # the 5m rates, over the last 10 minutes only: the report reads one sample of each
            # at the end; older samples would only cost disk here.
            for t, _, _ in rates:
                if t <= end - 600:
                    continue
                for text, seconds in windows.items():
                    inside = [r for r in recorded[s] if t - seconds < r[0] <= t]
                    ratio = sum(r[1] for r in inside) / sum(r[2] for r in inside)
                    for i in range(SLOS):
                        labels = f'service="bench-{s}",slo="s{i:02d}"'
                        rec.append(f"slo:sli_error:ratio_rate{text}{{{labels}}} {ratio:.9f} {t}")
        path = tmp / f"block-{block}.om"
        path.write_text("\n".join(lines + rec) + "\n# EOF\n")
        paths.append(path)
    return paths


def import_blocks(paths: list[Path], data: Path) -> None:
    for path in paths:
        subprocess.run(
            ["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", str(path), str(data)],
            check=True,
        )
        path.unlink()


def history_server(data: Path) -> PrometheusServer:
    """A Prometheus serving backfilled history (kept however old it is) to the report, which
    may read many samples in one query."""
    return PrometheusServer(
        rules={},
        targets={},
        storage=data,
        retention="3650d",
        extra_args=("--query.max-samples=200000000",),
    )


def compacted(prom: PrometheusServer) -> int:
    """Wait until Prometheus has merged the 2h blocks (as it does with any 30-day-old data):
    the block count has not changed for 2 minutes (it compacts at most once a minute)."""
    counts: list[int] = []

    def settled() -> bool:
        with urllib.request.urlopen(f"{prom.url}/metrics", timeout=10) as resp:
            text = resp.read().decode()
        line = next(x for x in text.splitlines() if x.startswith("prometheus_tsdb_blocks_loaded "))
        counts.append(int(float(line.split()[1])))
        return len(counts) >= 13 and len(set(counts[-13:])) == 1 and counts[-1] > 0

    wait_until(settled, 1800, "the compaction of the backfilled blocks", interval=10)
    return counts[-1]


def timed(client: PrometheusClient, specs: list[ServiceSpec], at: float, raw: bool) -> float:
    began = time.perf_counter()
    report = build_report(client, specs, at, force_raw=raw)
    elapsed = time.perf_counter() - began
    sources = {slo.source for svc in report.services for slo in svc.slos}
    assert sources == {"raw" if raw else "recorded"}, sources
    return elapsed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--data", help="keep the backfilled TSDB here and reuse it on the next run")
    args = p.parse_args(argv)
    # Stopped from outside: leave through the `with` blocks so Prometheus is stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    if find_binary() is None:
        print("prometheus is not installed (apt-get install -y prometheus)", file=sys.stderr)
        return 2
    end = 1_793_577_600  # 2026-11-02T00:00:00Z
    start = end - args.days * 86400 - 7200
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmpdir:
        tmp = Path(tmpdir)
        spec_paths = []
        for s in range(SERVICES):
            path = tmp / f"bench-{s}.yaml"
            path.write_text(spec_text(s, args.days))
            spec_paths.append(path)
        specs = load_specs(spec_paths)
        data = Path(args.data) if args.data else tmp / "data"
        if not data.exists():
            began = time.perf_counter()
            paths = write_blocks(tmp, start, end, args.days)
            import_blocks(paths, data)
            print(f"backfilled {len(paths)} blocks in {time.perf_counter() - began:.0f}s")
        with history_server(data) as prom:
            client = PrometheusClient(prom.url, timeout=300)
            prom.wait_until(
                lambda: client.query("slo:sli_total:rate5m", end), 60, "the blocks to load"
            )
            blocks = compacted(prom)
            print(f"compacted into {blocks} blocks")
            timed(client, specs, end, raw=False)  # warm the page cache once for each side
            timed(client, specs, end, raw=True)
            recorded, raw = [], []
            for i in range(args.rounds):
                order = (False, True) if i % 2 == 0 else (True, False)
                for force_raw in order:
                    (raw if force_raw else recorded).append(
                        timed(client, specs, end, raw=force_raw)
                    )
            began = time.perf_counter()
            html = render_html(build_report(client, specs, end, history=True))
            html_time = time.perf_counter() - began
    rec, rw = statistics.median(recorded), statistics.median(raw)
    print(f"100 SLOs, {args.days} days, {args.rounds} rounds each:")
    print(f"  recorded series: median {rec:.3f}s (all: {', '.join(f'{x:.3f}' for x in recorded)})")
    print(f"  raw counters:    median {rw:.3f}s (all: {', '.join(f'{x:.3f}' for x in raw)})")
    print(f"  raw / recorded:  {rw / rec:.1f}x")
    print(f"  HTML report with charts: {html_time:.1f}s ({len(html) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
