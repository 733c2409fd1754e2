"""The agent pack's emitted promtool tests (`compile-rules --emit-tests`) with any `for` and
window a spec may give: rules are evaluated every minute in the emitted tests, so an alert whose
`for` is not a whole number of minutes fires at the first evaluation that long after it turned
pending (`for: 30s` one minute after, not 30 s after). The scenario must expect it there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.rules.support import ROOT, compile_rules, run_parallel

pytestmark = pytest.mark.slow  # promtool over hours of series for every alert of the pack

OFF_MINUTE = {
    "high_error_rate": {"threshold": "5%", "for": "30s"},
    "high_latency": {"quantile": 0.95, "threshold": "2s", "for": "90s"},
    "mcp_failures": {"threshold": 0.1, "for": "45s"},
    "memory_leak": {"growth": "100MiB", "window": "30m", "for": "2m30s"},
    "cpu_throttling": {"threshold": "90%", "for": "70s"},
    "memory_near_limit": {"threshold": "90%", "for": "10s"},
    "guardrail_blocks": {"jump": 3, "min_share": "10%", "for": "5m30s"},
    "abandoned_turns": {"threshold": "10%", "min_turns": 20, "for": "4m20s"},
}


def _spec(alerts: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "adk-observe/v1",
        "kind": "AgentService",
        "metadata": {"name": "offminute"},
        "spec": {
            "slos": [{"name": "success", "objective": 99.9, "sli": {"builtin": "success"}}],
            "alerts": alerts,
        },
    }


def _emitted(promtool: str, folder: Path) -> list[tuple[str, int, str]]:
    tests = sorted(folder.glob("*agent-test.yaml"))
    assert tests, f"no agent pack tests emitted in {folder}"
    results = run_parallel(promtool, [(folder, ["test", "rules", t.name]) for t in tests])
    return [(t.name, code, out) for t, (code, out) in zip(tests, results, strict=True)]


def test_fors_that_are_not_whole_minutes_give_emitted_tests_that_pass(
    promtool: str, tmp_path: Path
) -> None:
    spec = tmp_path / "offminute.yaml"
    spec.write_text(yaml.safe_dump(_spec(OFF_MINUTE)))
    assert compile_rules(spec, tmp_path / "out", "--emit-tests") == 0
    text = (tmp_path / "out" / "offminute.rules.agent-test.yaml").read_text()
    for alert in ("ADKAgentHighErrorRate", "ADKAgentHighLatency", "ADKAgentMCPCallFailures"):
        assert f"{alert} fires above its threshold" in text
    for name, code, output in _emitted(promtool, tmp_path / "out"):
        assert code == 0, f"{name}:\n{output}"


def test_the_examples_emitted_agent_tests_pass(promtool: str, tmp_path: Path) -> None:
    """examples/demo-agent.yaml sets `high_error_rate: {for: 30s}`: its emitted scenario
    expected the page at 1m30s, where promtool has it pending (it fires at 2m)."""
    tested = []
    for spec in sorted((ROOT / "examples").glob("*.yaml")):
        out = tmp_path / spec.stem
        if compile_rules(spec, out, "--emit-tests") != 0 or not list(out.glob("*agent-test.yaml")):
            continue  # not a service spec, or no agent pack
        for name, code, output in _emitted(promtool, out):
            assert code == 0, f"{spec.name}: {name}:\n{output}"
        tested.append(spec.name)
    assert {"demo-agent.yaml", "support-agent.yaml"} <= set(tested), tested
