"""docs/alerting.md is real: its spec example loads and generates a configuration amtool
accepts, with the receivers it shows; its tier table is the default window table; its
`alerting` snippets load into an SLO and do what the page says."""

from __future__ import annotations

from pathlib import Path

import yaml
from tests.alerting.test_config import amtool_run, run
from tests.doc_text import block, table, text

from adk_observe.durations import format_seconds
from adk_observe.loader.load import load_file
from adk_observe.windows import DEFAULT_WINDOWS

PAGE = text("alerting.md")
HEAD = "apiVersion: adk-observe/v1\nkind: AgentService\n"
SLO = "    - {name: success, objective: 99.9, sli: {builtin: success}}\n"


def test_the_spec_example_generates_a_configuration_amtool_loads(
    amtool: str, tmp_path: Path
) -> None:
    example = block("yaml", "metadata:\n", PAGE)
    spec = tmp_path / "support-agent.yaml"
    spec.write_text(HEAD + example + "  slos:\n" + SLO, encoding="utf-8")
    code, _, err = run("alertmanager", str(spec), "-o", str(tmp_path / "am"))
    assert code == 0, err
    config = tmp_path / "am" / "alertmanager.yml"
    amtool_run(amtool, "check-config", str(config))
    doc = yaml.safe_load(config.read_text())
    receivers = {r["name"]: r for r in doc["receivers"]}
    (pagerduty,) = receivers["support-agent-page"]["pagerduty_configs"]
    assert pagerduty["routing_key_file"].endswith("/pagerduty/support-routing-key")
    (slack,) = receivers["support-agent-ticket"]["slack_configs"]
    assert slack["channel"] == "#support-slo"
    assert [t["name"] for t in doc["time_intervals"]] == ["support-agent-weekly-release"]


def test_the_tier_table_is_the_default_window_table() -> None:
    tiers = table(PAGE, "tier", "severity", "windows", "fires above")
    shown = [row[:4] for row in tiers.rows]
    expected = [
        (
            f"`{w.tier}`",
            w.severity.value,
            f"{format_seconds(w.long)}/{format_seconds(w.short)}",
            f"{w.budget_fraction * 30 * 86400 / w.long:g}x",
        )
        for w in DEFAULT_WINDOWS
    ]
    # The fourth cell goes on with the error ratio at 99.9%: "14.4x (1.44% errors)".
    assert [(*r[:3], r[3].split(" ")[0]) for r in shown] == expected


def _slo_with(alerting: str, tmp_path: Path) -> Path:
    indented = "".join(f"      {line}\n" for line in alerting.splitlines())
    spec = tmp_path / "shop.yaml"
    spec.write_text(
        HEAD + "metadata: {name: shop}\nspec:\n  slos:\n"
        "    - name: success\n      objective: 99.9\n      sli: {builtin: success}\n" + indented,
        encoding="utf-8",
    )
    return spec


def test_the_tier_snippet_switches_one_tier_off_and_moves_another(tmp_path: Path) -> None:
    snippet = block("yaml", "alerting:\n  tiers:\n", PAGE)
    (spec,) = load_file(_slo_with(snippet, tmp_path))
    windows = {w.tier: (w.severity.value, w.enabled) for w in spec.slos[0].windows}
    assert windows == {
        "page-fast": ("page", False),
        "page-slow": ("ticket", True),
        "ticket-fast": ("ticket", True),
        "ticket-slow": ("ticket", True),
    }


def test_the_freeze_snippet_shows_the_defaults(tmp_path: Path) -> None:
    snippet = block("yaml", "alerting:\n  budget_exhausted:", PAGE)
    (given,) = load_file(_slo_with(snippet, tmp_path))
    (tmp_path / "default").mkdir()
    (default,) = load_file(_slo_with("alerting: {}", tmp_path / "default"))
    assert given.slos[0] == default.slos[0]
