"""alertmanager/alertmanager.yml: valid for amtool, and every generated alert reaches the right
receiver (page and critical page someone; ticket and warning open a ticket)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from adk_observe.loader.load import load_specs
from adk_observe.rules.compile import compile_service
from adk_observe.rules.types import Alert

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "alertmanager" / "alertmanager.yml"
RECEIVER = {"page": "page", "critical": "page", "ticket": "ticket", "warning": "ticket"}


@pytest.fixture(scope="module")
def amtool() -> str:
    found = shutil.which("amtool")
    if found is None:
        message = "amtool is not installed (apt-get install -y prometheus-alertmanager)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _amtool(amtool: str, *args: str) -> str:
    done = subprocess.run([amtool, *args], capture_output=True, text=True, check=False, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_config_passes_amtool_check_config(amtool: str) -> None:
    out = _amtool(amtool, "check-config", str(CONFIG))
    assert "SUCCESS" in out
    assert " - 2 inhibit rules" in out and " - 2 receivers" in out
    assert " - 1 templates" in out


def test_the_notification_template_renders(amtool: str) -> None:
    """amtool renders with its own example alerts (no adk-observe annotations): this proves the
    template parses and runs; the links it prints are the alerts' own annotations."""
    glob = str(CONFIG.parent / "templates" / "*.tmpl")
    title = _amtool(amtool, "template", "render", f"--template.glob={glob}",
                    '--template.text={{ template "adk_observe.title" . }}')
    assert title.startswith("[") and "] " in title  # "[<STATUS>] <service>: <alertname>"
    _amtool(amtool, "template", "render", f"--template.glob={glob}",
            '--template.text={{ template "adk_observe.text" . }}')


def test_every_generated_alert_is_routed_by_severity(amtool: str) -> None:
    specs = load_specs(sorted((ROOT / "examples").glob("*.yaml")))
    alerts = {
        (rule.alert, dict(rule.labels)["severity"])
        for spec in specs for group in compile_service(spec) for rule in group.rules
        if isinstance(rule, Alert)
    }
    assert {severity for _, severity in alerts} == set(RECEIVER)
    for name, severity in sorted(alerts):
        routed = _amtool(amtool, "config", "routes", "test", f"--config.file={CONFIG}",
                         f"alertname={name}", f"severity={severity}").strip()
        assert routed == RECEIVER[severity], (name, severity)
