"""Every SLI kind's report queries are valid PromQL for a real Prometheus: each example spec and
each accepted importer-corpus spec (built-ins, histogram latency, custom events, raw ratios,
Sloth and OpenSLO imports) reports, from the raw fallback and with no data, without error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer
from adk_observe.errors import AdkObserveError
from adk_observe.loader.load import load_specs

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = sorted(ROOT.glob("examples/*.yaml")) + sorted(
    p
    for p in (ROOT / "tests" / "importers" / "corpus").glob("*.yaml")
    if not p.name.endswith(".sloth-rules.yaml")
)


def _accepted(path: Path) -> bool:
    try:
        load_specs([path])
    except AdkObserveError:
        return False
    return True


SPECS = [p for p in CANDIDATES if _accepted(p)]


def test_the_corpus_has_every_kind_of_sli() -> None:
    text = "".join(p.read_text() for p in SPECS)
    for kind in ("builtin: uptime", "builtin: latency", "events", "raw", "ratioMetric"):
        assert kind in text, kind


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_every_spec_reports_no_data_without_error(
    backfilled: PrometheusServer, spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "report",
        str(spec),
        "--prometheus",
        backfilled.url,
        "--at",
        "2026-11-03T00:00:00Z",
        "--format",
        "json",
    ]
    assert main(argv) == 0, capsys.readouterr().err
    data = json.loads(capsys.readouterr().out)
    slos = [slo for svc in data["services"] for slo in svc["slos"]]
    assert slos
    assert {(s["status"], s["source"]) for s in slos} == {("no data", "raw")}
