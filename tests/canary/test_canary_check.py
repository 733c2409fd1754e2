"""`adk-observe canary-check` on the reference service's generated analysis (deploy/), against
a real Prometheus holding a known history: a canary failing 5% of its requests at 10% of the
traffic fails the gate and is named; a healthy canary passes; too little traffic is
inconclusive; no Prometheus, a rejected query and bad input get their own exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.canary import history

from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GATE = "support-agent-slo-gate"


def _check(
    prom_url: str, canary: str, capsys: pytest.CaptureFixture[str], folder: Path = DEPLOY
) -> tuple[int, dict[str, tuple[str, str]], str]:
    """(exit code, {template/metric: (phase, detail)}, stderr)"""
    code = main(
        [
            "canary-check",
            str(folder),
            "--prometheus",
            prom_url,
            "--canary-hash",
            canary,
            "--stable-hash",
            history.STABLE,
            "--at",
            str(history.END),
        ]
    )
    lines = {}
    captured = capsys.readouterr()
    for line in captured.out.splitlines():
        m = re.match(r"^(\w+)\s+(\S+): (.*)$", line)
        if m:
            lines[m.group(2)] = (m.group(1), m.group(3))
    return code, lines, captured.err


def _value(detail: str) -> float:
    m = re.match(r"result \[([^\]]*)\]", detail)
    assert m, detail
    return float(m.group(1))


def test_a_canary_failing_5_percent_at_10_percent_traffic_fails_and_is_named(
    canary_prometheus: PrometheusServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _check(canary_prometheus.url, history.BAD_CANARY, capsys)
    assert code == 1
    phase, detail = lines[f"{GATE}/slo-success"]
    assert phase == "Failed"
    # canary ratio 0.05 over max(budget 0.005, stable 0 + 0.0025) = 10 times the allowed ratio
    assert _value(detail) == pytest.approx(10.0)
    assert lines[f"{GATE}/slo-latency"][0] == "Successful"  # every request took 0.2 s
    assert lines[f"{GATE}/request-volume"][0] == "Successful"
    assert _value(lines[f"{GATE}/request-volume"][1]) == pytest.approx(300.0)  # 1/s over 5m


def test_a_healthy_canary_passes_every_gate(
    canary_prometheus: PrometheusServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _check(canary_prometheus.url, history.GOOD_CANARY, capsys)
    assert code == 0
    assert {name: phase for name, (phase, _) in lines.items()} == {
        f"{GATE}/p95-latency": "Successful",
        f"{GATE}/request-volume": "Successful",
        f"{GATE}/slo-success": "Successful",
        f"{GATE}/slo-latency": "Successful",
    }
    assert _value(lines[f"{GATE}/slo-success"][1]) == 0.0
    # p95 in the (0.1, 0.25] bucket: 0.1 + 0.15 * 0.95 = 0.2425 for both versions; allowed
    # max(0.3, 0.2425 * 1.5 = 0.36375): 0.2425 / 0.36375 = 2/3
    assert _value(lines[f"{GATE}/p95-latency"][1]) == pytest.approx(2 / 3)


def test_too_few_canary_requests_is_inconclusive_not_passed(
    canary_prometheus: PrometheusServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _check(canary_prometheus.url, history.QUIET_CANARY, capsys)
    assert code == 4
    # 0.1/s over 5m = 30 requests, below min_requests 100: every gate's query is empty
    assert _value(lines[f"{GATE}/request-volume"][1]) == pytest.approx(30.0)
    assert {phase for phase, _ in lines.values()} == {"Inconclusive"}
    assert lines[f"{GATE}/slo-success"][1] == "result []"


def test_a_hash_with_no_series_is_inconclusive(
    canary_prometheus: PrometheusServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _check(canary_prometheus.url, "0000000000", capsys)
    assert code == 4
    assert {detail for _, detail in lines.values()} == {"result []"}


def test_unreachable_prometheus_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = _check(f"http://127.0.0.1:{free_port()}", history.GOOD_CANARY, capsys)
    assert code == 3


def _template(tmp_path: Path, query: str, condition: str) -> Path:
    (tmp_path / "at.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\n"
        "metadata: {name: t, namespace: x}\n"
        "spec:\n  args: [{name: canary-hash}, {name: stable-hash}]\n  metrics:\n"
        f"  - name: m\n    successCondition: '{condition}'\n"
        f"    provider: {{prometheus: {{address: http://x, query: '{query}'}}}}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_a_query_prometheus_rejects_is_an_error_exit_3(
    canary_prometheus: PrometheusServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = _template(tmp_path, "sum(rate(x[5m]) by", "result[0] < 1")
    code, lines, _ = _check(canary_prometheus.url, history.GOOD_CANARY, capsys, folder)
    assert code == 3
    assert lines["t/m"][0] == "Error"
    assert "parse error" in lines["t/m"][1]


def test_no_data_under_result_0_is_an_error_as_in_argo(
    canary_prometheus: PrometheusServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    query = 'sum(up{job="nothing-here",x="{{args.canary-hash}}"})'
    folder = _template(tmp_path, query, "result[0] < 1")
    code, lines, _ = _check(canary_prometheus.url, history.GOOD_CANARY, capsys, folder)
    assert (code, lines["t/m"][0]) == (3, "Error")
    assert "index out of range" in lines["t/m"][1]


@pytest.mark.parametrize(
    ("canary", "query", "condition", "message"),
    [
        ('abc"} or vector(1)', "up", "true", "is not a pod template hash"),
        ("abc", None, "", "no AnalysisTemplate under"),
        ("abc", "up", "result[0] ~ 1", "unsupported syntax at '~ 1'"),
        ("abc", "{{args.other}}", "true", "argument 'other' has no value"),
    ],
    ids=["a hash that is not one", "no template", "a condition outside the subset", "an arg"],
)
def test_bad_input_exits_2_with_a_clear_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    canary: str,
    query: str | None,
    condition: str,
    message: str,
) -> None:
    folder = tmp_path if query is None else _template(tmp_path, query, condition)
    code, lines, err = _check("http://127.0.0.1:1", canary, capsys, folder)
    assert (code, lines) == (2, {})
    assert message in err
