"""Hostile values in `spec.alerts.guardrail_blocks` (the guardrail block-surge alert, issue 23).

Surface: `jump` (a factor over the block share of the last 6h), `min_share` (a ratio or a
percentage), `for` (a duration) and `enabled`, which reach a PromQL comparison, a `for:` and an
annotation. Generator: numbers at and past their bounds (0, 1, negative, NaN and infinities as
YAML spells them, 1e400), text, percentages, durations, lists, maps and null. Bound: compile-rules
either succeeds, its rule file accepted by `promtool check rules` and the alert comparing with
exactly the given values, or exits 2 with one `error: FILE:LINE: spec.alerts.guardrail_blocks.KEY:`
line and no output; never a traceback.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.hostile.test_corpus import run

from adk_observe import conventions as c

SPEC = {
    "apiVersion": "adk-observe/v1",
    "kind": "AgentService",
    "metadata": {"name": "guarded", "namespace": "agents"},
    "spec": {"slos": [{"name": "s", "objective": 99, "sli": {"builtin": "success"}}]},
}
values = st.one_of(
    st.sampled_from([0, 1, 1.0001, -3, 1000, 1001, ".nan", ".inf", "-.inf", "1e400", "10%",
                     "150%", "0%", "5m", "0s", "-1m", "", "x", True, None, [], {}, [3],
                     {"a": 1}]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.text(max_size=12),
)
keys = st.sampled_from(["jump", "min_share", "for", "enabled"])


def _spec_text(field: dict[str, Any]) -> str:
    text = yaml.safe_dump({**SPEC, "spec": {**SPEC["spec"], "alerts": {
        "guardrail_blocks": field}}}, sort_keys=False, allow_unicode=True)
    # YAML's own spellings of NaN and infinity (safe_dump quotes them as strings).
    return re.sub(r"'(\.nan|\.inf|-\.inf|1e400)'", r"\1", text)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.dictionaries(keys, values, max_size=4))
@example(field={"jump": 2.5, "min_share": "20%", "for": "5m"})
@example(field={"jump": 1})
@example(field={"jump": ".nan"})
@example(field={"min_share": "150%"})
def test_any_value_compiles_exactly_or_fails_on_its_line(
    promtool: str, tmp_path_factory: pytest.TempPathFactory, field: dict[str, Any]
) -> None:
    folder = tmp_path_factory.mktemp("guardrail")
    spec, out = folder / "guarded.yaml", folder / "out"
    spec.write_text(_spec_text(field))
    code, _, err = run("compile-rules", str(spec), "-o", str(out))
    assert "Traceback" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert re.match(rf"error: {re.escape(str(spec))}:\d+: spec\.alerts\.guardrail_blocks", err)
        assert not out.exists()
        return
    assert code == 0, err
    rules = out / "guarded.rules.yaml"
    checked = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True)
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    alerts = [r for g in yaml.safe_load(rules.read_text())["groups"] for r in g["rules"]
              if r.get("alert") == c.ALERT_GUARDRAIL_BLOCKS]
    if field.get("enabled") is False:
        assert alerts == []
        return
    (alert,) = alerts
    jump = field.get("jump", 3)
    assert alert["expr"].endswith(f"> {float(jump):g}") or alert["expr"].endswith(f"> {jump}")


def test_the_alert_compares_with_the_given_values(tmp_path: Path) -> None:
    spec = tmp_path / "guarded.yaml"
    spec.write_text(_spec_text({"jump": 2.5, "min_share": "20%", "for": "5m"}))
    assert run("compile-rules", str(spec), "-o", str(tmp_path / "out"))[0] == 0
    groups = yaml.safe_load((tmp_path / "out" / "guarded.rules.yaml").read_text())["groups"]
    (alert,) = [r for g in groups for r in g["rules"] if r.get("alert") == c.ALERT_GUARDRAIL_BLOCKS]
    assert alert["expr"].endswith(" > 0.2)\n> 2.5")
    assert alert["for"] == "5m"


# --- traffic that surges with the blocks ---------------------------------------------------------

_SERIES = ('adk_agent_guardrail_decisions_total'
           '{{job="guarded",agent_id="a",guardrail="pi",decision="{}"}}')
_FIRING = 'count(ALERTS{alertname="ADKAgentGuardrailBlockSurge",alertstate="firing"}) or vector(0)'


def _scenario(block: str, allow: str, expected: dict[str, int]) -> dict[str, Any]:
    return {
        "interval": "1m",
        "input_series": [{"series": _SERIES.format("block"), "values": block},
                         {"series": _SERIES.format("allow"), "values": allow}],
        "promql_expr_test": [
            {"expr": _FIRING, "eval_time": at, "exp_samples": [{"labels": "{}", "value": value}]}
            for at, value in expected.items()
        ],
    }


# By hand (defaults: jump 3, min_share 10%, for 10m). For 6h the guardrail decides 100 times a
# minute and blocks 1 (1%). Then:
# - a wave: 2000 more inputs a minute, all blocked: over 5m it blocks 2001 of 2100 (95%), 95x
#   its usual 1%. The wave is hostile traffic, so it is most of the last 6h's decisions within
#   minutes; what the guardrail usually blocks is still 1% of its decisions most of those 6 hours.
#   Pending from the wave's second minute, firing 10m later, and still firing 40m in.
# - the same wave after the guardrail was idle for half an hour in the last 6h (a quiet night):
#   the same.
# - a busy hour: 20x the traffic, still 1% blocked: never an alert.
SCENARIOS = {
    "wave": _scenario("0+1x360 2361+2001x59", "0+99x360 35739+99x59",
                      {"360m": 0, "375m": 1, "400m": 1}),
    "wave after an idle stretch": _scenario(
        "0+1x100 100x29 100+1x230 2331+2001x59", "0+99x100 9900x29 9900+99x230 32769+99x59",
        {"360m": 0, "375m": 1, "400m": 1}),
    "busy hour": _scenario("0+1x360 380+20x59", "0+99x360 37620+1980x59",
                           {"361m": 0, "370m": 0, "380m": 0, "400m": 0, "420m": 0}),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_blocked_wave_of_traffic_fires_and_a_busy_hour_does_not(
    promtool: str, tmp_path: Path, name: str
) -> None:
    """docs/rules.md "The agent alert pack": the alert is for a prompt-injection wave, which
    arrives as a surge of traffic that the guardrail blocks. A baseline that weighs the last 6h by
    traffic counts the wave as usual within minutes and the alert never outlasts its `for`."""
    spec = tmp_path / "guarded.yaml"
    spec.write_text(_spec_text({}))
    out = tmp_path / "out"
    assert run("compile-rules", str(spec), "-o", str(out))[0] == 0
    test = out / "surge.test.yaml"
    test.write_text(yaml.safe_dump({"rule_files": ["guarded.rules.yaml"],
                                    "evaluation_interval": "1m", "tests": [SCENARIOS[name]]}))
    checked = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True,
                             text=True, cwd=out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
