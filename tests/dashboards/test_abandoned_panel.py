"""The overview's traffic panel shows abandoned turns beside the requests, and the agent pack
pages on an agent that hangs until its clients give up: promtool evaluates the panel's queries
and the alert of the reference example on counters shaped like the real exposition."""

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
SPEC = ROOT / "examples/support-agent.yaml"
TITLE = "Requests by status code, and abandoned turns"


def _targets() -> list[dict[str, str]]:
    files = dashboard_files(load_specs([SPEC])[0])
    (panel,) = [p for p in files["support-agent-overview.json"]["panels"] if p["title"] == TITLE]
    return panel["targets"]  # type: ignore[no-any-return]


def _grafana(expr: str) -> str:
    for variable, value in GRAFANA_SUBSTITUTIONS:
        expr = expr.replace(variable, value)
    return expr


def test_clients_giving_up_on_a_hanging_agent_show_on_the_panel_and_page(
    tmp_path: Path, promtool: str
) -> None:
    """The agent answers 6 turns a minute for 30 minutes; then its model hangs and the load
    balancer cuts every turn at 30 s: 6 abandoned a minute, none answered. At 40m the panel
    reads 0 requests/s of status 200 and 0.1 abandoned turns/s. Over the alert's 10m window the
    abandoned share is 6/60 at 31m (not above 10%) and 12/60 at 32m, with 60 started turns (at
    least 20): pending at 32m, firing 5m later, at 37m."""
    requests, abandoned = (_grafana(t["expr"]) for t in _targets())
    assert main(["compile-rules", str(SPEC), "-o", str(tmp_path)]) == 0
    rules = yaml.safe_load((tmp_path / "support-agent.rules.yaml").read_text(encoding="utf-8"))
    rules["groups"] = [
        g for g in rules["groups"]
        if any(r.get("alert") == c.ALERT_TURNS_ABANDONED for r in g["rules"])
    ]
    (tmp_path / "pack.rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    target = 'job="support-agent",instance="10.0.0.7:9464",agent_id="support"'
    test = {
        "rule_files": ["pack.rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": f'{c.REQUESTS.name}{{{target},method="turn",endpoint="agent",'
                           'status_code="200"}', "values": "0+6x30 180x20"},
                {"series": f"{c.ABANDONED_TURNS.name}{{{target}}}", "values": "0x30 6+6x20"},
            ],
            "promql_expr_test": [
                {"expr": requests, "eval_time": "40m",
                 "exp_samples": [{"labels": '{status_code="200"}', "value": 0}]},
                {"expr": abandoned, "eval_time": "40m",
                 "exp_samples": [{"labels": "{}", "value": 0.1}]},
                {"expr": abandoned, "eval_time": "20m",
                 "exp_samples": [{"labels": "{}", "value": 0}]},
                {"expr": f'ALERTS{{alertname="{c.ALERT_TURNS_ABANDONED}",alertstate="firing"}}',
                 "eval_time": "36m", "exp_samples": []},
                {"expr": f'ALERTS{{alertname="{c.ALERT_TURNS_ABANDONED}",alertstate="firing"}}',
                 "eval_time": "37m",
                 "exp_samples": [{
                     "labels": (
                         f'ALERTS{{alertname="{c.ALERT_TURNS_ABANDONED}",alertstate="firing",'
                         'agent_id="support",service="support-agent",severity="critical",'
                         'team="support"}'
                     ),
                     "value": 1,
                 }]},
            ],
        }],
    }
    (tmp_path / "panel.test.yaml").write_text(yaml.safe_dump(test), encoding="utf-8")
    done = subprocess.run([promtool, "test", "rules", "panel.test.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
