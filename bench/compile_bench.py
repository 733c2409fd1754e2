"""Rules compiler at scale: N SLOs -> load -> compile -> render (target: 1,000 SLOs end to end
under 1 s, and linear up to 10,000).

For N in (125, 250, 500, 1000, 10000) a single adk-observe/v1 service with N SLOs, cycling
through every SLI kind (builtin uptime, success, latency, satisfaction; events with errors,
events with good; histogram latency; raw ratio), is generated as YAML text, loaded with
`load_specs`, compiled with `compile_service` and rendered with `rule_file` + `dump_yaml`. Each
stage is timed best-of-3 (wall clock, and process CPU time beside it: the machine is shared);
"end to end" (load + compile + render: the file on disk to the rule file's text) is the measured
quantity, "load" (YAML parse, pydantic validation, mapping to the model) and "compile + render"
are shown beside it. The baseline of the same run is N=1000: linear scaling means
time(N) / time(1000) = N / 1000.

    .venv/bin/python bench/compile_bench.py [--sizes 125 ... 10000] [--repeat 3] [--profile N]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec
from adk_observe.render import dump_yaml
from adk_observe.rules import compile_service, rule_file

T = TypeVar("T")
SIZES = (125, 250, 500, 1000, 10_000)
TARGET_SECONDS = 1.0  # end to end at N = 1000
BASELINE = 1000

HEADER = """apiVersion: adk-observe/v1
kind: AgentService
metadata:
  name: scale-agent
  namespace: bench
spec:
  slos:
"""

# One template per SLI kind; {i} makes every name and series distinct.
KINDS: tuple[str, ...] = (
    """    - name: uptime-{i}
      objective: 99.9
      sli: {{builtin: uptime}}
""",
    """    - name: success-{i}
      objective: 99.5
      sli: {{builtin: success}}
""",
    """    - name: latency-{i}
      objective: 95
      sli: {{builtin: latency, threshold: 500ms}}
""",
    """    - name: satisfaction-{i}
      objective: 90
      sli: {{builtin: satisfaction, good_above: 4.0}}
""",
    """    - name: checkout-{i}
      objective: 99.9
      sli:
        events:
          errors: sum(rate(http_requests_total{{job="svc{i}",code=~"5.."}}[{{{{window}}}}]))
          total: sum(rate(http_requests_total{{job="svc{i}"}}[{{{{window}}}}]))
      alerting:
        page: {{labels: {{team: pay}}}}
        ticket: {{enabled: false}}
""",
    """    - name: refunds-{i}
      objective: 99
      sli:
        events:
          good: rate(refunds_total{{shard="{i}",result="ok"}}[{{{{window}}}}])
          total: rate(refunds_total{{shard="{i}"}}[{{{{window}}}}])
""",
    """    - name: gateway-latency-{i}
      objective: 99
      sli:
        latency:
          metric: gateway_request_duration_seconds
          selector: 'job="gateway{i}"'
          threshold: 250ms
          buckets: [0.1, 0.25, 0.5, 1]
""",
    """    - name: fraud-check-{i}
      objective: 99.5
      sli:
        raw:
          error_ratio: 1 - avg_over_time(fraud_check_healthy{{job="fraud{i}"}}[{{{{window}}}}])
""",
)


def spec_yaml(n: int) -> str:
    return HEADER + "".join(KINDS[i % len(KINDS)].format(i=i) for i in range(n))


def best_of(repeat: int, fn: Callable[[], T]) -> tuple[float, float, T]:
    """Best wall-clock and best CPU seconds of `repeat` calls, and the last result."""
    wall = cpu = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu, result  # type: ignore[return-value]


def compile_and_render(spec: ServiceSpec) -> tuple[int, str]:
    groups = compile_service(spec)
    text = dump_yaml(rule_file(groups), source="bench")
    return sum(len(g.rules) for g in groups), text


def load(path: Path) -> ServiceSpec:
    (spec,) = load_specs([path])
    return spec


def end_to_end(path: Path) -> tuple[int, str]:
    return compile_and_render(load(path))


def main(sizes: tuple[int, ...], repeat: int, profile: int) -> None:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp, f"scale-{n}.yaml")
            path.write_text(spec_yaml(n))
            load_s, _, spec = best_of(repeat, lambda p=path: load(p))  # type: ignore[misc]
            assert len(spec.slos) == n
            compile_s, _, _ = best_of(repeat, lambda s=spec: compile_service(s))  # type: ignore[misc]
            total_s, total_cpu, (rules, text) = best_of(
                repeat, lambda s=spec: compile_and_render(s)  # type: ignore[misc]
            )
            e2e_s, e2e_cpu, _ = best_of(repeat, lambda p=path: end_to_end(p))  # type: ignore[misc]
            rows.append(
                {"n": n, "load": load_s, "compile": compile_s, "total": total_s,
                 "cpu": total_cpu, "rules": rules, "kib": len(text) / 1024,
                 "e2e": e2e_s, "e2e_cpu": e2e_cpu}
            )
            if n == profile:
                profiler = cProfile.Profile()
                profiler.enable()
                compile_and_render(spec)
                profiler.disable()
                print(f"--- cProfile of compile + render, N={n} (top 25 by cumulative time)")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
                pstats.Stats(profiler).sort_stats("tottime").print_stats(15)

    print(f"{'N SLOs':>7} | {'end to end s':>12} | {'(CPU s)':>7} | {'us/SLO':>7} | "
          f"{'load s':>7} | {'compile+render s':>16} | {'compile s':>9} | {'rules':>7} | "
          f"{'YAML KiB':>8}")
    for r in rows:
        print(f"{r['n']:>7} | {r['e2e']:>12.3f} | {r['e2e_cpu']:>7.3f} | "
              f"{r['e2e'] / r['n'] * 1e6:>7.0f} | {r['load']:>7.3f} | {r['total']:>16.3f} | "
              f"{r['compile']:>9.3f} | {r['rules']:>7} | {r['kib']:>8.0f}")
    by_n = {r["n"]: r for r in rows}
    base = by_n.get(BASELINE)
    if base is None:
        return
    for r in rows:
        if r["n"] != BASELINE:
            print(f"time({r['n']}) / time({BASELINE}) (linear: {r['n'] / BASELINE:g}): end to "
                  f"end {r['e2e'] / base['e2e']:.2f} (CPU {r['e2e_cpu'] / base['e2e_cpu']:.2f}), "
                  f"load {r['load'] / base['load']:.2f}, compile+render "
                  f"{r['total'] / base['total']:.2f}")
    verdict = "meets" if base["e2e"] < TARGET_SECONDS else "MISSES"
    print(f"{BASELINE:,} SLOs end to end in {base['e2e']:.3f} s (CPU {base['e2e_cpu']:.3f} s): "
          f"{verdict} the {TARGET_SECONDS:g} s target")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="cProfile this N (0: none)")
    args = parser.parse_args()
    main(tuple(args.sizes), args.repeat, args.profile)
