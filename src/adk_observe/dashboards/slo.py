"""The SLO dashboard: per SLO its SLI, objective, remaining budget, burn rates and alerts.

It reads only the series the compiled rules record (`slo:*`) and Prometheus's own `ALERTS`, so
what the dashboard shows is exactly what the alerts evaluate.
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.dashboards.model import Dashboard, Panel, PanelKind, Query, Row, Threshold, Unit
from adk_observe.dashboards.queries import ALERT_STATE_FIRING, LABEL_ALERT_STATE
from adk_observe.dashboards.uid import dashboard_uid, generated_note
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, ServiceSpec
from adk_observe.rules.promql import eq, number, selector
from adk_observe.rules.recordings import slo_matchers

GREEN, ORANGE, RED = "green", "orange", "red"
# Remaining budget below this share turns the stat orange: time to slow down risky changes.
BUDGET_LOW = 0.25
STAT_WIDTHS = (5, 5, 5, 5, 4)
TITLE_SUFFIX = "SLOs"
ALERTS_TABLE_TITLE = "Firing alerts of the service"


def _firing(*matchers: str) -> str:
    return selector(c.ALERTS_SERIES, eq(LABEL_ALERT_STATE, ALERT_STATE_FIRING), *matchers)


def _stat(
    title: str,
    description: str,
    unit: Unit,
    query: str,
    width: int,
    *,
    thresholds: tuple[Threshold, ...] = (),
    decimals: int | None = None,
) -> Panel:
    return Panel(
        title,
        PanelKind.STAT,
        (Query(query, instant=True),),
        unit,
        description,
        width=width,
        height=4,
        decimals=decimals,
        thresholds=thresholds,
    )


def _factors(slo: SLO) -> tuple[tuple[str, float], ...]:
    """(pair description, burn factor) of every alert pair, in table order."""
    return tuple(
        (
            f"{w.severity.value} {format_seconds(w.long)}/{format_seconds(w.short)}",
            w.factor(slo.period),
        )
        for w in slo.windows
    )


def _pair_windows(slo: SLO) -> tuple[int, ...]:
    return tuple(sorted({s for w in slo.windows for s in (w.long, w.short)}))


def _burn_steps(factors: list[float]) -> tuple[Threshold, ...]:
    """Green below the slowest alerting burn, orange up to the fastest, red beyond it."""
    if not factors:
        return ()
    low, high = min(factors), max(factors)
    steps = [Threshold(GREEN)]
    if low < high:
        steps.append(Threshold(ORANGE, low))
    steps.append(Threshold(RED, high))
    return tuple(steps)


def _stats(spec: ServiceSpec, slo: SLO) -> tuple[Panel, ...]:
    match = slo_matchers(spec, slo)
    period = format_seconds(slo.period)
    objective = round(slo.objective / 100, 12)
    factors = [f for _, f in _factors(slo)]
    w = STAT_WIDTHS
    ratio = selector(c.record_sli_error_ratio(period), match)
    return (
        _stat(
            f"SLI over {period}",
            "Share of good events over the SLO window.",
            Unit.PERCENT_UNIT,
            f"1 - {ratio}",
            w[0],
            decimals=3,
            thresholds=(Threshold(RED), Threshold(GREEN, objective)),
        ),
        _stat(
            "Objective",
            f"{slo.description} The target: {number(slo.objective)}% good over {period}.".strip(),
            Unit.PERCENT_UNIT,
            selector(c.RECORD_OBJECTIVE, match),
            w[1],
            decimals=3,
        ),
        _stat(
            f"Error budget remaining ({period})",
            "1 = untouched, 0 = spent, negative = overspent.",
            Unit.PERCENT_UNIT,
            selector(c.RECORD_BUDGET_REMAINING, match),
            w[2],
            decimals=1,
            thresholds=(Threshold(RED), Threshold(ORANGE, 0), Threshold(GREEN, BUDGET_LOW)),
        ),
        _stat(
            f"Burn rate ({c.SHORT_RATE_WINDOW})",
            "How many times faster than sustainable the budget burns (1 = exactly).",
            Unit.NONE,
            selector(c.RECORD_BURN_RATE, match),
            w[3],
            decimals=2,
            thresholds=_burn_steps(factors),
        ),
        _stat(
            "Firing alerts",
            "Burn-rate alerts of this SLO that fire now.",
            Unit.NONE,
            f"count({_firing(match)}) or vector(0)",
            w[4],
            thresholds=(Threshold(GREEN), Threshold(RED, 1)),
        ),
    )


def _graphs(spec: ServiceSpec, slo: SLO) -> tuple[Panel, ...]:
    match = slo_matchers(spec, slo)
    budget = number(slo.error_budget)
    short = selector(c.record_sli_error_ratio(c.SHORT_RATE_WINDOW), match)
    burn = tuple(
        Query(
            f"{selector(c.record_sli_error_ratio(format_seconds(s)), match)} / {budget}",
            f"burn rate over {format_seconds(s)}",
        )
        for s in _pair_windows(slo)
    )
    lines = tuple(
        Query(f"vector({number(f)})", f"{name} threshold ({number(f)}x)")
        for name, f in _factors(slo)
    )
    return (
        Panel(
            "SLI and objective",
            PanelKind.TIMESERIES,
            (
                Query(f"1 - {short}", f"SLI ({c.SHORT_RATE_WINDOW})"),
                Query(selector(c.RECORD_OBJECTIVE, match), "objective"),
            ),
            Unit.PERCENT_UNIT,
            "Good events over 5 minutes against the objective.",
            width=8,
            decimals=3,
        ),
        Panel(
            "Error budget remaining",
            PanelKind.TIMESERIES,
            (Query(selector(c.RECORD_BUDGET_REMAINING, match), "remaining"),),
            Unit.PERCENT_UNIT,
            f"Budget left over the {format_seconds(slo.period)} window.",
            width=8,
            max=1,
        ),
        Panel(
            "Burn rate per alert window",
            PanelKind.TIMESERIES,
            burn + lines,
            Unit.NONE,
            "Error ratio over each alert window divided by the budget; a pair fires when "
            "both its windows are above its threshold.",
            width=8,
        ),
    )


def _slo_row(spec: ServiceSpec, slo: SLO, section: int) -> Row:
    title = f"{slo.name}: {number(slo.objective)}% over {format_seconds(slo.period)}"
    return Row(title, _stats(spec, slo) + _graphs(spec, slo), section)


def _alerts_row(spec: ServiceSpec) -> Row:
    query = Query(_firing(eq(c.LABEL_SERVICE, spec.name)), instant=True, table=True)
    table = Panel(
        ALERTS_TABLE_TITLE,
        PanelKind.TABLE,
        (query,),
        Unit.NONE,
        "Every alert of this service that fires now: SLO burn rates and the agent alert pack.",
        width=24,
        height=6,
    )
    return Row("Alerts", (table,), section=1)


def slo_dashboard(spec: ServiceSpec) -> Dashboard:
    rows = (
        _alerts_row(spec),
        *(_slo_row(spec, slo, i) for i, slo in enumerate(spec.slos, start=2)),
    )
    return Dashboard(
        uid=dashboard_uid(spec.name, "slos"),
        title=f"{spec.name}: {TITLE_SUFFIX}",
        description=generated_note(spec),
        tags=("adk-observe", spec.name, "slo"),
        rows=rows,
    )
