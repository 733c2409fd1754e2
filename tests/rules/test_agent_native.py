"""Issue 15, compile side: per-group SLOs, spend budgets and the cost_per_turn SLI, as complete
rules and as promtool scenarios (hand-written, and the ones --emit-tests writes)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.rules.support import compile_rules, run_parallel, run_promtool

from adk_observe import model as m
from adk_observe import sli_kinds
from adk_observe.rules import compile_service
from adk_observe.rules.types import Alert, Recording
from adk_observe.windows import DAY, HOUR, MINUTE

HANDWRITTEN = Path(__file__).parent / "promtool"
PAGE = m.AlertWindow(m.Severity.PAGE, 1 * HOUR, 5 * MINUTE, 0.02, tier="page-fast")
TICKET = m.AlertWindow(m.Severity.TICKET, 1 * DAY, 2 * HOUR, 0.1, tier="ticket-fast")


def _spec(
    *, slos: tuple[m.SLO, ...] = (), budgets: tuple[m.SpendBudget, ...] = ()
) -> m.ServiceSpec:
    return m.ServiceSpec(
        name="svc",
        source=m.Source("svc.yaml"),
        slos=slos,
        budgets=budgets,
        agent_alerts=m.AgentAlerts(enabled=False),
    )


def test_a_budget_compiles_to_spend_rates_and_one_alert_per_window_pair() -> None:
    budget = m.SpendBudget(
        "llm", amount=3000, period=30 * DAY, windows=(PAGE, TICKET), group_by=("cost_center",)
    )
    (group,) = compile_service(_spec(budgets=(budget,)))
    labels = (("budget", "llm"), ("service", "svc"))
    sel = 'service="svc",budget="llm"'
    raw = 'sum by (cost_center) (rate(adk_agent_cost_total{job="svc"}[W]))'
    assert group.name == "adk-observe-svc-budget-llm"
    assert group.rules == (
        Recording("budget:spend:rate5m", raw.replace("W", "5m"), labels),
        Recording("budget:spend:rate1h", raw.replace("W", "1h"), labels),
        Recording("budget:spend:rate2h", raw.replace("W", "2h"), labels),
        # Longer than 6h: the mean of the recorded 5m rates, not days of raw samples.
        Recording(
            "budget:spend:rate1d", f"avg_over_time(budget:spend:rate5m{{{sel}}}[1d])", labels
        ),
        Recording("budget:amount:total", "vector(3000)", labels),
        Recording(
            "budget:current_burn_rate:ratio",
            f"budget:spend:rate5m{{{sel}}} / (3000 / 2592000)",
            labels,
        ),
        Recording(
            "budget:spend:period",
            f"avg_over_time(budget:spend:rate5m{{{sel}}}[30d]) * 2592000",
            labels,
        ),
        Recording(
            "budget:spend_projected:period", f"budget:spend:rate1d{{{sel}}} * 2592000", labels
        ),
        Alert(
            alert="SvcLlmSpendBurn",
            expr=f"budget:spend:rate1h{{{sel}}} > (14.4 * 3000 / 2592000)\nand\n"
            f"budget:spend:rate5m{{{sel}}} > (14.4 * 3000 / 2592000)",
            labels=(
                ("budget", "llm"),
                ("burn_factor", "14.4"),
                ("burn_tier", "page-fast"),
                ("service", "svc"),
                ("severity", "page"),
                ("windows", "1h/5m"),
            ),
            annotations=(
                (
                    "description",
                    "The LLM spend of svc (cost_center={{ $labels.cost_center }}) "
                    "over the last 1h is {{ $value | humanize }} per second, over 14.4x the rate "
                    "that spends the 3000 budget of a 30d, over 5m too. At this rate the budget is "
                    "gone in 2d2h.",
                ),
                (
                    "summary",
                    "svc: spend budget llm (cost_center={{ $labels.cost_center }}) is "
                    "being spent 14.4x too fast (1h/5m)",
                ),
            ),
        ),
        Alert(
            alert="SvcLlmSpendBurn",
            expr=f"budget:spend:rate1d{{{sel}}} > (3 * 3000 / 2592000)\nand\n"
            f"budget:spend:rate2h{{{sel}}} > (3 * 3000 / 2592000)",
            labels=(
                ("budget", "llm"),
                ("burn_factor", "3"),
                ("burn_tier", "ticket-fast"),
                ("service", "svc"),
                ("severity", "ticket"),
                ("windows", "1d/2h"),
            ),
            annotations=(
                (
                    "description",
                    "The LLM spend of svc (cost_center={{ $labels.cost_center }}) "
                    "over the last 1d is {{ $value | humanize }} per second, over 3x the rate "
                    "that spends the 3000 budget of a 30d, over 2h too. At this rate the budget is "
                    "gone in 10d.",
                ),
                (
                    "summary",
                    "svc: spend budget llm (cost_center={{ $labels.cost_center }}) is "
                    "being spent 3x too fast (1d/2h)",
                ),
            ),
        ),
    )


def test_a_grouped_slo_keeps_its_labels_and_reads_0_for_a_group_without_errors() -> None:
    slo = m.SLO(
        "ok",
        99.9,
        30 * DAY,
        m.BuiltinSLI(sli_kinds.SUCCESS),
        m.SLOAlerting("SvcOkBurn"),
        (PAGE,),
        group_by=("agent_id", "model"),
    )
    (group,) = compile_service(_spec(slos=(slo,)))
    total = 'sum by (agent_id, model) (rate(adk_agent_requests_total{job="svc"}[5m]))'
    errors = (
        'sum by (agent_id, model) (rate(adk_agent_requests_total{job="svc",'
        'status_code=~"5.."}[5m]))'
    )
    recorded = {r.record: r.expr for r in group.rules if isinstance(r, Recording)}
    # A label-less vector(0) would match no group: a group's missing errors are 0 x its total.
    assert recorded["slo:sli_errors:rate5m"] == f"({errors}) or 0 * ({total})"
    assert recorded["slo:sli_total:rate5m"] == total
    burn, exhausted = (r for r in group.rules if isinstance(r, Alert))
    assert dict(burn.annotations)["summary"] == (
        "svc: SLO ok (agent_id={{ $labels.agent_id }}, model={{ $labels.model }}) is burning "
        "its error budget 14.4x too fast (1h/5m)"
    )
    # The budget is spent per group too: the recording it reads keeps the group labels.
    assert exhausted.alert == "SvcOkErrorBudgetExhausted"
    assert dict(exhausted.annotations)["summary"] == (
        "svc: SLO ok (agent_id={{ $labels.agent_id }}, model={{ $labels.model }}) has spent "
        "its 30d error budget"
    )


def test_cost_per_turn_counts_turns_above_the_threshold_bucket_as_errors() -> None:
    slo = m.SLO(
        "cost",
        95,
        30 * DAY,
        m.BuiltinSLI(sli_kinds.COST_PER_TURN, 0.05),
        m.SLOAlerting("SvcCostBurn"),
        (PAGE,),
    )
    (group,) = compile_service(_spec(slos=(slo,)))
    recorded = {r.record: r.expr for r in group.rules if isinstance(r, Recording)}
    count = 'sum(rate(adk_agent_interaction_cost_count{job="svc"}[5m]))'
    under = 'sum(rate(adk_agent_interaction_cost_bucket{job="svc",le=~"0\\\\.05"}[5m]))'
    assert recorded["slo:sli_errors:rate5m"] == f"({count} - ({under} or vector(0))) or vector(0)"
    assert recorded["slo:sli_total:rate5m"] == count


def _run(promtool: str, tmp_path: Path, specs: list[str], tests: list[str]) -> list[str]:
    for name in specs:
        assert compile_rules(HANDWRITTEN / name, tmp_path) == 0
    for name in tests:
        shutil.copy(HANDWRITTEN / name, tmp_path)
    results = run_parallel(promtool, [(tmp_path, ["test", "rules", n]) for n in tests])
    return [output for code, output in results if code != 0]


def test_one_agent_failing_at_1pct_of_traffic_pages_alone_and_only_when_grouped(
    promtool: str, tmp_path: Path
) -> None:
    """Agent A (1% of turns) fails half of them: grouped, it pages with agent_id="A" within 10
    minutes and B never alerts; the same SLO without group_by (0.5% service-wide) never pages."""
    failed = _run(
        promtool, tmp_path, ["group_by.yaml", "group_by_flat.yaml"], ["group_by.test.yaml"]
    )
    assert failed == []


def test_the_group_by_scenario_can_fail(promtool: str, tmp_path: Path) -> None:
    # Expect B to be the agent that pages: promtool must say no.
    for name in ("group_by.yaml", "group_by_flat.yaml"):
        assert compile_rules(HANDWRITTEN / name, tmp_path) == 0
    text = (HANDWRITTEN / "group_by.test.yaml").read_text()
    wrong = text.replace('{__name__="ALERTS",agent_id="A"', '{__name__="ALERTS",agent_id="B"')
    assert wrong != text
    (tmp_path / "wrong.test.yaml").write_text(wrong)
    assert run_promtool(promtool, "test", "rules", "wrong.test.yaml", cwd=tmp_path).returncode != 0


def test_spend_at_20x_pages_within_the_hour_and_half_for_three_days_never_alerts(
    promtool: str, tmp_path: Path
) -> None:
    failed = _run(
        promtool, tmp_path, ["budget.yaml"], ["budget.test.yaml", "budget.quiet-test.yaml"]
    )
    assert failed == []


def test_emitted_tests_prove_cost_per_turn_grouped_slos_and_budgets(
    promtool: str, tmp_path: Path
) -> None:
    assert compile_rules(HANDWRITTEN / "agent_native.yaml", tmp_path, "--emit-tests") == 0
    detect = (tmp_path / "shop.rules.test.yaml").read_text()
    quiet = (tmp_path / "shop.rules.quiet-test.yaml").read_text()
    for name in (
        "cost: a total outage pages (1h/5m) within 45m",
        "cost: 50% errors (10x burn) page (6h/30m) after 3h36m +/- 5m, not before",
        "llm: spending at 20x the budgeted rate pages after 43m12s +/- 2m, not before; "
        "the group at 0.5x its rate never alerts",
    ):
        assert name in detect
    assert "llm: spending at 0.5x the budgeted rate for 3d never alerts" in quiet
    assert "cost: 2.5% errors (0.5x burn) for 3d never alert" in quiet
    results = run_parallel(
        promtool,
        [
            (tmp_path, ["test", "rules", n])
            for n in ("shop.rules.test.yaml", "shop.rules.quiet-test.yaml")
        ],
    )
    assert [out for code, out in results if code != 0] == []


def test_an_imported_sloth_slo_grouped_by_route_pages_for_the_failing_route_alone(
    promtool: str, tmp_path: Path
) -> None:
    corpus = HANDWRITTEN.parents[1] / "importers" / "corpus" / "sloth-grouped.yaml"
    assert compile_rules(corpus, tmp_path) == 0
    shutil.copy(HANDWRITTEN / "sloth_grouped.test.yaml", tmp_path)
    result = run_promtool(promtool, "test", "rules", "sloth_grouped.test.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
