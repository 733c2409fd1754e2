"""`adk-observe runbooks`: every alert of every example (SLO tiers, exhausted budgets, no data,
spend, the agent pack and the container alerts) links to a runbook file that is written."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from tests.alerting.conftest import EXAMPLES, ROOT
from tests.alerting.test_config import run

from adk_observe import conventions as c
from adk_observe.alerting import runbook_text
from adk_observe.loader.load import load_specs

PACK = {
    c.ALERT_HIGH_ERROR_RATE,
    c.ALERT_HIGH_LATENCY,
    c.ALERT_MCP_FAILURES,
    c.ALERT_MEMORY_LEAK,
    c.ALERT_CPU_THROTTLING,
    c.ALERT_MEMORY_NEAR_LIMIT,
    c.ALERT_RESTARTS,
    c.ALERT_OOM_KILLED,
    c.ALERT_TURNS_ABANDONED,
}


# Every example, and the golden rules cases (Sloth and OpenSLO imports, custom SLIs, a no-data
# alert), each set compiled on its own (they share service names).
SETS = [EXAMPLES] + [[p] for p in sorted((ROOT / "tests" / "golden").glob("rules-*/spec.yaml"))]


def _generate(folder: Path, specs: list[Path]) -> None:
    """compile-rules and runbooks as a user runs them, from `folder` (so the default runbook
    URL of a spec without runbook_base_url is file://<folder>/runbooks/<service>/...)."""
    code, _, err = run("compile-rules", *map(str, specs), "-o", str(folder / "rules"))
    assert code == 0, err
    code, _, err = run("runbooks", *map(str, specs), "-o", str(folder / "runbooks"))
    assert code == 0, err


def _missing(folder: Path, specs: list[Path]) -> tuple[list[str], set[str]]:
    """(alerts whose runbook_url is missing, relative or points at no written file, the alert
    names checked)."""
    bases = {s.name: s.runbook_base_url for s in load_specs(specs) if s.runbook_base_url}
    missing, seen = [], set()
    for path in sorted((folder / "rules").glob("*.rules.yaml")):
        service = path.name.removesuffix(".rules.yaml")
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" not in rule:
                    continue
                seen.add(rule["alert"])
                url = rule.get("annotations", {}).get("runbook_url", "")
                parts = urlsplit(url)
                if parts.scheme == "file":
                    target = Path(unquote(parts.path))
                elif parts.scheme in ("http", "https") and url.startswith(bases.get(service, "-")):
                    target = folder / "runbooks" / service / url.rsplit("/", 1)[1]
                else:
                    missing.append(f"{service}: {rule['alert']}: {url!r}")
                    continue
                if not target.is_file():
                    missing.append(f"{service}: {rule['alert']}: {url} (no such file)")
    return missing, seen


def test_every_alert_of_every_example_links_to_its_written_runbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing, seen = [], set()
    for i, specs in enumerate(SETS):
        folder = tmp_path / str(i)
        folder.mkdir()
        monkeypatch.chdir(folder)
        _generate(folder, specs)
        lost, checked = _missing(folder, specs)
        missing += lost
        seen |= checked
    assert missing == []
    assert seen >= PACK  # the container alerts and the rest of the pack were checked too
    assert any(name.endswith("ErrorBudgetExhausted") for name in seen)
    assert c.ALERT_SLI_NO_DATA in seen
    assert any(name.endswith("SpendBurn") for name in seen)


def test_an_alert_without_a_runbook_row_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: drop the OOM-killed row and its alert has no runbook."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(runbook_text.PACK, c.ALERT_OOM_KILLED)
    _generate(tmp_path, EXAMPLES)
    missing, _ = _missing(tmp_path, EXAMPLES)
    assert missing
    assert all(f": {c.ALERT_OOM_KILLED}: " in m and m.endswith("(no such file)") for m in missing)


def test_a_runbook_says_what_to_do(tmp_path: Path) -> None:
    code, _, err = run("runbooks", "examples/support-agent.yaml", "-o", str(tmp_path))
    assert code == 0, err
    text = (tmp_path / "support-agent" / "slo-success-budget-burn.md").read_text()
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## What it means",
        "## Queries to run",
        "## Dashboard",
        "## First steps",
        "## How to silence",
    ]
    # The tier table: at 99.5%, 14.4x is 7.2% errors, which a total outage reaches in 7.2% of
    # the hour (4m19s); 6x over 6h is 3%, reached in 10m48s.
    assert "| page-fast | page | 1h/5m | 14.4x (7.2% errors) | 2% | about 4m19s |" in text
    assert "| page-slow | page | 6h/30m | 6x (3% errors) | 5% | about 10m48s |" in text
    # The queries are the alerts' own expressions, and the silence names the alert exactly.
    assert (
        'slo:sli_error:ratio_rate1h{service="support-agent",slo="success"} > (14.4 * 0.005)' in text
    )
    assert (
        "'alertname=\"SupportAgentSuccessBudgetBurn\"' 'service=\"support-agent\"' "
        "'slo=\"success\"'" in text
    )
    exhausted = (tmp_path / "support-agent" / "slo-success-budget-exhausted.md").read_text()
    assert 'change_freeze="true"' in exhausted
