"""Table tests: small specs and the complete rule groups they compile to, spelled out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adk_observe import model as m
from adk_observe import sli_kinds
from adk_observe.rules import compile_service
from adk_observe.rules.types import Alert, Recording, RuleGroup
from adk_observe.windows import DAY, HOUR, MINUTE

L = (("service", "svc"), ("slo", "ok"))
SEL = 'service="svc",slo="ok"'
PAGE = m.AlertWindow(m.Severity.PAGE, 1 * HOUR, 5 * MINUTE, 0.02, tier="page-fast")
SLOW = m.AlertWindow(m.Severity.TICKET, 1 * DAY, 2 * HOUR, 0.1, tier="ticket-fast")


def spec(sli: m.SLI, *windows: m.AlertWindow, objective: float = 99.9,
         no_data: bool = False) -> m.ServiceSpec:
    return m.ServiceSpec(
        name="svc",
        source=m.Source("svc.yaml"),
        slos=(m.SLO(name="ok", objective=objective, period=30 * DAY, sli=sli,
                    alerting=m.SLOAlerting(name="SvcOkBurn", no_data=m.NoDataAlerting(no_data)),
                    windows=windows),),
        agent_alerts=m.AgentAlerts(enabled=False),
    )


def meta(budget: str, objective: str) -> RuleGroup:
    return RuleGroup("metadata", (
        Recording("slo:objective:ratio", f"vector({objective})", L),
        Recording("slo:error_budget:ratio", f"vector({budget})", L),
        Recording("slo:error_budget_remaining:ratio",
                  f"1 - slo:sli_error:ratio_rate30d{{{SEL}}} / {budget}", L),
        Recording("slo:current_burn_rate:ratio",
                  f"slo:sli_error:ratio_rate5m{{{SEL}}} / {budget}", L),
    ))


def page_alert(expr: str) -> Alert:
    return Alert(
        alert="SvcOkBurn", expr=expr,
        labels=(("burn_factor", "14.4"), ("burn_tier", "page-fast"), ("service", "svc"),
                ("severity", "page"), ("slo", "ok"), ("windows", "1h/5m")),
        annotations=(
            ("description", "The ok SLO of svc (99.9% over 30d) has an error ratio of "
             "{{ $value | humanizePercentage }} over the last 1h, and over 14.4x its 0.1% "
             "budget over 5m too. At this rate the 30d error budget is gone in 2d2h."),
            ("summary", "svc: SLO ok is burning its error budget 14.4x too fast (1h/5m)"),
        ),
    )


# Every SLO gets it (severity ticket, change_freeze) unless alerting.budget_exhausted is off.
EXHAUSTED = Alert(
    alert="SvcOkErrorBudgetExhausted",
    expr=f"slo:error_budget_remaining:ratio{{{SEL}}} <= 0",
    labels=(("change_freeze", "true"), ("service", "svc"), ("severity", "ticket"), ("slo", "ok")),
    annotations=(
        ("description", "The ok SLO of svc (99.9% over 30d) has "
         "{{ $value | humanizePercentage }} of its error budget left. Freeze risky changes "
         "(deploys, configuration) until the budget is positive again: this alert resolves "
         "then."),
        ("summary", "svc: SLO ok has spent its 30d error budget"),
    ),
)

REQ = 'adk_agent_requests_total{job="svc"'
SUCCESS_ERRORS = f'sum(rate({REQ},status_code=~"5.."}}[W])) or vector(0)'
SUCCESS_TOTAL = f"sum(rate({REQ}}}[W]))"


def success_ratio(w: str) -> str:
    return "(" + SUCCESS_ERRORS.replace("W", w) + ") / (" + SUCCESS_TOTAL.replace("W", w) + " > 0)"


@dataclass(frozen=True)
class Case:
    name: str
    spec: m.ServiceSpec
    parts: tuple[RuleGroup, ...]  # the SLO's one group, in order: recordings, metadata, alerts


CASES = [
    Case(
        "a success SLO with one page pair records two rates, three ratios and one alert",
        spec(m.BuiltinSLI(sli_kinds.SUCCESS), PAGE),
        (
            RuleGroup("SLI recordings", (
                Recording("slo:sli_errors:rate5m", SUCCESS_ERRORS.replace("W", "5m"), L),
                Recording("slo:sli_total:rate5m", SUCCESS_TOTAL.replace("W", "5m"), L),
                Recording("slo:sli_error:ratio_rate5m",
                          f"slo:sli_errors:rate5m{{{SEL}}} / (slo:sli_total:rate5m{{{SEL}}} > 0)",
                          L),
                Recording("slo:sli_error:ratio_rate1h", success_ratio("1h"), L),
                Recording("slo:sli_error:ratio_rate30d",
                          f"sum_over_time(slo:sli_errors:rate5m{{{SEL}}}[30d]) / "
                          f"(sum_over_time(slo:sli_total:rate5m{{{SEL}}}[30d]) > 0)", L),
            )),
            meta("0.001", "0.999"),
            RuleGroup("alerts", (page_alert(
                f"slo:sli_error:ratio_rate1h{{{SEL}}} > (14.4 * 0.001)\nand\n"
                f"slo:sli_error:ratio_rate5m{{{SEL}}} > (14.4 * 0.001)"), EXHAUSTED)),
        ),
    ),
    Case(
        "a raw ratio SLI averages its 5m ratio for windows longer than 6h and has a no-data alert",
        spec(m.RawSLI("1 - avg_over_time(healthy[{{window}}])"), SLOW, no_data=True),
        (
            RuleGroup("SLI recordings", (
                Recording("slo:sli_error:ratio_rate5m", "1 - avg_over_time(healthy[5m])", L),
                Recording("slo:sli_error:ratio_rate2h", "1 - avg_over_time(healthy[2h])", L),
                Recording("slo:sli_error:ratio_rate1d",
                          f"avg_over_time(slo:sli_error:ratio_rate5m{{{SEL}}}[1d])", L),
                Recording("slo:sli_error:ratio_rate30d",
                          f"avg_over_time(slo:sli_error:ratio_rate5m{{{SEL}}}[30d])", L),
            )),
            meta("0.001", "0.999"),
            RuleGroup("alerts", (
                Alert(
                    alert="SvcOkBurn",
                    expr=f"slo:sli_error:ratio_rate1d{{{SEL}}} > (3 * 0.001)\nand\n"
                    f"slo:sli_error:ratio_rate2h{{{SEL}}} > (3 * 0.001)",
                    labels=(("burn_factor", "3"), ("burn_tier", "ticket-fast"), ("service", "svc"),
                            ("severity", "ticket"), ("slo", "ok"), ("windows", "1d/2h")),
                    annotations=(
                        ("description", "The ok SLO of svc (99.9% over 30d) has an error ratio "
                         "of {{ $value | humanizePercentage }} over the last 1d, and over 3x its "
                         "0.1% budget over 2h too. At this rate the 30d error budget is gone in "
                         "10d."),
                        ("summary", "svc: SLO ok is burning its error budget 3x too fast (1d/2h)"),
                    ),
                ),
                Alert(
                    alert="SLONoData",
                    expr=f"absent(slo:sli_error:ratio_rate5m{{{SEL}}})",
                    for_seconds=600,
                    labels=(("service", "svc"), ("severity", "ticket"), ("slo", "ok")),
                    annotations=(
                        ("description", "The series of the ok SLO of svc have been absent for "
                         "10m: its burn-rate alerts cannot fire. Check that Prometheus still "
                         "scrapes the service."),
                        ("summary", "svc: SLO ok has no SLI data"),
                    ),
                ),
                EXHAUSTED,
            )),
        ),
    ),
    Case(
        "a latency SLI over a custom histogram counts observations above the bucket bound",
        spec(m.LatencySLI("h_seconds", 1.0, 'job="x"'), PAGE, objective=99),
        (
            RuleGroup("SLI recordings", (
                Recording(
                    "slo:sli_errors:rate5m",
                    '(sum(rate(h_seconds_count{job="x"}[5m])) - (sum(rate(h_seconds_bucket'
                    '{job="x",le=~"1|1\\\\.0"}[5m])) or vector(0))) or vector(0)', L),
                Recording("slo:sli_total:rate5m", 'sum(rate(h_seconds_count{job="x"}[5m]))', L),
                Recording("slo:sli_error:ratio_rate5m",
                          f"slo:sli_errors:rate5m{{{SEL}}} / (slo:sli_total:rate5m{{{SEL}}} > 0)",
                          L),
                Recording(
                    "slo:sli_error:ratio_rate1h",
                    '((sum(rate(h_seconds_count{job="x"}[1h])) - (sum(rate(h_seconds_bucket'
                    '{job="x",le=~"1|1\\\\.0"}[1h])) or vector(0))) or vector(0)) / '
                    '(sum(rate(h_seconds_count{job="x"}[1h])) > 0)', L),
                Recording("slo:sli_error:ratio_rate30d",
                          f"sum_over_time(slo:sli_errors:rate5m{{{SEL}}}[30d]) / "
                          f"(sum_over_time(slo:sli_total:rate5m{{{SEL}}}[30d]) > 0)", L),
            )),
            meta("0.01", "0.99"),
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_compile(case: Case) -> None:
    (got,) = compile_service(case.spec)
    want = tuple(r for part in case.parts for r in part.rules)
    assert got.name == "adk-observe-svc-slo-ok"
    if len(case.parts) == 2:  # the latency case lists recordings and metadata only
        assert got.rules[: len(want)] == want
    else:
        assert got.rules == want
