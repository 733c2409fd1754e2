"""`spec.clusters`: every rule keeps the cluster label, a fleet-wide view is recorded under names
of its own, and promtool proves a failing cluster pages for itself alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import promql_parser as pp
import pytest
from tests.rules.support import GOLDEN, compile_rules, run_parallel, run_promtool

from adk_observe import conventions as c
from adk_observe.errors import SpecError
from adk_observe.loader.load import load_specs
from adk_observe.rules import compile_service
from adk_observe.rules.split import selected_names
from adk_observe.rules.types import Alert, Recording

CASE = GOLDEN / "rules-fleet"
SPEC = CASE / "spec.yaml"


def _aggregations(expr: str) -> list[pp.AggregateExpr]:
    found: list[pp.AggregateExpr] = []

    def visit(node: object) -> bool:
        if isinstance(node, pp.AggregateExpr):
            found.append(node)
        return True

    pp.walk(pp.parse(expr), visit)
    return found


def _keeps(expr: str, label: str) -> bool:
    """Every aggregation of `expr` keeps `label` (by it, or without other labels only)."""
    for agg in _aggregations(expr):
        modifier = agg.modifier
        if modifier is None:
            return False
        by = str(modifier.type).endswith("By")
        if by != (label in modifier.labels):
            return False
    return True


@pytest.mark.slow  # promtool scenarios
def test_the_cluster_scenarios_pass(promtool: str) -> None:
    folder = CASE / "out" / "prometheus"
    names = ["concierge-agent.rules.cluster-test.yaml", "concierge-agent.rules.agent-test.yaml"]
    for code, output in run_parallel(promtool, [(folder, ["test", "rules", n]) for n in names]):
        assert code == 0, output


@pytest.mark.slow  # promtool scenarios
def test_the_scenario_fails_on_rules_that_mix_the_clusters(promtool: str, tmp_path: Path) -> None:
    """The same scenario against the rules compiled without spec.clusters: a cluster's page
    would not name it, and the fleet view is missing."""
    flat = tmp_path / "flat.yaml"
    flat.write_text(SPEC.read_text().replace("  clusters:\n    label: cluster\n", "")
                    .replace("group_by: [cluster]", "group_by: [cost_center]"))
    assert compile_rules(flat, tmp_path) == 0
    shutil.copy(CASE / "out" / "prometheus" / "concierge-agent.rules.cluster-test.yaml", tmp_path)
    result = run_promtool(promtool, "test", "rules", "concierge-agent.rules.cluster-test.yaml",
                          cwd=tmp_path)
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


def test_every_per_cluster_rule_keeps_the_label_and_the_fleet_view_drops_it() -> None:
    (spec,) = load_specs([SPEC])
    groups = compile_service(spec)
    slo_rules = [r for g in groups if "-slo-" in g.name for r in g.rules]
    per_cluster = [r for r in slo_rules
                   if isinstance(r, Recording) and r.record.startswith(c.RECORDED_SERIES_PREFIX)]
    fleet = [r for r in slo_rules
             if isinstance(r, Recording) and r.record.startswith(c.FLEET_SERIES_PREFIX)]
    assert len(per_cluster) > 20 and len(fleet) > 20
    for rule in per_cluster:  # raw series: sum by (cluster, ...); recorded: labels kept
        assert _keeps(rule.expr, "cluster"), rule
        reads = selected_names(rule.expr)
        assert not any(n.startswith(c.FLEET_SERIES_PREFIX) for n in reads), rule
    for rule in fleet:  # the fleet view: the clusters' recordings summed without the cluster
        reads = selected_names(rule.expr)
        assert not any(n.startswith(("adk_", "up")) for n in reads), rule  # no raw series
        for agg in _aggregations(rule.expr):
            assert agg.modifier is not None and list(agg.modifier.labels) == ["cluster"]
            assert str(agg.modifier.type).endswith("Without"), rule
    # Every SLO alert, the agent pack and the container alerts: per cluster.
    alerts = [r for g in groups for r in g.rules if isinstance(r, Alert)]
    assert {a.alert for a in alerts} >= {c.ALERT_HIGH_ERROR_RATE, c.ALERT_OOM_KILLED,
                                          c.ALERT_SLI_NO_DATA}
    for alert in alerts:
        if alert.alert == c.ALERT_MEMORY_LEAK:  # delta() per series keeps every label
            assert _aggregations(alert.expr) == []
            continue
        if "slo:" in alert.expr and "group by" not in alert.expr:
            continue  # reads per-cluster recordings only (checked above)
        assert _keeps(alert.expr, "cluster"), alert.alert


def test_group_by_may_name_the_cluster_label(tmp_path: Path) -> None:
    text = SPEC.read_text().replace("group_by: [agent_id]", "group_by: [cluster, agent_id]")
    (tmp_path / "spec.yaml").write_text(text)
    (spec,) = load_specs([tmp_path / "spec.yaml"])
    assert spec.slo("agent-latency").group_by == ("cluster", "agent_id")  # type: ignore[union-attr]
    # ... which is the same SLO as the one that leaves it implicit.
    (implicit,) = load_specs([SPEC])
    assert compile_service(spec) == compile_service(implicit)
    # Without spec.clusters no series carries the label: refused, as before.
    (tmp_path / "flat.yaml").write_text(text.replace("  clusters:\n    label: cluster\n", "")
                                        .replace("group_by: [cluster]", "group_by: []"))
    with pytest.raises(SpecError, match="have no label 'cluster' to group by"):
        load_specs([tmp_path / "flat.yaml"])


def _passes(promtool: str, folder: Path, rules: str, case: dict[str, object]) -> None:
    """One promtool scenario (`case`: its input series and expectations) against `rules`."""
    import yaml

    test = {"rule_files": [rules], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", **case}]}
    (folder / "nodata.test.yaml").write_text(yaml.safe_dump(test))
    result = run_promtool(promtool, "test", "rules", "nodata.test.yaml", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_data_names_the_cluster_gone_silent(promtool: str, tmp_path: Path) -> None:
    """Cluster b stops sending after an hour: SLONoData fires for cluster="b" once its 5m rate
    is gone and `for: 10m` has passed; cluster a, still sending, never gets one."""
    shutil.copy(CASE / "out" / "prometheus" / "concierge-agent.rules.yaml", tmp_path)
    series = 'adk_agent_requests_total{{cluster="{}",job="concierge-agent",status_code="200"}}'
    alert = 'ALERTS{{alertname="SLONoData",slo="success",alertstate="firing",cluster="{}"}}'
    _passes(promtool, tmp_path, "concierge-agent.rules.yaml", {
        "input_series": [
            {"series": series.format("a"), "values": "0+60x120"},
            {"series": series.format("b"), "values": "0+60x60 stale"},
        ],
        "promql_expr_test": [
            {"expr": f"count({alert.format('b')})", "eval_time": "70m", "exp_samples": []},
            {"expr": f"count({alert.format('b')})", "eval_time": "80m",
             "exp_samples": [{"labels": "{}", "value": 1}]},
            {"expr": f"count(count_over_time({alert.format('a')}[120m]))",
             "eval_time": "120m", "exp_samples": []},
        ],
    })


QUALITY_SPEC = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata:
  name: qa
spec:
  clusters:
    label: cluster
  slos:
    - name: quality
      objective: 99
      group_by: [evaluator]
      sli: {builtin: quality}
"""


def test_no_data_names_the_cluster_and_evaluator_gone_silent(promtool: str, tmp_path: Path) -> None:
    """A quality SLO grouped by evaluator in a fleet compiles into rules promtool loads (its
    no-data expression once put a range on `series > 0`), and its SLONoData fires per cluster
    and evaluator: toxicity stops in cluster b at 60m and fires there alone, at 75m (its 5m rate
    0 from 65m, then `for: 10m`), while toxicity in a and grounded in both go on."""
    spec = tmp_path / "qa.yaml"
    spec.write_text(QUALITY_SPEC)
    base = ("--runbook-base-url", "https://runbooks.example.com")
    assert compile_rules(spec, tmp_path, *base) == 0
    check = run_promtool(promtool, "check", "rules", "qa.rules.yaml", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    series = ('adk_agent_evaluations_total{{agent_id="shop_assistant",cluster="{}",job="qa",'
              'evaluator="{}",result="pass"}}')
    firing = 'ALERTS{alertname="SLONoData",alertstate="firing"}'
    description = (
        "The quality SLO of qa in cluster b (evaluator=toxicity) has had no events for 10m: it"
        " cannot be judged and its burn-rate alerts cannot fire. Check that its evaluators still"
        " record evaluations (record_evaluation), and that Prometheus still scrapes the service."
    )
    _passes(promtool, tmp_path, "qa.rules.yaml", {
        "input_series": [
            {"series": series.format("a", "grounded"), "values": "0+60x120"},
            {"series": series.format("a", "toxicity"), "values": "0+30x120"},
            {"series": series.format("b", "grounded"), "values": "0+60x120"},
            {"series": series.format("b", "toxicity"), "values": "0+30x60 1800x60"},
        ],
        "promql_expr_test": [
            {"expr": "ALERTS", "eval_time": "60m", "exp_samples": []},
            {"expr": firing, "eval_time": "74m", "exp_samples": []},
            {"expr": f"count by (cluster, evaluator) (count_over_time({firing}[120m]))",
             "eval_time": "120m",
             "exp_samples": [{"labels": '{cluster="b",evaluator="toxicity"}', "value": 1}]},
        ],
        "alert_rule_test": [{"alertname": "SLONoData", "eval_time": "75m", "exp_alerts": [{
            "exp_labels": {"service": "qa", "slo": "quality", "severity": "ticket",
                           "cluster": "b", "evaluator": "toxicity"},
            "exp_annotations": {
                "summary": "qa: SLO quality has no SLI data in cluster b (evaluator=toxicity)",
                "description": description,
                "runbook_url": "https://runbooks.example.com/qa/slo-quality-no-data.md",
            },
        }]}],
    })
