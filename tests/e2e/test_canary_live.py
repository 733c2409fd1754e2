"""End to end: the generated canary analysis against live agents and a real Prometheus.

Three demo-agent processes stand in for the pods of a rollout, each labelled with its pod
template hash: the stable version (4.5 turns/s), a faulty canary at 10% of the stable+canary
traffic (0.5 turns/s, failing 1 turn in 20: 5%) and a healthy canary (0.5 turns/s). A real
Prometheus scrapes them with the generated plain-Prometheus job (its Kubernetes SD swapped for
static targets carrying the same meta labels), so the hash reaches the series through the
generated relabelling. A test-side evaluator runs Argo's AnalysisRun loop (interval, count,
failureLimit, inconclusiveLimit, with the conditions and assessment of checks/canary.py) over the
generated AnalysisTemplate: the faulty canary fails within failureLimit + 1 measurements, the
healthy one succeeds, and the whole-service query that the template used before this change
would have passed the faulty one.
"""

from __future__ import annotations

import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from adk_observe.checks import canary as cc
from adk_observe.checks.canary_load import metrics as metrics_of
from adk_observe.checks.canary_load import templates
from adk_observe.checks.prometheus import PrometheusClient
from adk_observe.cli import main
from adk_observe.demo.pod import READY_PREFIX
from adk_observe.demo.prometheus import PrometheusServer
from adk_observe.deploy.meta import pod_group
from adk_observe.deploy.scrape import SCRAPE_CONFIG_FILE, static_stand_in
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec
from adk_observe.rules import sli_query

SPEC = Path(__file__).with_name("canary-agent.yaml")
STABLE, BAD, GOOD = "5f7b9c8d74", "6d4cf56db6", "7a8b9c0d12"
PODS = {  # hash: (turns per second, fail 1 turn in N)
    STABLE: (4.5, 0),
    BAD: (0.5, 20),
    GOOD: (0.5, 0),
}
START_TIMEOUT = 120.0
TRAFFIC_TIMEOUT = 180.0
STOP_TIMEOUT = 15.0


def _start(spec_path: Path, rate: float, fail_every: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "adk_observe.demo.pod", "--spec", str(spec_path),
         "--rate", str(rate), "--fail-every", str(fail_every)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], deadline - time.monotonic())
        line = proc.stdout.readline() if ready else ""
        if line.startswith(READY_PREFIX):
            return proc, line.removeprefix(READY_PREFIX).strip()
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"demo pod did not start (exit {proc.poll()})")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.stdin is not None:
        proc.stdin.close()  # the pod stops when its standard input closes
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(STOP_TIMEOUT)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("canary-deploy")
    assert main(["render-deploy", str(SPEC), "-o", str(out)]) == 0
    return out / "canary-agent"


@pytest.fixture(scope="module")
def spec() -> ServiceSpec:
    return load_specs([SPEC])[0]


@pytest.fixture(scope="module")
def live(
    prometheus_binary: str, rendered: Path, spec: ServiceSpec
) -> Iterator[PrometheusServer]:
    procs: list[subprocess.Popen[str]] = []
    try:
        targets = {}
        for pod_hash, (rate, fail_every) in PODS.items():
            proc, address = _start(SPEC, rate, fail_every)
            procs.append(proc)
            targets[address] = {**pod_group(spec), "rollouts-pod-template-hash": pod_hash}
        config = yaml.safe_load((rendered / SCRAPE_CONFIG_FILE).read_text(encoding="utf-8"))
        (job,) = config["scrape_configs"]
        with PrometheusServer(
            rules={}, targets={}, scrape_jobs=[static_stand_in(spec, job, targets)],
            binary=prometheus_binary,
        ) as prom:
            up = f'up{{job="{spec.name}"}} == 1'
            prom.wait_until(lambda: len(prom.query(up)) == len(PODS), 60, "every pod scraped")
            yield prom
    finally:
        for proc in procs:
            _stop(proc)


def _gate_metrics(rendered: Path, canary: str) -> list[cc.Metric]:
    found = [t for t in templates(rendered) if t.data["metadata"]["name"].endswith("-gate")]
    assert len(found) == 1
    return metrics_of(found, {"canary-hash": canary, "stable-hash": STABLE})


def _seconds(interval: str) -> float:
    assert interval.endswith("s"), interval
    return float(interval[:-1])


def argo_analysis_run(
    metrics: list[cc.Metric], url: str
) -> tuple[cc.Phase, int, dict[str, cc.MetricResult]]:
    """Argo's AnalysisRun loop: every metric is measured each interval until it completes
    (count reached, or a limit exceeded); a Failed, Error or Inconclusive metric ends the run.
    Returns the run's phase, the number of measurement rounds and every metric's results."""
    results = {m.name: cc.MetricResult() for m in metrics}
    phases = {m.name: cc.Phase.RUNNING for m in metrics}
    interval = _seconds(metrics[0].interval)
    assert {m.interval for m in metrics} == {metrics[0].interval}
    rounds = 0
    while True:
        for m in metrics:
            if phases[m.name] is cc.Phase.RUNNING:
                results[m.name].add(cc.measure(m, PrometheusClient(url)))
                phases[m.name] = cc.assess(m, results[m.name])
        rounds += 1
        run = cc.run_phase(phases.values())
        if run is not cc.Phase.RUNNING:
            return run, rounds, results
        time.sleep(interval)  # the measurement interval itself: the schedule being emulated


def _volume_reached(prom: PrometheusServer, metrics: list[cc.Metric], needed: int) -> bool:
    (volume,) = [m for m in metrics if m.name == "request-volume"]
    value = prom.value(volume.query)
    return value is not None and value >= needed


@pytest.fixture
def served(live: PrometheusServer, rendered: Path, spec: ServiceSpec) -> PrometheusServer:
    """Argo's canary step pauses before the analysis: here, until both canaries have served
    min_requests turns inside the query window (else the gates are inconclusive by design).
    Every test that measures a gate waits for this before it starts: the window slides, so the
    traffic an earlier test waited for is not proof for a later one on a starved machine."""
    bad, good = _gate_metrics(rendered, BAD), _gate_metrics(rendered, GOOD)
    a = spec.deploy.strategy.analysis  # type: ignore[union-attr]
    assert a is not None
    live.wait_until(
        lambda: _volume_reached(live, bad, a.min_requests)
        and _volume_reached(live, good, a.min_requests),
        TRAFFIC_TIMEOUT,
        f"{a.min_requests} turns of each canary",
    )
    return live


def test_the_hash_reaches_every_series_through_the_generated_scrape_job(
    live: PrometheusServer, spec: ServiceSpec
) -> None:
    ups = live.query(f'up{{job="{spec.name}"}}')
    assert sorted(u["metric"]["rollouts_pod_template_hash"] for u in ups) == sorted(PODS)
    assert {u["metric"]["namespace"] for u in ups} == {"agents"}


def test_the_faulty_canary_fails_and_the_healthy_one_passes_argos_analysis_run(
    served: PrometheusServer, rendered: Path, spec: ServiceSpec
) -> None:
    live = served
    bad, good = _gate_metrics(rendered, BAD), _gate_metrics(rendered, GOOD)
    a = spec.deploy.strategy.analysis  # type: ignore[union-attr]
    assert a is not None

    phase, rounds, results = argo_analysis_run(bad, live.url)
    failure_limit = bad[0].failure_limit
    assert (phase, failure_limit) == (cc.Phase.FAILED, 0)
    assert rounds <= failure_limit + 1
    failed = sorted(n for n, r in results.items() if r.failed)
    assert failed == ["slo-success"], {n: r.measurements for n, r in results.items()}

    # What the template queried before: the whole service, stable and canary together, with
    # `len(result) == 0 || isNaN(result[0]) || result[0] <= budget`. At the same moment it
    # sees about 0.1 x 5% = 0.5% (0.45% with the healthy canary's traffic also in the job),
    # under the 1% budget: it would have promoted the faulty canary.
    success = spec.slo("success")
    assert success is not None
    whole = live.value(sli_query(spec, success.sli).ratio_at(a.query_window))
    assert whole is not None
    assert whole <= success.error_budget, f"whole-service error ratio {whole}"
    canary_only = cc.measure(
        bad[[m.name for m in bad].index("slo-success")], PrometheusClient(live.url)
    )
    print(f"whole-service error ratio {whole:.4f} (budget {success.error_budget}); "
          f"canary gate value {canary_only.value} (>1 fails)")

    phase, rounds, results = argo_analysis_run(good, live.url)
    assert phase is cc.Phase.SUCCESSFUL, {n: r.measurements for n, r in results.items()}
    assert rounds == good[0].count == 3
    assert all(r.successful == 3 for r in results.values())


def _verdict(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """canary-check's exit code and lines, measured again while it is Inconclusive (4): the
    canary's volume in the sliding 1m window hovers near min_requests on a starved machine, and
    Inconclusive is the right answer then (Argo pauses the rollout), not the verdict under test."""
    deadline = time.monotonic() + TRAFFIC_TIMEOUT
    while True:
        code = main(argv)
        out = capsys.readouterr().out
        if code != 4 or time.monotonic() > deadline:
            return code, out
        time.sleep(2.0)  # the analysis interval: the next measurement Argo would take


def test_canary_check_names_the_failing_gate_live(
    served: PrometheusServer, rendered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["canary-check", str(rendered), "--prometheus", served.url, "--stable-hash", STABLE]
    code, out = _verdict([*args, "--canary-hash", BAD], capsys)
    assert code == 1, out
    assert any(
        line.startswith("Failed") and "canary-agent-slo-gate/slo-success" in line
        for line in out.splitlines()
    ), out
    code, out = _verdict([*args, "--canary-hash", GOOD], capsys)
    assert code == 0, out
