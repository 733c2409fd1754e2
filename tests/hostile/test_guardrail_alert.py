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
