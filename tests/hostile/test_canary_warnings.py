"""canary-check on answers that carry Prometheus `warnings` (a partial answer: a remote-read or
Thanos store that did not answer), from a fake server, so every shape is reached: a value that
passes is Inconclusive, a value that fails stays Failed, the warning is shown redacted and
bounded, and `warnings` that are not a list of strings are not the API's answer (exit 3).
A real Prometheus giving such an answer: test_canary_live_edges.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.hostile.fake_prometheus import FakePrometheus, Reply, body

from adk_observe.cli import main

DEPLOY = Path(__file__).parents[2] / "deploy" / "support-agent"
TOKEN = "s3cret-token-value"


def _answer(value: str, warnings: Any) -> Reply:
    """Every query's answer: one sample of `value`, with `warnings`."""
    result = [{"metric": {}, "value": [1793664000, value]}]
    answer = {"status": "success", "data": {"resultType": "vector", "result": result}}
    return Reply(body(json.dumps({**answer, "warnings": warnings})))


def _run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, warnings: Any
) -> tuple[int, list[str], str]:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    reply = _answer(value, warnings)
    with FakePrometheus(lambda request: reply) as fake:
        code = main(
            ["canary-check", str(DEPLOY), "--prometheus", fake.url, "--bearer-token-file",
             str(token), "--canary-hash", "abc1", "--stable-hash", "d2"]
        )  # fmt: skip
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_a_passing_value_with_a_warning_is_inconclusive_and_the_warning_is_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 500 passes request-volume (>= 100) and is > 1 for the other gates; 0.5 passes them all
    # but not the volume. Here 0.5: the three ratio gates would be Successful.
    warning = f"remote_read: store down (sent Authorization: Bearer {TOKEN})\n\x1b[31m"
    code, out, err = _run(tmp_path, capsys, "0.5", [warning])
    assert (code, err) == (4, ""), out
    for line in out[:-1]:
        assert line.startswith("Inconclusive "), line
        assert "Prometheus warned: remote_read: store down" in line, line
        assert TOKEN not in line and "\x1b" not in line, line
    assert out[-1] == "canary-check: Inconclusive (0 successful, 0 failed, 4 inconclusive, 0 error)"


def test_a_failing_value_with_a_warning_stays_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 500 is over every ratio gate's limit of 1 (Failed) and passes the volume gate
    # (Successful, made Inconclusive by the warning): Failed wins.
    code, out, _ = _run(tmp_path, capsys, "500", ["partial response"])
    assert code == 1, out
    assert out[-1] == "canary-check: Failed (0 successful, 3 failed, 1 inconclusive, 0 error)"
    failed = [line for line in out if line.startswith("Failed ")]
    assert all("Prometheus warned: partial response" in line for line in failed), out


@pytest.mark.parametrize("warnings", ["partial", [1], {"a": "b"}])
def test_warnings_that_are_not_a_list_of_strings_are_no_api_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], warnings: Any
) -> None:
    code, out, err = _run(tmp_path, capsys, "0.5", warnings)
    assert (code, out) == (3, []), out
    assert err.startswith("error: ") and "warning" in err and len(err.splitlines()) == 1, err


def test_no_warnings_or_an_empty_list_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for warnings in (None, []):
        code, out, _ = _run(tmp_path, capsys, "0.5", warnings)
        assert code == 4, out  # 0.5 requests is below min_requests: the volume is Inconclusive
        assert out[-1] == (
            "canary-check: Inconclusive (3 successful, 0 failed, 1 inconclusive, 0 error)"
        )


def test_a_promql_info_note_among_the_warnings_is_no_partial_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Some Prometheus 2.x releases put PromQL's info-level annotations into `warnings` (later
    versions send them as `infos`): a rate() over a name without _total is noted there on
    every answer, data complete. Such a note is not a partial answer: the measurement stands."""
    info = 'PromQL info: metric might not be a counter, name does not end in _total: "reqs"'
    code, out, _ = _run(tmp_path, capsys, "0.5", [info])
    assert code == 4, out  # as without warnings: 0.5 requests is below min_requests
    assert out[-1] == "canary-check: Inconclusive (3 successful, 0 failed, 1 inconclusive, 0 error)"
    assert not any("warned" in line for line in out), out
