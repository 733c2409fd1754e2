"""The report and gate examples in docs/error-budgets.md are real: they run here against the
backfilled Prometheus and must print exactly what the page shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from tests.checks import history

from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "error-budgets.md").read_text()
SHOWN_URL = "http://prometheus:9090"


def _console(command: str) -> tuple[list[str], str]:
    block = next(
        b
        for b in re.findall(r"```console\n(.*?)```", PAGE, flags=re.S)
        if b.startswith(f"$ adk-observe {command} ")
    )
    line, expected = block.split("\n", 1)
    return shlex.split(line.removeprefix("$ "))[1:], expected


def test_the_documented_spec_is_the_one_the_report_ran_on() -> None:
    block = next(
        b
        for b in re.findall(r"```yaml\n(.*?)```", PAGE, flags=re.S)
        if b.startswith("# incident.yaml\n")
    )
    incident = next(s for s in history.scenarios() if s.name == "incident")
    assert block.removeprefix("# incident.yaml\n") == history.spec_text(incident)


@pytest.mark.parametrize(("command", "exit_code"), [("report", 0), ("gate", 1)])
def test_the_documented_example_prints_what_it_shows(
    backfilled: PrometheusServer,
    specs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    exit_code: int,
) -> None:
    argv, expected = _console(command)
    argv = [backfilled.url if a == SHOWN_URL else a for a in argv]
    monkeypatch.chdir(specs["incident"].parent)
    assert main(argv) == exit_code
    assert capsys.readouterr().out.replace(backfilled.url, SHOWN_URL) == expected
