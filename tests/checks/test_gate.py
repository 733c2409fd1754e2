"""`adk-observe gate`: its exit codes and lines, against the backfilled Prometheus."""

from __future__ import annotations

import http.server
import math
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adk_observe.checks.budget import Budget, rolling
from adk_observe.checks.gate import judge, overall
from adk_observe.checks.report import SLOReport
from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer, free_port

AT = "2026-11-03T00:00:00Z"


def _gate(
    prom_url: str, spec: Path, *extra: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str], str]:
    code = main(["gate", str(spec), "--prometheus", prom_url, "--at", AT, *extra])
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def test_the_policy_holds_with_enough_budget_left(
    backfilled: PrometheusServer, specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _gate(backfilled.url, specs["steady"], "--min-budget", "50", capsys=capsys)
    assert code == 0
    # 0.4% errors of a 1% budget: 60% left, burning at 0.4x.
    assert lines[0].startswith("PASS steady/success: 60.00% of the 2d budget left, 1h burn 0.40x")
    assert lines[1] == "PASS steady/availability: 100.00% of the 2d budget left, 1h burn 0.00x"


def test_too_little_budget_fails_with_one_line_per_failing_slo(
    backfilled: PrometheusServer, specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _gate(backfilled.url, specs["steady"], "--min-budget", "70%", capsys=capsys)
    assert code == 1
    assert lines[0].startswith("FAIL steady/success: 60.00% of the 2d budget left")
    assert lines[0].endswith("(below the 70% minimum)")
    assert lines[1].startswith("PASS steady/availability")


def test_a_burn_above_the_maximum_fails(
    backfilled: PrometheusServer, specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _gate(
        backfilled.url,
        specs["steady"],
        "--min-budget",
        "10",
        "--max-burn",
        "0.3",
        "--slo",
        "success",
        capsys=capsys,
    )
    assert code == 1
    assert len(lines) == 1
    assert lines[0].endswith("(burning above the 0.3x maximum)")
    code, lines, _ = _gate(
        backfilled.url,
        specs["steady"],
        "--min-budget",
        "10",
        "--max-burn",
        "0.5",
        "--slo",
        "success",
        capsys=capsys,
    )
    assert code == 0


def test_an_overspent_budget_fails(
    backfilled: PrometheusServer, specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _gate(
        backfilled.url,
        specs["incident-raw"],
        "--min-budget",
        "0",
        "--slo",
        "availability",
        capsys=capsys,
    )
    assert code == 1
    # 30 minutes down of a 14.4-minute budget: -108.3% left (Prometheus counts 2,881 `up`
    # samples in a closed 2d range, so it reads -108.26%).
    assert len(lines) == 1
    assert lines[0].startswith("FAIL incident-raw/availability: -108.")
    # A spent budget names the rules' change-freeze alert (issue 22).
    assert lines[0].endswith(
        "% of the 2d budget left, 1h burn 0.00x (below the 0% minimum; budget exhausted: "
        "change freeze (alert IncidentRawAvailabilityErrorBudgetExhausted))"
    )


def test_no_traffic_is_inconclusive(
    backfilled: PrometheusServer, specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = _gate(backfilled.url, specs["quiet"], "--min-budget", "10", capsys=capsys)
    assert code == 4
    assert lines[0] == "NO DATA quiet/success: no traffic in the window"


def test_an_unreachable_prometheus_is_exit_3(
    specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, lines, err = _gate(url, specs["steady"], "--min-budget", "10", capsys=capsys)
    assert code == 3
    assert lines == []
    assert err.startswith(f"error: {url} is unreachable:")
    assert "Traceback" not in err


class _NotPrometheus(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<html>a login page</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def not_prometheus() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _NotPrometheus)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_unusable_answer_is_exit_3(
    not_prometheus: str, specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = _gate(not_prometheus, specs["steady"], "--min-budget", "10", capsys=capsys)
    assert code == 3
    assert lines == []
    assert err == f"error: {not_prometheus} did not answer with the Prometheus API's JSON\n"


def test_an_unknown_slo_is_bad_input(
    specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, _lines, err = _gate(
        url, specs["steady"], "--min-budget", "10", "--slo", "latency", capsys=capsys
    )
    assert code == 2
    assert err == "error: --slo latency: no such SLO (the specs have: availability, success)\n"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--min-budget", "150", "'150' must be between 0 and 100"),
        ("--max-burn", "-1", "'-1' must be a finite number above zero"),
        ("--at", "yesterday", "'yesterday' is not a time like 2026-12-01T00:00:00Z"),
    ],
)
def test_bad_options_are_bad_input(
    specs: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    message: str,
) -> None:
    argv = [
        "gate",
        str(specs["steady"]),
        "--prometheus",
        "http://127.0.0.1:1",
        "--min-budget",
        "10",
        option,
        value,
    ]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_a_bad_spec_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: adk-observe/v1\nkind: AgentService\nmetadata: {name: x}\n"
        "spec:\n  slos:\n    - {name: a, objective: 120, sli: {builtin: success}}\n"
    )
    code, _lines, err = _gate("http://127.0.0.1:1", bad, "--min-budget", "10", capsys=capsys)
    assert code == 2
    assert err.startswith(f"error: {bad}:6: spec.slos[0].objective:")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def test_a_prometheus_that_does_not_answer_times_out_with_exit_3(
    silent_port: int, specs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{silent_port}"
    code, lines, err = _gate(
        url, specs["steady"], "--min-budget", "10", "--timeout", "0.5", capsys=capsys
    )
    assert (code, lines) == (3, [])
    assert err.startswith(f"error: {url} is unreachable:")
    assert "timed out" in err


def test_report_against_an_unreachable_prometheus_is_exit_3_and_writes_nothing(
    specs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    out = tmp_path / "out" / "report.html"
    argv = ["report", str(specs["steady"]), "--prometheus", url, "--format", "html", "-o", str(out)]
    assert main(argv) == 3
    assert capsys.readouterr().err.startswith(f"error: {url} is unreachable:")
    assert not out.parent.exists()


# --- the policy at its bounds (pure: synthetic figures, no Prometheus) ---------------------------


def _slo(left: float | None, burn: float | None, name: str = "s") -> SLOReport:
    """An SLO with `left` of its budget (a fraction) and a 1h burn rate of `burn`."""
    window = rolling(1_800_000_000, 30 * 86400, "30d")
    b = None if left is None else Budget("requests", total=1000.0, spent=(1 - left) * 1000.0)
    return SLOReport(
        name=name,
        objective=99.0,
        window=window,
        source="recorded",
        error_ratio=None if left is None else 0.01 * (1 - left),
        budget=b,
        burn_rates=(("1h", burn),),
        pairs=(),
        exhaustion_seconds=None,
        firing=(),
        time_based=False,
        no_data="" if left is not None else "no traffic in the window",
    )


@pytest.mark.parametrize(
    ("left", "min_budget", "outcome"),
    [
        (0.5, 50.0, "pass"),  # exactly the minimum left: the policy holds (documented: at least)
        (0.5 - 1e-9, 50.0, "fail"),  # a hair below it fails
        (0.5 + 1e-9, 50.0, "pass"),
        (0.0, 0.0, "pass"),  # spent exactly, with a 0% minimum
        (-1e-9, 0.0, "fail"),  # overspent fails any minimum
        (1.0, 100.0, "pass"),  # untouched meets a 100% minimum
    ],
)
def test_the_gate_passes_at_exactly_min_budget_and_fails_just_below(
    left: float, min_budget: float, outcome: str
) -> None:
    assert judge("svc", _slo(left, 0.5), min_budget, None).outcome == outcome


def test_a_spent_budget_names_the_change_freeze_alert_whatever_the_policy() -> None:
    """The rules' ErrorBudgetExhausted alert fires at remaining <= 0: the gate names it, and
    the policy alone decides pass or fail (a 0% minimum holds at exactly 0)."""
    freeze = "(budget exhausted: change freeze (alert SvcSErrorBudgetExhausted))"
    spent = judge("svc", _slo(0.0, 0.5), 0.0, None)
    assert (spent.outcome, spent.line.endswith(freeze)) == ("pass", True)
    assert "budget exhausted" not in judge("svc", _slo(1e-9, 0.5), 0.0, None).line


@pytest.mark.parametrize(
    ("burn", "max_burn", "outcome"),
    [
        (2.0, 2.0, "pass"),  # exactly the maximum burn: allowed (documented: at most)
        (2.0 + 1e-9, 2.0, "fail"),  # a hair above it fails
        (2.0 - 1e-9, 2.0, "pass"),
        (None, 2.0, "pass"),  # no traffic in the last hour burns nothing
    ],
)
def test_the_gate_passes_at_exactly_max_burn_and_fails_just_above(
    burn: float | None, max_burn: float, outcome: str
) -> None:
    assert judge("svc", _slo(0.9, burn), 10.0, max_burn).outcome == outcome


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (("pass", "fail", "no data"), "fail"),  # a failure is a failure beside no data
        (("no data", "fail"), "fail"),
        (("pass", "no data"), "no data"),
        (("pass", "pass"), "pass"),
        ((), "pass"),
    ],
)
def test_the_overall_outcome_fails_first_then_no_data(
    outcomes: tuple[str, ...], expected: str
) -> None:
    lefts = {"pass": 0.9, "fail": 0.01, "no data": None}
    verdicts = [
        judge("svc", _slo(lefts[o], 0.1, f"s{i}"), 50.0, None) for i, o in enumerate(outcomes)
    ]
    assert [v.outcome for v in verdicts] == list(outcomes)
    assert overall(verdicts) == expected


def test_figures_that_are_not_finite_are_null_in_the_json_report() -> None:
    from dataclasses import replace

    from adk_observe.checks.report_render import slo_data

    slo = replace(_slo(0.5, math.inf), exhaustion_seconds=math.nan)
    data = slo_data(slo)
    assert (data["burn_rates"]["1h"], data["exhaustion_seconds"]) == (None, None)
    assert data["budget_remaining"] == 0.5
