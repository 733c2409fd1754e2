"""`canary-check` at its edges, on histories backfilled into a real Prometheus (promtool), shaped
as the agent's exposition and the rendered scrape write them: `adk_agent_requests_total` and
`adk_agent_request_duration_seconds` with `job`, `namespace`, `pod`, `instance` and the
`rollouts_pod_template_hash` that tells the canary's pods from the stable's.

The analysis is the one `render-deploy` writes for examples/support-agent.yaml: a 5m window,
min_requests 100, max_p95 300ms (the stable's p95 x 1.5 when looser), and the `success` (99.5%:
budget 0.005, or the stable's ratio + 0.0025) and `latency` (95% under 500ms: budget 0.05, or
the stable's ratio + 0.025) SLOs. Every expected figure below is worked out by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import backfill, require_tool

from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer, free_port

pytestmark = pytest.mark.slow

MINUTE, HOUR = 60, 3600
END = 1_793_664_000  # 2026-11-03T00:00:00Z
AT = "2026-11-03T00:00:00Z"
EXAMPLE = Path(__file__).parents[2] / "examples" / "support-agent.yaml"
BUCKETS = ("0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0", "+Inf")


def _pod(
    pod_hash: str,
    per_minute: int,
    *,
    last: str = "",
    buckets: tuple[str, ...] = BUCKETS,
) -> dict[str, list[str]]:
    """One pod's series, a sample a minute from END - 1h to END: `per_minute` requests, none
    failing, every one under 100ms. `last`: the 200 counter's sample at END (e.g. "+Inf")."""
    labels = (
        f'job="support-agent",namespace="adk-agents",pod="support-agent-{pod_hash}-x1",'
        f'instance="10.0.0.1:9464",rollouts_pod_template_hash="{pod_hash}",'
        'agent_id="support-agent",method="POST",endpoint="/run"'
    )
    out: dict[str, list[str]] = {"requests": [], "bucket": [], "count": []}
    for i, t in enumerate(range(END - HOUR, END + 1, MINUTE)):
        n = i * per_minute
        ok = last if last and t == END else str(n)
        out["requests"].append(f'adk_agent_requests_total{{{labels},status_code="200"}} {ok} {t}')
        for le in buckets:
            out["bucket"].append(
                f'adk_agent_request_duration_seconds_bucket{{{labels},le="{le}"}} {n} {t}'
            )
        out["count"].append(f"adk_agent_request_duration_seconds_count{{{labels}}} {n} {t}")
    return out


STABLE = "5ab1e00"
HEALTHY = "c0ffee1"  # 100 requests a minute: 500 in the 5m window, none failing, all fast
INFINITE = "c0ffee2"  # the same, but its 200 counter reads +Inf at END (a broken exporter or proxy)

# A release whose histogram buckets leave out the latency SLO's 500ms threshold, in the canary
# and the stable alike (0.5 is missing): the latency SLI cannot be read on either side.
NO_THRESHOLD = tuple(le for le in BUCKETS if le != "0.5")
STABLE_UNBUCKETED, UNBUCKETED = "5ab1e03", "c0ffee3"
# A stable whose pods are still scraped but serve nothing (every counter stays 0).
IDLE_STABLE = "5ab1e04"

PODS = [
    _pod(STABLE, 1000),
    _pod(HEALTHY, 100),
    _pod(INFINITE, 100, last="+Inf"),
    _pod(STABLE_UNBUCKETED, 1000, buckets=NO_THRESHOLD),
    _pod(UNBUCKETED, 100, buckets=NO_THRESHOLD),
    _pod(IDLE_STABLE, 0),
]


def _openmetrics() -> str:
    lines = ["# TYPE adk_agent_requests counter"]
    lines += [line for pod in PODS for line in pod["requests"]]
    lines.append("# TYPE adk_agent_request_duration_seconds histogram")
    lines += [line for pod in PODS for line in pod["bucket"] + pod["count"]]
    return "\n".join([*lines, "# EOF"]) + "\n"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return backfill(tmp_path_factory.mktemp("canary-edges"), _openmetrics())


def _serve(history: Path, **options: object) -> Iterator[PrometheusServer]:
    binary = require_tool("prometheus")
    with PrometheusServer(
        rules={}, targets={}, binary=binary, storage=history, retention="3650d", **options
    ) as server:
        server.wait_until(
            lambda: server.api("query", query="adk_agent_requests_total", time=str(END))["result"],
            30,
            "the backfilled blocks to load",
        )
        yield server


@pytest.fixture(scope="module")
def prom(history: Path) -> Iterator[PrometheusServer]:
    yield from _serve(history)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("canary-edges-deploy")
    assert main(["render-deploy", str(EXAMPLE), "-o", str(out)]) == 0
    return out / "support-agent"


def _check(
    url: str,
    rendered: Path,
    canary: str,
    capsys: pytest.CaptureFixture[str],
    stable: str = STABLE,
) -> tuple[int, dict[str, str]]:
    """canary-check's exit code and each metric's line, by metric name."""
    code = main(
        ["canary-check", str(rendered), "--prometheus", url, "--at", AT,
         "--canary-hash", canary, "--stable-hash", stable]
    )  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    lines = {line.split("/")[1].split(":")[0]: line for line in out[:-1]}
    assert out[-1].startswith("canary-check: "), out
    return code, lines


def test_a_healthy_canary_with_enough_traffic_passes_every_gate(
    prom: PrometheusServer, rendered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 100 requests a minute: 500 in 5m (>= 100); no 5xx: slo-success 0; none over 500ms:
    # slo-latency 0; p95 0.095s (95% of the way through the 0-100ms bucket) against the looser
    # of 300ms and the stable's 0.095 x 1.5: 0.095 / 0.3 = 0.3167.
    code, lines = _check(prom.url, rendered, HEALTHY, capsys)
    assert code == 0, lines
    assert sorted(lines) == ["p95-latency", "request-volume", "slo-latency", "slo-success"]
    assert all(line.startswith("Successful ") for line in lines.values()), lines
    assert "result [500]" in lines["request-volume"]


# --- a Prometheus answering with warnings: partial data -----------------------------------------


@pytest.fixture(scope="module")
def partial(history: Path) -> Iterator[PrometheusServer]:
    """The same history, with a remote-read store that does not answer (nothing listens on its
    port): Prometheus answers every query from its own blocks, with a `warnings` entry saying
    the store's part is missing (as Thanos does for a partial response)."""
    store = f"http://127.0.0.1:{free_port()}/api/v1/read"
    yield from _serve(history, remote_read=[{"url": store, "read_recent": True}])


def test_an_answer_with_warnings_is_never_successful(
    partial: PrometheusServer, rendered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The healthy canary again, but every answer says data is missing: no gate can pass on it.
    # Before: 4 Successful and exit 0 (the warnings were not read).
    code, lines = _check(partial.url, rendered, HEALTHY, capsys)
    assert code == 4, lines
    assert sorted(lines) == ["p95-latency", "request-volume", "slo-latency", "slo-success"]
    for line in lines.values():
        assert line.startswith("Inconclusive "), line
        assert "Prometheus warned: remote_read" in line, line
        assert "(a partial answer: not Successful)" in line, line


# --- samples that are not data ------------------------------------------------------------------


def test_an_infinite_request_count_is_no_evidence_for_any_gate(
    prom: PrometheusServer, rendered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The canary's 200 counter reads +Inf at END: increase() over the window is +Inf, and the
    # success ratio 0 / +Inf is 0. Before: request-volume Successful on [inf] (+Inf >= 100),
    # slo-success Successful on [0], the latency gates (their histogram is finite) Successful:
    # exit 0 on a count nobody can read. Now the volume is no count (`< Inf` drops it): every
    # gate guarded by it is empty, and empty is Inconclusive.
    code, lines = _check(prom.url, rendered, INFINITE, capsys)
    assert code == 4, lines
    for name in ("p95-latency", "request-volume", "slo-latency", "slo-success"):
        assert lines[name].startswith("Inconclusive "), lines[name]
        assert lines[name].endswith(": result []"), lines[name]


def test_a_latency_slo_whose_threshold_is_no_bucket_is_not_measured_by_matching_the_stable(
    prom: PrometheusServer, rendered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Neither side has an le="0.5" series. Before: the bucket read as 0 requests under 500ms,
    # so both read 100% slow; the canary's 1 against the looser of 0.05 and the stable's
    # 1 + 0.025 gave 1 / 1.025 = 0.9756: slo-latency Successful, and with the other gates
    # fine (p95 0.095 / 0.3, 500 requests, no 5xx) exit 0 on a latency nobody measured.
    # Now the narrowed SLI needs its threshold bucket: no bucket, no ratio, Inconclusive.
    code, lines = _check(prom.url, rendered, UNBUCKETED, capsys, stable=STABLE_UNBUCKETED)
    assert code == 4, lines
    assert lines["slo-latency"].startswith("Inconclusive "), lines["slo-latency"]
    assert lines["slo-latency"].endswith(": result []"), lines["slo-latency"]
    for name in ("p95-latency", "request-volume", "slo-success"):
        assert lines[name].startswith("Successful "), lines[name]


def test_a_canary_with_its_threshold_bucket_is_measured_against_the_slo_when_the_stable_has_none(
    prom: PrometheusServer, rendered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The healthy canary (every request under 100ms, so under 500ms: ratio 0) against the stable
    # without the bucket: no stable ratio, so the SLO's own budget (0.05) is the limit: 0 / 0.05.
    code, lines = _check(prom.url, rendered, HEALTHY, capsys, stable=STABLE_UNBUCKETED)
    assert code == 0, lines
    assert lines["slo-latency"].startswith("Successful "), lines["slo-latency"]
    assert "result [0]" in lines["slo-latency"], lines["slo-latency"]


def test_an_idle_stable_leaves_the_slos_own_limits_not_an_inconclusive_p95(
    prom: PrometheusServer, rendered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The stable's series exist but none grew in the window: its p95 is NaN (no observations),
    # its ratios have no denominator. No stable data means the SLO's own limits (docs/deploy.md):
    # p95 0.095 / 0.3 = 0.3167, slo-success 0 / 0.005, slo-latency 0 / 0.05, all Successful.
    # Before: the ratio gates fell back so, but the p95 gate divided by clamp_min(NaN, 0.3),
    # which is NaN: Inconclusive [NaN], exit 4, however good the canary.
    code, lines = _check(prom.url, rendered, HEALTHY, capsys, stable=IDLE_STABLE)
    assert code == 0, lines
    assert all(line.startswith("Successful ") for line in lines.values()), lines
    assert "result [0.316666" in lines["p95-latency"], lines["p95-latency"]
