"""The overview's guardrail block-share panel plots the ratio its alert compares with the red
line: promtool evaluates both on counters shaped like the real exposition."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from adk_observe import conventions as c
from adk_observe.cli import main
from adk_observe.dashboards import dashboard_files
from adk_observe.dashboards.queries import GRAFANA_SUBSTITUTIONS
from adk_observe.loader.load import load_specs

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples/demo-agent.yaml"
TITLE = "Guardrail block share vs. its last 6h"


def _panel() -> dict[str, object]:
    files = dashboard_files(load_specs([SPEC])[0])
    (panel,) = [p for p in files["demo-agent-overview.json"]["panels"] if p["title"] == TITLE]
    return panel


def test_the_panel_draws_the_alerts_threshold() -> None:
    steps = _panel()["fieldConfig"]["defaults"]["thresholds"]["steps"]  # type: ignore[index]
    assert [s["value"] for s in steps] == [None, 3.0]  # guardrail_block_jump's default
    assert steps[-1]["color"] == "red"


def test_promtool_reads_the_alerts_ratio_from_the_panel(tmp_path: Path, promtool: str) -> None:
    """A guardrail blocks 1 decision a minute of 101 for 7 hours, then 20 of 120. At 8h its
    share over 5m is 100 / 600 = 1/6; its usual share is the mean of its 5m shares over the last
    6h, one every 5m: Prometheus 2 takes both ends of a range, so 73 of them, 61 before the jump
    (1/101) and 12 after (1/6). The panel reads (1/6) / ((61/101 + 2) / 73) = 7373 / 1578 =
    4.67237, above the red line of 3, and the alert (its share is also above the 10% floor, for
    10 minutes) fires. A guardrail that never blocked reads 0 (no surge), not NaN or nothing,
    and raises no alert."""
    (target,) = _panel()["targets"]  # type: ignore[misc]
    expr = target["expr"]
    for variable, value in GRAFANA_SUBSTITUTIONS:
        expr = expr.replace(variable, value)
    assert main(["compile-rules", str(SPEC), "-o", str(tmp_path)]) == 0
    # Only the agent pack's group is evaluated (the SLOs' 100-odd rules over 8 hours are slow).
    rules = yaml.safe_load((tmp_path / "demo-agent.rules.yaml").read_text(encoding="utf-8"))
    rules["groups"] = [
        g for g in rules["groups"]
        if any(r.get("alert") == c.ALERT_GUARDRAIL_BLOCKS for r in g["rules"])
    ]
    assert len(rules["groups"]) == 1
    (tmp_path / "pack.rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    metric = c.GUARDRAILS.name
    series = (
        f'{metric}{{job="demo-agent",instance="10.0.0.7:9464",agent_id="support_assistant",'
        'guardrail="pii_filter",decision="DECISION"}'
    )
    test = {
        "rule_files": ["pack.rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": series.replace("DECISION", "allow"), "values": "0+100x480"},
                {"series": series.replace("DECISION", "block"), "values": "0+1x420 440+20x59"},
                # a second guardrail that never blocks: its block series does not exist
                {"series": series.replace("pii_filter", "toxicity").replace("DECISION", "allow"),
                 "values": "0+50x480"},
            ],
            "promql_expr_test": [
                {"expr": f"count(({expr}) > 4.6723 < 4.6724)", "eval_time": "8h",
                 "exp_samples": [{"labels": "{}", "value": 1}]},
                {"expr": f"({expr}) == 0", "eval_time": "8h",
                 "exp_samples": [{
                     "labels": '{agent_id="support_assistant",guardrail="toxicity"}',
                     "value": 0,
                 }]},
                {"expr": f'ALERTS{{alertname="{c.ALERT_GUARDRAIL_BLOCKS}",alertstate="firing"}}',
                 "eval_time": "8h",
                 "exp_samples": [{
                     "labels": (
                         f'ALERTS{{alertname="{c.ALERT_GUARDRAIL_BLOCKS}",alertstate="firing",'
                         'agent_id="support_assistant",guardrail="pii_filter",'
                         'service="demo-agent",severity="warning",team="demo"}'
                     ),
                     "value": 1,
                 }]},
                {"expr": f'ALERTS{{alertname="{c.ALERT_GUARDRAIL_BLOCKS}"}}', "eval_time": "7h",
                 "exp_samples": []},
            ],
        }],
    }
    (tmp_path / "panel.test.yaml").write_text(yaml.safe_dump(test), encoding="utf-8")
    done = subprocess.run([promtool, "test", "rules", "panel.test.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
