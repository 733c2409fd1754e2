"""What a fleet costs on the central Prometheus (issue 20), against the same rules without
`spec.clusters` in the same run.

Part 1, evaluation: 20 clusters x 50 agents (`agent_id`), `adk_agent_requests_total` at one
sample every 30 s for the last `--hours` hours (status 200 and 500: 2,000 raw series, 0.1%
errors, cluster c07 at 5% for the last hour), backfilled with promtool into a real Prometheus
2.42, which then evaluates the compiled rules of one service with two SLOs: `success` and
`agent-success` (`group_by: [agent_id]`). Measured: the series the rules add (the head holds
nothing else: the raw data is in blocks), the evaluation time of every group
(`prometheus_rule_group_last_duration_seconds`, median of `--evaluations`), and `report`
(text) over that store; baseline: the same spec without `clusters`, on a copy of the same data.

Part 2, report: 100 SLOs (10 services x 10) with 20 clusters, 30 days of what their rules
record at one sample every 5 minutes (the fleet's 5m rates; over the last 10 minutes the
ratios per window, the fleet's and each cluster's): `build_report()` for text and for HTML
(with its charts), median of `--rounds`; baseline: the same 100 SLOs without clusters.

    .venv/bin/python bench/fleet_bench.py [--hours 6] [--evaluations 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from report_bench import import_blocks

from adk_observe.checks.prometheus import PrometheusClient
from adk_observe.checks.report import build_report
from adk_observe.checks.report_render import render_text
from adk_observe.demo.prometheus import PrometheusServer, find_binary, free_port
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec
from adk_observe.render import dump_yaml
from adk_observe.rules import compile_service, rule_file

CLUSTERS, AGENTS = 20, 50
STEP, BLOCK = 30, 7200
RATE = 1.0  # turns per second per agent
EVAL = "30s"
DURATION = "prometheus_rule_group_last_duration_seconds"
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")


def fleet_spec(clusters: bool) -> str:
    fleet = "  clusters: {label: cluster}\n" if clusters else ""
    return (
        "apiVersion: adk-observe/v1\nkind: AgentService\nmetadata: {name: fleet}\nspec:\n"
        f"{fleet}  slos:\n"
        "    - {name: success, objective: 99.5, sli: {builtin: success}}\n"
        "    - {name: agent-success, objective: 99, group_by: [agent_id], "
        "sli: {builtin: success}}\n"
    )


class Counters:
    """The 2,000 counters as a function of time: backfilled up to `now`, then served live on
    /metrics (the store keeps getting the series the rules' 5m windows need). Cluster c07 fails
    5% of its turns from an hour before `now` on, every other one 0.1%."""

    def __init__(self, start: int, now: int, port: int) -> None:
        self.start, self.incident, self.port = start, now - 3600, port

    def values(self, cl: int, ag: int, t: float) -> tuple[float, float]:
        """(ok, failed) turns of one agent by `t`."""
        total = RATE * (t - self.start)
        failed = total * 0.001
        if cl == 7 and t > self.incident:
            failed += RATE * (t - self.incident) * (0.05 - 0.001)
        return total - failed, failed

    def series(self) -> list[tuple[str, int, int]]:
        labels = f'job="fleet",instance="127.0.0.1:{self.port}"'
        return [
            (f'adk_agent_requests_total{{agent_id="a{ag:02d}",cluster="c{cl:02d}",{labels}', cl, ag)
            for cl in range(CLUSTERS)
            for ag in range(AGENTS)
        ]

    def exposition(self, t: float) -> str:
        lines = ["# TYPE adk_agent_requests_total counter"]
        for name, cl, ag in self.series():
            ok, bad = self.values(cl, ag, t)
            lines += [
                f'{name},status_code="200"}} {ok:.2f}',
                f'{name},status_code="500"}} {bad:.2f}',
            ]
        return "\n".join(lines) + "\n"

    def serve(self) -> ThreadingHTTPServer:
        counters = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = counters.exposition(time.time()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


def raw_blocks(tmp: Path, counters: Counters, end: int) -> list[Path]:
    """One OpenMetrics file per 2h block, every series' samples in time order."""
    paths = []
    start = counters.start
    for block in range(start - start % BLOCK, end + 1, BLOCK):
        times = range(max(start, block), min(end, block + BLOCK - 1) + 1, STEP)
        lines: list[str] = []
        for name, cl, ag in counters.series():
            values = [(t, counters.values(cl, ag, t)) for t in times]
            lines += [f'{name},status_code="200"}} {v[0]:.2f} {t}' for t, v in values]
            lines += [f'{name},status_code="500"}} {v[1]:.2f} {t}' for t, v in values]
        if lines:
            path = tmp / f"raw-{block}.om"
            path.write_text("\n".join(lines) + "\n# EOF\n")
            paths.append(path)
    return paths


def _metric(prom: PrometheusServer, name: str) -> dict[str, float]:
    return {
        "/".join(f"{k}={v}" for k, v in sorted(s["metric"].items()) if k != "__name__"): float(
            s["value"][1]
        )
        for s in prom.query(name)
    }


def evaluate(data: Path, spec: ServiceSpec, evaluations: int, exporter: str) -> dict[str, Any]:
    """Prometheus scrapes itself, so its own `prometheus_rule_group_last_duration_seconds` is a
    series: one value per evaluation of each group, collected until every group has
    `evaluations` after the first."""
    rules = {"fleet.rules.yaml": dump_yaml(rule_file(compile_service(spec)))}
    port = free_port()
    with PrometheusServer(
        rules=rules,
        targets={"prometheus": f"127.0.0.1:{port}", "fleet": exporter},
        scrape_interval=f"{STEP}s",
        port=port,
        storage=data,
        retention="3650d",
        eval_interval=EVAL,
    ) as prom:
        durations: dict[str, list[float]] = {}

        def enough() -> bool:
            # A new value of the self-scraped gauge is a new evaluation of its group.
            for group, value in _metric(prom, DURATION).items():
                name = group.split(";")[-1]
                if value > 0 and durations.get(name, [None])[-1] != value:
                    durations.setdefault(name, []).append(value)
            return bool(durations) and all(len(v) > evaluations for v in durations.values())

        prom.wait_until(enough, 60 * (evaluations + 4), f"{evaluations} evaluations of each group")
        series = prom.value('count({__name__=~".+:.+"})') or 0.0
        client = PrometheusClient(prom.url, timeout=300)
        began = time.perf_counter()
        text = render_text(build_report(client, [spec], time.time()))
        report = time.perf_counter() - began
    # The first evaluation warms the page cache: the median of the later ones.
    per_group = {g: statistics.median(v[1:]) for g, v in durations.items()}
    return {
        "series": int(series),
        "groups": per_group,
        "report": report,
        "report_lines": text.count("\n"),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hours", type=int, default=6)
    p.add_argument("--evaluations", type=int, default=5)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--part", choices=("1", "2", "all"), default="all")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    if find_binary() is None:
        print("prometheus is not installed (apt-get install -y prometheus)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as tmpdir:
        tmp = Path(tmpdir)
        if args.part in ("1", "all"):
            part1(tmp, args.hours, args.evaluations)
        if args.part in ("2", "all"):
            from fleet_report_bench import part2

            part2(tmp, args.rounds)
    return 0


def part1(tmp: Path, hours: int, evaluations: int) -> None:
    now = int(time.time())
    counters = Counters(now - hours * 3600, now, free_port())
    server = counters.serve()
    try:
        began = time.perf_counter()
        import_blocks(raw_blocks(tmp, counters, now), tmp / "data")
        print(
            f"backfilled {CLUSTERS * AGENTS * 2} raw series x {hours}h in "
            f"{time.perf_counter() - began:.0f}s; then scraped live every {STEP}s"
        )
        results = {}
        for name, clusters in (("without clusters (baseline)", False), ("20 clusters", True)):
            (tmp / "spec.yaml").write_text(fleet_spec(clusters))
            spec = load_specs([tmp / "spec.yaml"])[0]
            copy = tmp / f"data-{clusters}"
            shutil.copytree(tmp / "data", copy)
            results[name] = evaluate(copy, spec, evaluations, f"127.0.0.1:{counters.port}")
        print_part1(results)
    finally:
        server.shutdown()


def _groups(groups: dict[str, float]) -> str:
    return ", ".join(
        f"{g.removeprefix('adk-observe-fleet-')} {v * 1000:.0f} ms"
        for g, v in sorted(groups.items())
    )


def print_part1(results: dict[str, dict[str, Any]]) -> None:
    base, fleet = results["without clusters (baseline)"], results["20 clusters"]
    for name, r in results.items():
        total = sum(r["groups"].values())
        print(
            f"{name}: {r['series']} recorded series; evaluation {total * 1000:.0f} ms per "
            f"round ({_groups(r['groups'])}); "
            f"report {r['report']:.2f} s"
        )
    ratio = sum(fleet["groups"].values()) / sum(base["groups"].values())
    print(
        f"fleet / baseline: {fleet['series'] / base['series']:.1f}x the series, {ratio:.2f}x the "
        f"evaluation time, {fleet['report'] / base['report']:.2f}x the report time"
    )


if __name__ == "__main__":
    sys.exit(main())
