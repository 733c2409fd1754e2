"""`lint --prometheus URL` checks the bucket a latency SLI on someone else's histogram reads.

A real Prometheus scrapes a real exposition (prometheus_client serving the Kubernetes API
server's request histogram with its real bounds, which include 0.4 and not 0.3): a threshold the
histogram has passes, one it lacks fails naming the live bounds, a histogram nobody exports
fails (nothing was checked), and an unreachable Prometheus is exit 3, not a pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Histogram, start_http_server
from tests.conftest import require_tool

from adk_observe.cli import main
from adk_observe.demo.prometheus import LOOPBACK, PrometheusServer, free_port

# kube-apiserver's apiserver_request_duration_seconds (staging/src/k8s.io/apiserver, metrics.go).
APISERVER_BUCKETS = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5)
APISERVER_BUCKETS += (6, 8, 10, 15, 20, 30, 45, 60)

SPEC = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: reads
spec:
  service: apiserver
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  indicator:
    metadata:
      name: read-latency
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: {metric}_bucket{{verb="GET"}}
  objectives:
    - op: lte
      value: {value}
      target: 0.99
"""


@pytest.fixture(scope="module")
def prometheus() -> Iterator[str]:
    binary = require_tool("prometheus")
    registry = CollectorRegistry()
    histogram = Histogram(
        "apiserver_request_duration_seconds",
        "Response latency distribution in seconds for each verb.",
        ["verb"],
        buckets=APISERVER_BUCKETS,
        registry=registry,
    )
    for seconds in (0.03, 0.3, 0.35, 0.7):
        histogram.labels(verb="GET").observe(seconds)
    port = free_port()
    server, thread = start_http_server(port, LOOPBACK, registry)
    try:
        with PrometheusServer(
            rules={}, targets={"apiserver": f"{LOOPBACK}:{port}"}, binary=binary
        ) as prom:
            prom.wait_for_targets_up()
            yield prom.url
    finally:
        server.shutdown()
        thread.join()


def _lint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, value: float, metric: str
) -> tuple[int, str, str]:
    spec = tmp_path / "slo.yaml"
    spec.write_text(SPEC.format(metric=metric, value=value), encoding="utf-8")
    code = main(["lint", str(spec), "--prometheus", url])
    out, err = capsys.readouterr()
    return code, out, err.replace(str(spec), "SPEC")


NOTE = (
    "note: SPEC:22: spec.objectives[0].value: {v} is not a default bucket bound of the client "
    "libraries: the rules assume apiserver_request_duration_seconds has a bucket le={v} (check "
    "it with `adk-observe lint --prometheus URL`); without one every observation counts as an "
    "error\n"
)


def test_a_live_bucket_passes(
    prometheus: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _lint(tmp_path, capsys, prometheus, 0.4, "apiserver_request_duration_seconds")
    assert (code, out, err) == (0, "apiserver: ok\n", NOTE.format(v=0.4))


def test_a_threshold_between_live_bounds_fails(
    prometheus: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _lint(tmp_path, capsys, prometheus, 0.3, "apiserver_request_duration_seconds")
    bounds = ", ".join(f"{b:g}" for b in APISERVER_BUCKETS)
    assert (code, out) == (1, "apiserver: 1 problem(s)\n")
    assert err == NOTE.format(v=0.3) + (
        f"SPEC: SLO reads: apiserver_request_duration_seconds has no bucket le=0.3 in "
        f"Prometheus (its bounds: {bounds}): every observation would count as an error\n"
    )


def test_a_histogram_without_series_fails(
    prometheus: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _lint(tmp_path, capsys, prometheus, 0.5, "etcd_request_duration_seconds")
    assert (code, out) == (1, "apiserver: 1 problem(s)\n")
    assert err == (
        'SPEC: SLO reads: Prometheus has no etcd_request_duration_seconds_bucket{verb="GET"} '
        "series: the bucket le=0.5 the rules read cannot be checked\n"
    )


def test_an_unreachable_prometheus_is_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://{LOOPBACK}:{free_port()}"
    code, out, err = _lint(tmp_path, capsys, url, 0.4, "apiserver_request_duration_seconds")
    assert (code, out) == (3, "")
    assert err.startswith(NOTE.format(v=0.4) + f"error: {url}")
    assert err.count("\n") == 2
