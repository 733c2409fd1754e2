"""The SLO dashboard's rows for issue 15: per-group SLOs (a variable per grouping label) and
spend budgets (spend vs budget, projected end of period). Kept apart from slo.py so the SLO
dashboard's own layout can change without touching these."""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.dashboards.panels import Panel, PanelKind, Query, Row, Unit, Variable
from adk_observe.dashboards.thresholds import BUDGET_STEPS
from adk_observe.model import ServiceSpec
from adk_observe.promql import eq, regex, selector

GROUP_SECTION = 4  # panel ids 4xx: after the summary, picked-SLO and alerts rows of slo.py
SPEND_SECTION = 5


def group_labels(spec: ServiceSpec) -> tuple[str, ...]:
    """Every label some SLO of the service is grouped by, sorted."""
    return tuple(sorted({label for slo in spec.slos for label in slo.group_by}))


def group_variables(spec: ServiceSpec) -> tuple[Variable, ...]:
    """One multi-value variable per grouping label, its values read from the recorded totals."""
    return tuple(
        Variable(label, label, c.RECORD_SLI_TOTAL, label, eq(c.LABEL_SERVICE, spec.name))
        for label in group_labels(spec)
    )


def _group_matchers(spec: ServiceSpec, labels: tuple[str, ...]) -> str:
    return ",".join((eq(c.LABEL_SERVICE, spec.name), *(regex(lb, f"${lb}") for lb in labels)))


def group_row(spec: ServiceSpec) -> Row | None:
    """Budget left and burn rate of every group of every grouped SLO, filtered by the variables."""
    grouped = [slo for slo in spec.slos if slo.group_by]
    if not grouped:
        return None

    def queries(record: str) -> tuple[Query, ...]:
        out = []
        for slo in grouped:
            match = f"{_group_matchers(spec, slo.group_by)},{eq(c.LABEL_SLO, slo.name)}"
            legend = f"{slo.name} " + " ".join(f"{{{{{lb}}}}}" for lb in slo.group_by)
            out.append(Query(selector(record, match), legend))
        return tuple(out)

    budget = Panel(
        "Error budget left per group",
        PanelKind.TIMESERIES,
        queries(c.RECORD_BUDGET_REMAINING),
        Unit.PERCENT_UNIT,
        "1 = untouched, 0 = spent over the SLO period, one line per group of each grouped SLO.",
        thresholds=BUDGET_STEPS,
    )
    burn = Panel(
        "Burn rate per group (5m)",
        PanelKind.TIMESERIES,
        queries(c.RECORD_BURN_RATE),
        Unit.SHORT,
        "How many times faster than sustainable each group burns its error budget now.",
        log_scale=True,
    )
    return Row("SLOs per group", (budget, burn), section=GROUP_SECTION)


def spend_row(spec: ServiceSpec) -> Row | None:
    """Spend over the period against the budget, and what a whole period costs at today's rate."""
    if not spec.budgets:
        return None
    service = eq(c.LABEL_SERVICE, spec.name)
    panels = []
    for budget in spec.budgets:
        match = f"{service},{eq(c.LABEL_BUDGET, budget.name)}"
        group = " ".join(f"{{{{{lb}}}}}" for lb in budget.group_by)
        suffix = f" {group}" if group else ""
        period = "calendar month (as 30d)" if budget.calendar_month else "period"
        panels.append(
            Panel(
                f"Spend vs budget: {budget.name}",
                PanelKind.TIMESERIES,
                (
                    Query(selector(c.RECORD_SPEND_PERIOD, match), f"spent{suffix}"),
                    Query(selector(c.RECORD_SPEND_PROJECTED, match), f"projected{suffix}"),
                    Query(selector(c.RECORD_BUDGET_AMOUNT, match), "budget"),
                ),
                Unit.SHORT,
                f"Spent over the last {period}, projected spend of a whole period at the rate "
                f"of the longest alert window, and the budget ({budget.amount:g}).",
            )
        )
        panels.append(
            Panel(
                f"Spend burn rate: {budget.name}",
                PanelKind.TIMESERIES,
                (Query(selector(c.RECORD_SPEND_BURN_RATE, match), f"5m{suffix}"),),
                Unit.SHORT,
                "Spend rate over the rate that spends exactly the budget (1 = on budget; the "
                "page fires at 14.4x over 1h and 6x over 6h).",
                log_scale=True,
            )
        )
    return Row("Spend budgets", tuple(panels), section=SPEND_SECTION)
