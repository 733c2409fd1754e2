"""Rule evaluation time in a real Prometheus: our long windows versus the raw-rate expression.

Two rule files from one spec (a service with three `success` SLOs):

* ours: as `compile_service` generates them; windows over 6h are
  `sum_over_time(slo:sli_errors:rate5m[W]) / sum_over_time(slo:sli_total:rate5m[W])`;
* raw: the same file with every such recording replaced by the raw-rate expression
  `sli_query(spec, slo.sli).ratio_at(W)` (what Pyrra evaluates); same names, same alerts.

Data: `--days` of `adk_agent_requests_total{job, instance, endpoint, status_code}`
(instances x endpoints x 3 status codes) every `--scrape` seconds, written as OpenMetrics (one
file per 2h block) and imported with `promtool tsdb create-blocks-from openmetrics`. The same
files carry the history of the two recorded 5m rates per SLO that our long windows read, one
sample per `--interval`, computed here the way `sum(rate(...[5m]))` computes them on a regular
scrape grid (the delta of the first and last sample in the window over their distance). After
the backfill a small exporter in this process keeps the counters going, so the short windows
see live data.

Then, one after the other on the same data directory, Prometheus runs with each rule file until
every group has evaluated `--evals` times after a warm-up evaluation; the median
`evaluationTime` per group and per rule comes from /api/v1/rules. During the first run each
long-window expression (ours and raw) is also queried directly through /api/v1/query with
`stats=all` (median server-side evaluation time and samples read of `--queries` runs).

Blocks stay the 2h blocks promtool writes (`--storage.tsdb.max-block-duration=2h` keeps the
compactor from merging them during the measurement).

    .venv/bin/python bench/eval_bench.py [--days 7] [--scrape 30] [--interval 15] [--evals 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec
from adk_observe.render import dump_yaml
from adk_observe.rules import compile_service, rule_file, sli_query
from adk_observe.rules.recordings import windows_needed
from adk_observe.rules.types import Recording, RuleGroup
from adk_observe.windows import RAW_WINDOW_MAX

SERVICE = "bench-agent"
SPEC = f"""\
apiVersion: adk-observe/v1
kind: AgentService
metadata:
  name: {SERVICE}
  namespace: bench
spec:
  slos:
    - name: success
      objective: 99.5
      sli: {{builtin: success}}
    - name: success-strict
      objective: 99.9
      sli: {{builtin: success}}
    - name: success-28d
      objective: 99
      window: 28d
      sli: {{builtin: success}}
"""
ENDPOINTS = (("run", 0.5), ("run_sse", 0.25), ("sessions", 0.15), ("artifacts", 0.07),
             ("feedback", 0.03))
STATUSES = (("200", 0.975), ("429", 0.02), ("500", 0.005))
PEAK_RPS_PER_INSTANCE = 3.0
DAY = 86400
SHORT = 300
BLOCK = 7200  # promtool's block length, aligned to the epoch
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


# --- rule files ------------------------------------------------------------------------------


def load_spec(tmp: Path) -> ServiceSpec:
    path = tmp / "spec.yaml"
    path.write_text(SPEC)
    return load_specs([path])[0]


def long_windows(spec: ServiceSpec) -> dict[str, list[str]]:
    """SLO name -> the windows it records from the 5m rates (longer than RAW_WINDOW_MAX)."""
    return {
        slo.name: [format_seconds(w) for w in windows_needed(slo) if w > RAW_WINDOW_MAX]
        for slo in spec.slos
    }


def raw_variant(spec: ServiceSpec, groups: tuple[RuleGroup, ...]) -> tuple[RuleGroup, ...]:
    """Every long-window ratio recording replaced by the raw-rate expression over W."""
    by_name = {slo.name: slo for slo in spec.slos}
    long = long_windows(spec)
    out = []
    for group in groups:
        rules = []
        for rule in group.rules:
            slo_name = dict(rule.labels).get(c.LABEL_SLO, "")
            if isinstance(rule, Recording) and slo_name in by_name:
                for text in long[slo_name]:
                    if rule.record == c.record_sli_error_ratio(text):
                        expr = sli_query(spec, by_name[slo_name].sli).ratio_at(text)
                        rule = dataclasses.replace(rule, expr=expr)
            rules.append(rule)
        out.append(dataclasses.replace(group, rules=tuple(rules)))
    return tuple(out)


def rule_counts(spec: ServiceSpec, groups: tuple[RuleGroup, ...]) -> dict[str, dict[str, int]]:
    """Per SLO (and the service-wide agent pack): rules per group."""
    counts: dict[str, dict[str, int]] = {}
    for group in groups:
        for rule in group.rules:
            owner = dict(rule.labels).get(c.LABEL_SLO, "(service-wide agent pack)")
            row = counts.setdefault(owner, {})
            row[group.name] = row.get(group.name, 0) + 1
    return counts


# --- data ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Series:
    labels: str
    weight: float
    errors: bool
    last_value: float = 0.0
    last_rate: float = 0.0


def diurnal(t: float) -> float:
    return 1.0 + 0.6 * math.sin(2 * math.pi * (t % DAY) / DAY)


def incident(t: float, start: int) -> float:
    """Error-rate multiplier: a 2h incident (10x the 5xx rate) every 60h."""
    return 10.0 if (t - start) % (60 * 3600) < 2 * 3600 else 1.0


def make_series(instances: int, rng: random.Random) -> list[Series]:
    out = []
    for i in range(instances):
        size = 1.0 + 0.4 * (rng.random() - 0.5)
        for endpoint, share in ENDPOINTS:
            for code, code_share in STATUSES:
                labels = (
                    f'{{job="{SERVICE}",instance="agent-{i:02d}:8000",endpoint="{endpoint}",'
                    f'status_code="{code}"}}'
                )
                weight = PEAK_RPS_PER_INSTANCE / 1.6 * size * share * code_share
                out.append(Series(labels, weight, errors=code.startswith("5")))
    return out


def spans(times: list[int]) -> list[tuple[int, int, int]]:
    """(2h block, first index, end index) of sorted timestamps."""
    out: list[tuple[int, int, int]] = []
    for k, t in enumerate(times):
        block = t // BLOCK
        if out and out[-1][0] == block:
            out[-1] = (block, out[-1][1], k + 1)
        else:
            out.append((block, k, k + 1))
    return out


def write_openmetrics(
    out: Path, series: list[Series], spec: ServiceSpec, start: int, end: int, scrape: int,
    interval: int, rng: random.Random,
) -> tuple[list[Path], int]:
    """Raw counters every `scrape` s and the recorded 5m rates every `interval` s.

    One file per 2h block: promtool re-reads its whole input for every block it writes.
    """
    steps = (end - start) // scrape + 1
    times = [start + k * scrape for k in range(steps)]
    base = [diurnal(t) * scrape for t in times]
    boost = [incident(t, start) for t in times]
    err_sum = [0.0] * steps
    tot_sum = [0.0] * steps
    name = c.REQUESTS.name
    raw_spans = spans(times)
    files = {b: (out / f"{b}.om").open("w") for b, _, _ in raw_spans}
    samples = 0
    try:
        for f in files.values():
            f.write(f"# TYPE {name.removesuffix('_total')} counter\n")
        for s in series:
            value = 1000.0 * rng.random() + 100.0
            lines = []
            for k in range(steps):
                inc = s.weight * base[k] * (0.9 + 0.2 * rng.random())
                if s.errors:
                    inc *= boost[k]
                value += inc
                count = int(value)
                tot_sum[k] += count
                if s.errors:
                    err_sum[k] += count
                lines.append(f"{name}{s.labels} {count} {times[k]}\n")
            for b, lo, hi in raw_spans:
                files[b].writelines(lines[lo:hi])
            samples += steps
            s.last_value = value
            s.last_rate = s.weight * diurnal(end)
        # sum(rate(x[5m])) on a regular grid: (last - first) / (t_last - t_first) in the window.
        evals = []
        t = start + SHORT
        while t <= end:
            hi = (t - start) // scrape
            lo = -((start + SHORT - t) // scrape)  # ceil((t - 5m - start) / scrape)
            evals.append((t, hi, lo))
            t += interval
        rec_spans = spans([t for t, _, _ in evals])
        for record, sums in ((c.RECORD_SLI_ERRORS, err_sum), (c.RECORD_SLI_TOTAL, tot_sum)):
            for f in files.values():
                f.write(f"# TYPE {record} gauge\n")
            for slo in spec.slos:
                labels = f'{{service="{spec.name}",slo="{slo.name}"}}'
                lines = [
                    f"{record}{labels} {(sums[hi] - sums[lo]) / ((hi - lo) * scrape)!r} {t}\n"
                    for t, hi, lo in evals
                ]
                for b, lo, hi in rec_spans:
                    files[b].writelines(lines[lo:hi])
                samples += len(evals)
    finally:
        for f in files.values():
            f.write("# EOF\n")
            f.close()
    return [Path(files[b].name) for b in sorted(files)], samples


def import_blocks(paths: list[Path], data: Path) -> None:
    """promtool on each file, two at a time (two cores)."""
    running: list[subprocess.Popen[bytes]] = []
    try:
        for path in paths:
            if len(running) == 2:
                proc = running.pop(0)
                if proc.wait():
                    raise RuntimeError(f"promtool failed on {proc.args}")
            running.append(subprocess.Popen(
                [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", "-q", str(path), str(data)]
            ))
        for proc in running:
            if proc.wait():
                raise RuntimeError(f"promtool failed on {proc.args}")
    finally:
        for proc in running:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


class Exporter:
    """Keeps the backfilled counters going (at their last rate) for the live scrapes."""

    def __init__(self, series: list[Series], end: int) -> None:
        self.series = series
        self.end = end
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = exporter.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def render(self) -> str:
        elapsed = time.time() - self.end
        name = c.REQUESTS.name
        lines = [f"# TYPE {name} counter\n"]
        lines.extend(
            f"{name}{s.labels} {int(s.last_value + s.last_rate * elapsed)}\n" for s in self.series
        )
        return "".join(lines)

    def __enter__(self) -> Exporter:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- Prometheus ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str, timeout: float = 60.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.load(resp)


@contextmanager
def prometheus(
    tmp: Path, data: Path, rules: Path, tag: str, interval: int, scrape: int, exporter_port: int
) -> Iterator[str]:
    port = free_port()
    config = tmp / f"prometheus-{tag}.yml"
    config.write_text(
        "global:\n"
        f"  scrape_interval: {scrape}s\n"
        f"  evaluation_interval: {interval}s\n"
        f"rule_files: [{rules}]\n"
        "scrape_configs:\n"
        "  - job_name: bench-exporter\n"
        "    honor_labels: true\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{exporter_port}']}}]\n"
    )
    log = (tmp / f"prometheus-{tag}.log").open("w")
    proc = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=400d",
            "--storage.tsdb.min-block-duration=2h",
            "--storage.tsdb.max-block-duration=2h",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: see {log.name}")
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"prometheus not ready in 120 s: see {log.name}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@dataclasses.dataclass
class Evaluations:
    groups: dict[str, list[float]]
    rules: dict[tuple[str, int, str, str], list[float]]  # (group, index, name, slo) -> seconds
    errors: list[str]


def collect_evaluations(url: str, evals: int, interval: int) -> Evaluations:
    """Poll /api/v1/rules until every group has evaluated `evals` times after a warm-up."""
    seen: dict[str, dict[str, float]] = {}
    rule_seen: dict[tuple[str, int, str, str], dict[str, float]] = {}
    errors: set[str] = set()
    deadline = time.monotonic() + (evals + 3) * interval * 3 + 60
    while True:
        groups = get_json(f"{url}/api/v1/rules")["data"]["groups"]
        for g in groups:
            last = g.get("lastEvaluation", "")
            if last and not last.startswith("0001-"):
                seen.setdefault(g["name"], {})[last] = float(g["evaluationTime"])
            for i, r in enumerate(g["rules"]):
                slo = r.get("labels", {}).get(c.LABEL_SLO, "")
                key = (g["name"], i, r["name"], slo)
                last_r = r.get("lastEvaluation", "")
                if last_r and not last_r.startswith("0001-"):
                    rule_seen.setdefault(key, {})[last_r] = float(r["evaluationTime"])
                if r.get("health") == "err":
                    errors.add(f"{g['name']}/{r['name']}: {r.get('lastError')}")
        if groups and all(len(seen.get(g["name"], {})) > evals for g in groups):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"groups did not evaluate {evals + 1} times in time: {seen}")
        time.sleep(0.5)

    def drop_warmup(by_time: dict[str, float]) -> list[float]:
        return [v for _, v in sorted(by_time.items())[1:]]

    return Evaluations(
        {k: drop_warmup(v) for k, v in seen.items()},
        {k: drop_warmup(v) for k, v in rule_seen.items()},
        sorted(errors),
    )


def query(url: str, expr: str) -> tuple[float, float, int, list[Any]]:
    """(server eval seconds, wall seconds, samples read, result) of one instant query."""
    params = urllib.parse.urlencode({"query": expr, "stats": "all"})
    t0 = time.perf_counter()
    body = get_json(f"{url}/api/v1/query?{params}")
    wall = time.perf_counter() - t0
    if body.get("status") != "success":
        raise RuntimeError(f"query failed: {expr}: {body}")
    stats = body["data"].get("stats", {})
    samples = int(stats.get("samples", {}).get("totalQueryableSamples", -1))
    server = float(stats.get("timings", {}).get("evalTotalTime", wall))
    return server, wall, samples, body["data"]["result"]


# --- main ------------------------------------------------------------------------------------


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=7, help="history to backfill")
    parser.add_argument("--scrape", type=int, default=30, help="raw sample spacing, seconds")
    parser.add_argument("--interval", type=int, default=15, help="evaluation interval, seconds")
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--evals", type=int, default=5, help="evaluations after the warm-up")
    parser.add_argument("--queries", type=int, default=5, help="direct queries per expression")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="eval-bench-"))
    try:
        return run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path) -> int:
    spec = load_spec(tmp)
    ours = compile_service(spec)
    raw = raw_variant(spec, ours)
    files = {}
    for tag, groups in (("ours", ours), ("raw", raw)):
        files[tag] = tmp / f"{tag}.rules.yaml"
        files[tag].write_text(dump_yaml(rule_file(groups), with_header=False))
        check = subprocess.run(
            [PROMTOOL, "check", "rules", str(files[tag])], capture_output=True, text=True
        )
        if check.returncode:
            print(check.stdout, check.stderr, file=sys.stderr)
            return 1

    rng = random.Random(20261128)
    series = make_series(args.instances, rng)
    end = int(time.time()) // args.scrape * args.scrape - args.scrape
    start = end - args.days * DAY
    om = tmp / "openmetrics"
    om.mkdir()
    t0 = time.perf_counter()
    paths, samples = write_openmetrics(
        om, series, spec, start, end, args.scrape, args.interval, rng
    )
    t_gen = time.perf_counter() - t0
    data = tmp / "data"
    data.mkdir()
    t0 = time.perf_counter()
    import_blocks(paths, data)
    t_import = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
    om_size = sum(p.stat().st_size for p in paths)
    shutil.rmtree(om)
    print(
        f"backfill: {len(series)} raw series x {args.days}d every {args.scrape}s + "
        f"{2 * len(spec.slos)} recorded 5m-rate series every {args.interval}s = "
        f"{samples / 1e6:.2f}M samples ({om_size / 1e6:.0f} MB OpenMetrics, generated in "
        f"{t_gen:.1f}s, imported in {t_import:.1f}s, {size / 1e6:.1f} MB of blocks)"
    )

    results: dict[str, Evaluations] = {}
    direct: dict[tuple[str, str], tuple[float, float, int]] = {}
    check_values: dict[str, tuple[float, float]] = {}
    slo = spec.slos[0]
    raw_rules = {
        (r.record, dict(r.labels)[c.LABEL_SLO]): r.expr
        for g in raw
        for r in g.rules
        if isinstance(r, Recording) and c.LABEL_SLO in dict(r.labels)
    }
    ours_rules = {
        (r.record, dict(r.labels)[c.LABEL_SLO]): r.expr
        for g in ours
        for r in g.rules
        if isinstance(r, Recording) and c.LABEL_SLO in dict(r.labels)
    }
    with Exporter(series, end) as exporter:
        for tag in ("ours", "raw"):
            with prometheus(
                tmp, data, files[tag], tag, args.interval, args.scrape, exporter.port
            ) as url:
                results[tag] = collect_evaluations(url, args.evals, args.interval)
                if tag != "ours":
                    continue
                # Direct queries while only our (cheap) rules run beside them.
                for window in long_windows(spec)[slo.name]:
                    record = c.record_sli_error_ratio(window)
                    runs: dict[str, list[tuple[float, float, int, list[Any]]]] = {
                        "ours": [],
                        "raw": [],
                    }
                    for i in range(args.queries):
                        order = ("ours", "raw") if i % 2 == 0 else ("raw", "ours")
                        for side in order:
                            rules = ours_rules if side == "ours" else raw_rules
                            runs[side].append(query(url, rules[(record, slo.name)]))
                    for side, rs in runs.items():
                        direct[(window, side)] = (
                            median([r[0] for r in rs]),
                            median([r[1] for r in rs]),
                            rs[-1][2],
                        )
                    values = [float(runs[s][-1][3][0]["value"][1]) for s in ("ours", "raw")]
                    check_values[window] = (values[0], values[1])

    report(args, spec, ours, results, direct, check_values)
    return 0


def report(
    args: argparse.Namespace,
    spec: ServiceSpec,
    groups: tuple[RuleGroup, ...],
    results: dict[str, Evaluations],
    direct: dict[tuple[str, str], tuple[float, float, int]],
    check_values: dict[str, tuple[float, float]],
) -> None:
    for tag, ev in results.items():
        for err in ev.errors:
            print(f"WARNING {tag}: rule error: {err}")
    print()
    print("Rules per SLO (identical in both files; only the long-window expressions differ):")
    counts = rule_counts(spec, groups)
    names = [g.name for g in groups]
    short = [n.removeprefix(f"adk-observe-{spec.name}-") for n in names]
    print("| SLO | " + " | ".join(short) + " | total | long windows |")
    print("|---" * (len(short) + 3) + "|")
    long = long_windows(spec)
    for owner, row in counts.items():
        cells = [str(row.get(n, 0)) for n in names]
        print(
            f"| {owner} | " + " | ".join(cells) + f" | {sum(row.values())} | "
            f"{', '.join(long.get(owner, [])) or '-'} |"
        )
    print()
    print(
        f"Median evaluationTime per group, ms ({args.evals} evaluations after a warm-up, "
        f"every {args.interval}s):"
    )
    print("| group | ours | raw | raw / ours |")
    print("|---|---|---|---|")
    totals = {"ours": 0.0, "raw": 0.0}
    for name, label in zip(names, short, strict=True):
        o = median(results["ours"].groups.get(name, [])) * 1000
        r = median(results["raw"].groups.get(name, [])) * 1000
        totals["ours"] += o
        totals["raw"] += r
        print(f"| {label} | {o:.2f} | {r:.2f} | {r / o:.1f} |")
    print(
        f"| **all groups** | {totals['ours']:.2f} | {totals['raw']:.2f} | "
        f"**{totals['raw'] / totals['ours']:.1f}** |"
    )
    print()
    print("Median evaluationTime per long-window rule, ms (inside the SLI group):")
    print("| SLO | rule | ours | raw | raw / ours |")
    print("|---|---|---|---|---|")
    sli_group = names[0]
    sums = [0.0, 0.0]
    for slo in spec.slos:
        for window in long[slo.name]:
            record = c.record_sli_error_ratio(window)
            o, r = (
                median(next(v for k, v in results[tag].rules.items()
                            if k[0] == sli_group and k[2:] == (record, slo.name))) * 1000
                for tag in ("ours", "raw")
            )
            sums[0] += o
            sums[1] += r
            print(f"| {slo.name} | {record} | {o:.3f} | {r:.2f} | {r / o:.0f} |")
    print(
        f"| all | the {sum(len(w) for w in long.values())} long-window rules | {sums[0]:.2f} | "
        f"{sums[1]:.1f} | **{sums[1] / sums[0]:.0f}** |"
    )
    print()
    slo = spec.slos[0]
    print(
        f"Direct /api/v1/query of SLO {slo.name}'s long windows (median of {args.queries}, "
        "server evalTotalTime; samples = totalQueryableSamples; value = result):"
    )
    print("| window | ours ms | raw ms | raw / ours | ours samples | raw samples | ours value "
          "| raw value |")
    print("|---|---|---|---|---|---|---|---|")
    for window in long[slo.name]:
        o, r = direct[(window, "ours")], direct[(window, "raw")]
        vo, vr = check_values[window]
        print(
            f"| {window} | {o[0] * 1000:.2f} | {r[0] * 1000:.1f} | {r[0] / o[0]:.0f} | "
            f"{o[2]:,} | {r[2]:,} | {vo:.5f} | {vr:.5f} |"
        )
    print()
    print(f"load average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.exit(main())
