"""`adk-observe gate`: its exit codes and lines, against the backfilled Prometheus."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

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
        ("--max-burn", "-1", "'-1' must be greater than zero"),
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
