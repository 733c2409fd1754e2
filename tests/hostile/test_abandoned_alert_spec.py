"""Hostile values in `spec.alerts.abandoned_turns` (the abandoned-turns alert of the agent pack).

Surface: `threshold` (a share of started turns, a ratio or a percentage below 100%),
`min_turns` (a whole number of turns, at least 1), `for` (a duration) and `enabled`, which reach
a PromQL comparison, a `for:` and an annotation. Generator: numbers at and past their bounds (0,
1, 100%, negative, NaN and infinities as YAML spells them, 1e400, fractions of a turn), text,
durations, lists, maps and null. Bound: compile-rules either succeeds, its rule file accepted by
`promtool check rules` and the alert comparing with exactly the given values, or exits 2 with
one `error: FILE:LINE: spec.alerts.abandoned_turns.KEY:` line and no output; never a traceback.
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
    "metadata": {"name": "patient", "namespace": "agents"},
    "spec": {"slos": [{"name": "s", "objective": 99, "sli": {"builtin": "success"}}]},
}
values = st.one_of(
    st.sampled_from([0, 1, 0.999, 2, -3, 1000, 2.5, ".nan", ".inf", "-.inf", "1e400", "10%",
                     "100%", "99.9%", "0%", "5m", "0s", "-1m", "", "x", True, None, [], {}, [3],
                     {"a": 1}]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.text(max_size=12),
)
keys = st.sampled_from(["threshold", "min_turns", "for", "enabled"])


def _spec_text(field: dict[str, Any]) -> str:
    text = yaml.safe_dump({**SPEC, "spec": {**SPEC["spec"], "alerts": {
        "abandoned_turns": field}}}, sort_keys=False, allow_unicode=True)
    return re.sub(r"'(\.nan|\.inf|-\.inf|1e400)'", r"\1", text)


def _alerts(out: Path) -> list[dict[str, Any]]:
    groups = yaml.safe_load((out / "patient.rules.yaml").read_text())["groups"]
    return [r for g in groups for r in g["rules"] if r.get("alert") == c.ALERT_TURNS_ABANDONED]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.dictionaries(keys, values, max_size=4))
@example(field={"threshold": "20%", "min_turns": 50, "for": "2m"})
@example(field={"threshold": "100%"})
@example(field={"min_turns": 2.5})
@example(field={"threshold": ".nan"})
def test_any_value_compiles_exactly_or_fails_on_its_line(
    promtool: str, tmp_path_factory: pytest.TempPathFactory, field: dict[str, Any]
) -> None:
    folder = tmp_path_factory.mktemp("abandoned")
    spec, out = folder / "patient.yaml", folder / "out"
    spec.write_text(_spec_text(field))
    code, _, err = run("compile-rules", str(spec), "-o", str(out))
    assert "Traceback" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert re.match(rf"error: {re.escape(str(spec))}:\d+: spec\.alerts\.abandoned_turns", err)
        assert not out.exists()
        return
    assert code == 0, err
    checked = subprocess.run([promtool, "check", "rules", str(out / "patient.rules.yaml")],
                             capture_output=True)
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    alerts = _alerts(out)
    if field.get("enabled") is False:
        assert alerts == []
        return
    (alert,) = alerts
    share = field.get("threshold", 0.1)
    if isinstance(share, str):
        share = float(share.rstrip("%")) / 100
    assert 0 < share < 1
    assert float(alert["expr"].rsplit("> ", 1)[1]) == pytest.approx(share)


def test_the_alert_compares_with_the_given_values(tmp_path: Path) -> None:
    spec = tmp_path / "patient.yaml"
    spec.write_text(_spec_text({"threshold": "20%", "min_turns": 50, "for": "2m"}))
    assert run("compile-rules", str(spec), "-o", str(tmp_path / "out"))[0] == 0
    (alert,) = _alerts(tmp_path / "out")
    assert alert["expr"].endswith("\n> 0.2")
    assert ")) >= 50\n" in alert["expr"]
    assert alert["for"] == "2m"
    assert "above 20% of at least 50 turns" in alert["annotations"]["description"]


@pytest.mark.parametrize("value", ["100%", 1, 1.5])
def test_a_share_no_turns_can_exceed_is_refused(tmp_path: Path, value: object) -> None:
    # 100% abandoned is the most there is: `> 1` would never fire, a silent alert.
    spec = tmp_path / "patient.yaml"
    spec.write_text(_spec_text({"threshold": value}))
    code, _, err = run("compile-rules", str(spec), "-o", str(tmp_path / "out"))
    assert code == 2
    key = r"spec\.alerts\.abandoned_turns\.threshold:"
    assert re.match(rf"error: {re.escape(str(spec))}:\d+: {key}", err)
