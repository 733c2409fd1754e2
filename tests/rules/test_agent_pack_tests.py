"""The agent alert pack's emitted promtool tests: every alert fires above its threshold and stays
silent below it, for default and custom thresholds, and a wrong threshold fails them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from support import run_parallel

from adk_observe import conventions as c
from adk_observe import model as m
from adk_observe.render import dump_yaml
from adk_observe.rules import compile_service, rule_file
from adk_observe.rules.agent_pack_tests import agent_pack_tests

PACK = (
    c.ALERT_HIGH_ERROR_RATE, c.ALERT_HIGH_LATENCY, c.ALERT_MCP_FAILURES, c.ALERT_MEMORY_LEAK,
    c.ALERT_CPU_THROTTLING, c.ALERT_MEMORY_NEAR_LIMIT, c.ALERT_RESTARTS, c.ALERT_OOM_KILLED,
    c.ALERT_GUARDRAIL_BLOCKS, c.ALERT_TURNS_ABANDONED,
)
# The scenarios an alert has beyond its threshold's two.
EXTRA = {c.ALERT_TURNS_ABANDONED: (
    "fires when every client gives up on a hanging agent",
    "stays silent on a quiet healthy agent with a few abandons",
)}


def service(alerts: m.AgentAlerts, selector: str = "") -> m.ServiceSpec:
    return m.ServiceSpec(name="svc", source=m.Source("svc.yaml"), slos=(), namespace="agents",
                         selector=selector, agent_alerts=alerts)


VARIANTS = {
    "the defaults": service(m.AgentAlerts()),
    "custom thresholds, no hold times, latency between bucket bounds": service(m.AgentAlerts(
        error_rate=0.5, error_rate_for=0, latency_quantile=0.99, latency_threshold=0.7,
        latency_for=0, mcp_error_rate=2.0, mcp_for=0, memory_growth_bytes=10 * 2**20,
        memory_window=600, memory_for=0, cpu_ratio=0.5, cpu_for=0, memory_limit_ratio=0.75,
        memory_limit_for=0, restarts=1, restarts_window=300, guardrail_block_jump=2.0,
        guardrail_block_share=0.2, guardrail_for=0, abandoned_share=0.5,
        abandoned_min_turns=5, abandoned_for=0)),
    "long hold times and a custom selector": service(m.AgentAlerts(
        error_rate=0.01, error_rate_for=900, latency_threshold=10.0, latency_for=900,
        mcp_for=600, cpu_for=1200, memory_limit_for=900, restarts=5, guardrail_for=1200,
        abandoned_share=0.02, abandoned_min_turns=100, abandoned_for=900),
        selector='namespace="agents",app="svc"'),
}


def _write(spec: m.ServiceSpec, folder: Path) -> Path:
    folder.mkdir()
    (folder / "svc.rules.yaml").write_text(dump_yaml(rule_file(compile_service(spec))))
    doc, notes = agent_pack_tests(spec, "svc.rules.yaml")
    assert notes == []
    assert doc is not None
    names = [t["name"] for t in doc["tests"]]
    assert names == [n for a in PACK for n in (f"{a} fires above its threshold",
                                                f"{a} stays silent below it",
                                                *(f"{a} {e}" for e in EXTRA.get(a, ())))]
    (folder / "svc.agent-test.yaml").write_text(dump_yaml(doc))
    return folder


def test_every_alert_of_the_pack_fires_above_and_stays_silent_below(
    promtool: str, tmp_path: Path
) -> None:
    folders = [_write(spec, tmp_path / f"v{i}") for i, spec in enumerate(VARIANTS.values())]
    results = run_parallel(promtool, [(f, ["test", "rules", "svc.agent-test.yaml"])
                                      for f in folders])
    for name, (code, output) in zip(VARIANTS, results, strict=True):
        assert code == 0, f"{name}:\n{output}"


@pytest.mark.parametrize(("alert", "original", "broken"), [
    # A threshold off by a fifth either way fails a scenario.
    (c.ALERT_HIGH_ERROR_RATE, "> 0.05", "> 0.038"),
    (c.ALERT_MCP_FAILURES, "> 0.1", "> 0.13"),
    (c.ALERT_RESTARTS, ">= 3", ">= 2"),
    # The jump is 3.75x its baseline when the alert is due: a factor of 3.8 misses it.
    (c.ALERT_GUARDRAIL_BLOCKS, "> 3", "> 3.8"),
    (c.ALERT_TURNS_ABANDONED, "> 0.1", "> 0.13"),
    # Without its minimum of turns, a quiet agent's few abandons page.
    (c.ALERT_TURNS_ABANDONED, ">= 20", ">= 0"),
    # Without "abandoned while none answered", a hang on a quiet agent never pages.
    (c.ALERT_TURNS_ABANDONED, " > 0 unless", " > 1e9 unless"),
])
def test_a_rule_with_the_wrong_threshold_fails_its_test(
    promtool: str, tmp_path: Path, alert: str, original: str, broken: str
) -> None:
    folder = _write(VARIANTS["the defaults"], tmp_path / "broken")
    text = (folder / "svc.rules.yaml").read_text()
    start = text.index(f"alert: {alert}")
    end = text.index(original, start) + len(original)
    (folder / "svc.rules.yaml").write_text(text[:end - len(original)] + broken + text[end:])
    ((code, output),) = run_parallel(promtool, [(folder, ["test", "rules", "svc.agent-test.yaml"])])
    assert code != 0
    assert f'alertname=\\"{alert}\\"' in output


def test_disabled_alerts_get_no_test_and_unreachable_thresholds_say_why() -> None:
    # A 40% floor jumping 3x is more than every decision: no input can show it.
    spec = service(m.AgentAlerts(disabled=(c.ALERT_OOM_KILLED,), latency_threshold=120.0,
                                 guardrail_block_share=0.4))
    doc, notes = agent_pack_tests(spec, "svc.rules.yaml")
    assert doc is not None
    names = {t["name"].split()[0] for t in doc["tests"]}
    assert names == set(PACK) - {c.ALERT_OOM_KILLED, c.ALERT_HIGH_LATENCY,
                                 c.ALERT_GUARDRAIL_BLOCKS}
    assert notes == [f"{c.ALERT_HIGH_LATENCY}: the threshold is outside the histogram's buckets",
                     f"{c.ALERT_GUARDRAIL_BLOCKS}: no share of blocks reaches its threshold"]
    assert agent_pack_tests(replace(spec, agent_alerts=m.AgentAlerts(enabled=False)), "f") == (
        None, [])
