"""Hostile label values in the Alertmanager configuration: a team label or a renamed severity
that holds quotes, backslashes, commas, braces, line breaks or regex syntax must still load and
route exactly (amtool 0.25 parses both the configuration and the test's labels), and a regex
character in a severity must not widen its route to other values. (A team's route matches its
services by name, so the team label's value routes nothing itself.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from tests.conftest import require_tool
from tests.hostile.test_corpus import run

SPEC = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {{name: shop, labels: {{team: {team}}}}}
spec:
  slos:
    - name: ok
      objective: 99
      sli: {{builtin: success}}
      alerting: {{page: {{labels: {{severity: {severity}}}}}}}
  notify:
    page: [{{webhook: {{url: "http://127.0.0.1:1/page"}}}}]
    ticket: [{{webhook: {{url: "http://127.0.0.1:1/ticket"}}}}]
"""


def _values() -> list[str]:
    """YAML double-quoted scalars: each hostile to one step of matcher parsing."""
    return [
        r'"a \"quoted\" team"',  # quotes end a matcher value
        r'"back\\slash \\n not a newline"',  # escapes
        '"comma, separated=~\\"x\\""',  # commas split matcher lists outside quotes
        '"brace} {open"',  # braces wrap a matcher list
        '"line\\nbreak"',  # a real line break
        '"regex .* | (x) [y] ^$ +?"',  # regex syntax in a value routed with =~
        '"  padded  "',  # whitespace around a value is trimmed by the parser
        '"ünïcødé ✓"',
    ]


def _hand_quoted(value: str) -> str:
    """OpenMetrics escaping, written here by hand (not the generator's): \\ " and newline."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _routes(amtool: str, config: Path, **labels: str) -> str:
    args = [f"{k}={_hand_quoted(v)}" for k, v in labels.items()]
    done = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config}", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("value", _values())
def test_a_hostile_team_and_severity_load_and_route_exactly(value: str, tmp_path: Path) -> None:
    amtool = require_tool("amtool", "prometheus-alertmanager")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(team=value, severity=value), encoding="utf-8")
    code, _, err = run("alertmanager", str(spec), "-o", str(tmp_path / "am"))
    assert code == 0, err
    config = tmp_path / "am" / "alertmanager.yml"
    check = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    text = yaml.safe_load(f"v: {value}")["v"]
    assert _routes(amtool, config, team=text, service="shop", severity=text) == "shop-page"
    assert _routes(amtool, config, team=text, service="shop", severity="ticket") == "shop-ticket"
    # The team's route matches its services, not the team label: an alert of this service
    # whose own team label differs (an SLO's labels) still reaches its receivers.
    assert _routes(amtool, config, team=text + "x", service="shop", severity=text) == "shop-page"
    assert _routes(amtool, config, team=text, service="shopx", severity=text) == (
        "adk-observe-unrouted"
    )
    # A severity that a regex-unescaped value would match does not page.
    assert _routes(amtool, config, team=text, service="shop", severity=text + "x") == (
        "shop-ticket"
    )
