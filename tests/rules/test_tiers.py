"""Tier control and the budget-exhausted alert (issue 22 items 2 and 3): how the spec names and
switches tiers, and promtool scenarios that prove what fires when (timings derived by hand in
the comments of tests/rules/promtool/tiers.test.yaml and exhausted.test.yaml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.rules.support import compile_rules, run_parallel, run_promtool

from adk_observe import conventions as c
from adk_observe.errors import SpecError
from adk_observe.loader.load import load_file
from adk_observe.model import ServiceSpec, Severity
from adk_observe.rules.compile import compile_service
from adk_observe.rules.types import Alert

HANDWRITTEN = Path(__file__).parent / "promtool"

SPEC = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: shop}
spec:
  WINDOWS
  slos:
    - name: ok
      objective: 99.9
      sli: {builtin: success}
      alerting: ALERTING
"""


def _load(tmp_path: Path, windows: str = "", alerting: str = "{}") -> ServiceSpec:
    path = tmp_path / "spec.yaml"
    text = SPEC.replace("WINDOWS", windows or "selector: 'job=\"shop\"'")
    path.write_text(text.replace("ALERTING", alerting))
    (spec,) = load_file(path)
    return spec


def _alerts(spec: ServiceSpec) -> list[Alert]:
    return [r for g in compile_service(spec) for r in g.rules if isinstance(r, Alert)]


def _tiers(spec: ServiceSpec) -> dict[str, str]:
    """{burn_tier: severity} of the burn-rate alerts."""
    return {
        dict(a.labels)[c.LABEL_TIER]: dict(a.labels)[c.LABEL_SEVERITY]
        for a in _alerts(spec)
        if c.LABEL_TIER in dict(a.labels)
    }


def test_the_default_table_names_its_four_tiers(tmp_path: Path) -> None:
    assert _tiers(_load(tmp_path)) == {
        "page-fast": "page",
        "page-slow": "page",
        "ticket-fast": "ticket",
        "ticket-slow": "ticket",
    }


def test_a_custom_table_names_tiers_by_severity_and_long_window_unless_the_spec_does(
    tmp_path: Path,
) -> None:
    windows = (
        "alert_windows:\n"
        "    page: [{long: 10m, short: 1m, factor: 14.4}, {tier: urgent, long: 1h, short: 5m, "
        "factor: 6}]\n"
        "    ticket: [{long: 6h, short: 30m, factor: 1}]"
    )
    assert _tiers(_load(tmp_path, windows)) == {
        "page-10m": "page",
        "urgent": "page",
        "ticket-6h": "ticket",
    }


def test_two_pairs_may_not_share_a_tier(tmp_path: Path) -> None:
    windows = (
        "alert_windows:\n"
        "    page: [{long: 1h, short: 5m, factor: 14.4}, {long: 1h, short: 10m, factor: 10}]"
    )
    with pytest.raises(SpecError) as err:
        _load(tmp_path, windows)
    assert str(err.value) == (
        f"{tmp_path / 'spec.yaml'}:6: spec.alert_windows.page[1].long: tier 'page-1h' is already "
        "the tier of the pair at line 6: give each pair its own `tier:` name"
    )


def test_a_tier_can_be_switched_off_or_given_another_severity(tmp_path: Path) -> None:
    spec = _load(
        tmp_path, alerting="{tiers: {page-fast: {enabled: false}, page-slow: {severity: ticket}}}"
    )
    assert _tiers(spec) == {"page-slow": "ticket", "ticket-fast": "ticket", "ticket-slow": "ticket"}
    # The switched-off tier's windows are still recorded: dashboards and report read them.
    records = {r.record for g in compile_service(spec) for r in g.rules if not isinstance(r, Alert)}
    assert {"slo:sli_error:ratio_rate1h", "slo:sli_error:ratio_rate5m"} <= records


def test_an_unknown_tier_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        _load(tmp_path, alerting="{tiers: {page-fastest: {enabled: false}}}")
    assert str(err.value) == (
        f"{tmp_path / 'spec.yaml'}:10: spec.slos[0].alerting.tiers.page-fastest: no tier "
        "'page-fastest' in the SLO's alert windows (its tiers: page-fast, page-slow, "
        "ticket-fast, ticket-slow)"
    )


def test_the_tier_label_is_the_compilers(tmp_path: Path) -> None:
    with pytest.raises(
        SpecError, match="'burn_tier' is set by the compiler on every SLO series and alert"
    ):
        _load(tmp_path, alerting="{labels: {burn_tier: x}}")


def _exhausted(spec: ServiceSpec) -> list[Alert]:
    return [a for a in _alerts(spec) if a.alert == "ShopOkErrorBudgetExhausted"]


def test_the_exhausted_alert_is_a_change_freeze_ticket_by_default(tmp_path: Path) -> None:
    (alert,) = _exhausted(_load(tmp_path))
    assert alert.expr == 'slo:error_budget_remaining:ratio{service="shop",slo="ok"} <= 0'
    assert dict(alert.labels) == {
        "service": "shop",
        "slo": "ok",
        "severity": Severity.TICKET.value,
        "change_freeze": "true",
    }


def test_the_exhausted_alert_can_page_wait_or_be_switched_off(tmp_path: Path) -> None:
    (alert,) = _exhausted(
        _load(
            tmp_path,
            alerting="{budget_exhausted: {severity: page, for: 10m}, "
            "page: {labels: {severity: critical}}}",
        )
    )
    assert (dict(alert.labels)["severity"], alert.for_seconds) == ("critical", 600)
    assert _exhausted(_load(tmp_path, alerting="{budget_exhausted: {enabled: false}}")) == []
    # `ticket.enabled: false` means no ticket alerts of this SLO: not this one either.
    assert _exhausted(_load(tmp_path, alerting="{ticket: {enabled: false}}")) == []


def _promtool_case(tmp_path: Path, name: str) -> None:
    assert compile_rules(HANDWRITTEN / f"{name}.yaml", tmp_path) == 0
    shutil.copy(HANDWRITTEN / f"{name}.test.yaml", tmp_path)


def test_promtool_a_disabled_tier_never_fires_and_the_budget_alert_fires_at_zero(
    promtool: str, tmp_path: Path
) -> None:
    jobs = []
    for name in ("tiers", "exhausted"):
        _promtool_case(tmp_path / name, name)
        jobs.append((tmp_path / name, ["test", "rules", f"{name}.test.yaml"]))
    for code, output in run_parallel(promtool, jobs):
        assert code == 0, output


def test_promtool_the_budget_alert_does_not_fire_a_minute_early(
    promtool: str, tmp_path: Path
) -> None:
    """The scenario can fail: expecting the alert one minute before the budget is spent."""
    _promtool_case(tmp_path, "exhausted")
    text = (tmp_path / "exhausted.test.yaml").read_text()
    early = text.replace("eval_time: 1587m", "eval_time: 1586m")
    assert early != text
    (tmp_path / "early.test.yaml").write_text(early)
    result = run_promtool(promtool, "test", "rules", "early.test.yaml", cwd=tmp_path)
    assert result.returncode != 0
    assert "ShopAgentSuccessErrorBudgetExhausted" in result.stdout + result.stderr
