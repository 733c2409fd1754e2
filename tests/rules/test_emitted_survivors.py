"""The promtool tests that `compile-rules --emit-tests` writes, where they used to check shapes
and not boundaries (issue 19, item 9):

- a grouped latency, cost or satisfaction SLO is tested with two groups: one goes through each
  scenario, the other has the same traffic without errors and must never alert;
- spend budgets of 7, 14 and 90 days get tests derived from their own period and factors (the
  quiet rate of a 7-day budget is 0.116667x, not a fixed 0.5x that its 3d/6h pair at 0.233x
  fires on);
- the spend tests can fail: a rule file whose thresholds are 4x too low fails the quiet test,
  and one that budgets a 7-day period as 30 days fails the page test.

Each file is run by promtool against the rules written beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.rules.support import compile_rules, run_parallel, run_promtool

pytestmark = pytest.mark.slow

GROUPED = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: shop}
spec:
  slos:
    - {name: latency, objective: 99, group_by: [agent_id], sli: {builtin: latency, threshold: 1s}}
    - name: cost
      objective: 95
      group_by: [agent_id]
      sli: {builtin: cost_per_turn, threshold: 0.05}
    - name: satisfaction
      objective: 90
      group_by: [agent_id]
      sli: {builtin: satisfaction, good_above: 4.0}
  alerts: {enabled: false}
"""

# The SLO reads custom PromQL, so its own tests are not emitted: the files hold the budgets'.
BUDGETS = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: spend}
spec:
  slos:
    - name: custom
      objective: 99
      sli:
        events: {errors: 'sum(rate(e_total[{{window}}]))', total: 'sum(rate(t_total[{{window}}]))'}
  budgets:
    - {name: week, amount: 700, period: 7d}
    - {name: fortnight, amount: 1400, period: 14d}
    - {name: quarter, amount: 9000, period: 90d, group_by: [cost_center]}
  alerts: {enabled: false}
"""
TESTS = ("rules.test.yaml", "rules.quiet-test.yaml")


def _compile(tmp_path: Path, name: str, text: str) -> Path:
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / name
    assert compile_rules(spec, out, "--emit-tests") == 0
    return out


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("emitted")
    return {"shop": _compile(root, "shop", GROUPED), "spend": _compile(root, "spend", BUDGETS)}


def test_grouped_histogram_slis_are_tested_with_a_healthy_group(emitted: dict[str, Path]) -> None:
    names = [
        line.split("name: ", 1)[1]
        for test in TESTS
        for line in (emitted["shop"] / f"shop.{test}").read_text().splitlines()
        if line.startswith("- name: ")
    ]
    assert len(names) == 14
    assert all(n.endswith('; the healthy group (agent_id="b") never alerts\'') for n in names)
    detect = (emitted["shop"] / "shop.rules.test.yaml").read_text()
    # What must fire fires for the failing group, and the healthy one is watched throughout.
    assert 'alertstate="firing",agent_id="a",severity="page"' in detect
    healthy = 'ALERTS{alertname="ShopCostBudgetBurn",service="shop",slo="cost",agent_id="b"}'
    assert f"count_over_time({healthy}" in detect


def test_budget_scenarios_follow_each_period(emitted: dict[str, Path]) -> None:
    detect = (emitted["spend"] / "spend.rules.test.yaml").read_text()
    quiet = (emitted["spend"] / "spend.rules.quiet-test.yaml").read_text()
    # 7d: 3d/6h factor 0.1 * 7d / 3d = 0.2333, half is 0.116667; the 1h/5m pair (3.36x) pages
    # at 20x after 3.36 / 20 * 1h = 10m4.8s. 90d: the 1h pair (43.2x) cannot fire at 20x, the
    # 6h/30m pair (18x) fires after 18 / 20 * 6h = 5h24m.
    for name in (
        "week: spending at 0.116667x the budgeted rate for 3d never alerts",
        "fortnight: spending at 0.233333x the budgeted rate for 3d never alerts",
        "quarter: spending at 0.5x the budgeted rate for 3d never alerts",
    ):
        assert name in quiet
    for name in (
        "week: spending at 20x the budgeted rate pages after 10m4s +/- 2m, not before",
        "fortnight: spending at 20x the budgeted rate pages after 20m9s +/- 2m, not before",
        "quarter: spending at 20x the budgeted rate pages after 5h24m +/- 8m, not before; "
        "the group at 0.5x its rate never alerts",
    ):
        assert name in detect


def test_the_emitted_tests_pass(promtool: str, emitted: dict[str, Path]) -> None:
    jobs = [(emitted[s], ["test", "rules", f"{s}.{t}"]) for s in ("shop", "spend") for t in TESTS]
    failed = [out for code, out in run_parallel(promtool, jobs) if code != 0]
    assert failed == []


def _mutated(emitted: dict[str, Path], tmp_path: Path, old: str, new: str) -> Path:
    """The spend rules with `old` replaced in every alert threshold, and the emitted tests."""
    rules = (emitted["spend"] / "spend.rules.yaml").read_text()
    assert old in rules
    (tmp_path / "spend.rules.yaml").write_text(rules.replace(old, new))
    for test in TESTS:
        (tmp_path / f"spend.{test}").write_text((emitted["spend"] / f"spend.{test}").read_text())
    return tmp_path


# (the planted bug: new text for the 7-day budget's thresholds `(F * 700 / 604800)`, the
# emitted test that must then fail)
PLANTED = {
    "thresholds four times too low fail the quiet test": (
        " * 700 / 604800 / 4)",
        "spend.rules.quiet-test.yaml",
    ),
    "a 7-day budget alerted as 30 days fails the page test": (
        " * 700 / 2592000)",
        "spend.rules.test.yaml",
    ),
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_the_spend_tests_can_fail(
    promtool: str, emitted: dict[str, Path], tmp_path: Path, case: str
) -> None:
    new, test = PLANTED[case]
    folder = _mutated(emitted, tmp_path, " * 700 / 604800)", new)
    result = run_promtool(promtool, "test", "rules", test, cwd=folder)
    assert result.returncode != 0
    assert 'budget=\\"week\\"' in result.stdout + result.stderr
