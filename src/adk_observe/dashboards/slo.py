"""The SLO dashboard: a summary of every SLO first, then the SLO picked in `$slo` (its row is
slo_picked.py's), then the alerts firing now and the per-group and spend rows.

It reads only the series the compiled rules record (`slo:*`) and Prometheus's own `ALERTS`
(slo_queries.py), so what it shows is exactly what the alerts evaluate.
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.dashboards import agent_native
from adk_observe.dashboards import links as dl
from adk_observe.dashboards.panels import (
    Choice,
    Column,
    Dashboard,
    Link,
    Panel,
    PanelKind,
    Query,
    Row,
    Unit,
)
from adk_observe.dashboards.queries import SLO_VARIABLE
from adk_observe.dashboards.slo_picked import picked_row
from adk_observe.dashboards.slo_queries import (
    firing_alerts,
    has_label,
    ratio,
    rec,
    service_matcher,
    union,
)
from adk_observe.dashboards.thresholds import BUDGET_STEPS, FIRING_STEPS
from adk_observe.dashboards.uid import generated_note
from adk_observe.links import slos_uid
from adk_observe.model import ServiceSpec
from adk_observe.promql import eq, regex, selector

TITLE_SUFFIX = "SLOs"
ALERTS_TABLE_TITLE = "Firing alerts of the service"
SUMMARY_TITLE = "Every SLO"
DEFAULT_RANGE = "now-24h"  # the 1d burn and a day of budget are visible without zooming out


def _summary(spec: ServiceSpec) -> Panel:
    service = service_matcher(spec)
    by_slo = f"sum by ({c.LABEL_SLO})"
    periods: dict[int, list[str]] = {}
    for slo in spec.slos:
        periods.setdefault(slo.period, []).append(slo.name)
    sli = union(
        [
            f"1 - {by_slo} ({selector(ratio(spec, p), service, _slos(n))})"
            for p, n in sorted(periods.items())
        ]
    )
    objective = f"{by_slo} ({selector(rec(spec, c.RECORD_OBJECTIVE), service)})"
    now = firing_alerts(service, has_label(c.LABEL_SLO))
    firing = f"count by ({c.LABEL_SLO}) ({now})\nor\n{objective} * 0"
    queries = (
        Query(objective, instant=True, table=True),
        Query(sli, instant=True, table=True),
        Query(
            f"{by_slo} ({selector(rec(spec, c.RECORD_BUDGET_REMAINING), service)})",
            instant=True,
            table=True,
        ),
        Query(
            f"{by_slo} ({selector(rec(spec, c.RECORD_BURN_RATE), service)})",
            instant=True,
            table=True,
        ),
        Query(firing, instant=True, table=True),
    )
    pick = Link(
        "Open this SLO",
        dl.with_context(dl.path(slos_uid(spec), (f"var-{SLO_VARIABLE}", "${__value.raw}"))),
    )
    columns = (
        Column(c.LABEL_SLO, "SLO", link=pick),
        Column("Value #A", "Objective", Unit.PERCENT_UNIT, 3),
        Column("Value #B", "SLI over its window", Unit.PERCENT_UNIT, 3),
        Column("Value #C", "Budget remaining", Unit.PERCENT_UNIT, 1, BUDGET_STEPS),
        Column("Value #D", "Burn rate (5m)", Unit.NONE, 2),
        Column("Value #E", "Firing alerts", Unit.NONE, 0, FIRING_STEPS),
    )
    return Panel(
        SUMMARY_TITLE,
        PanelKind.TABLE,
        queries,
        Unit.NONE,
        "Every SLO of the service; click a name to show it below.",
        width=24,
        height=3 + len(spec.slos),
        columns=columns,
        key="summary",
    )


def _slos(names: list[str]) -> str:
    return eq(c.LABEL_SLO, names[0]) if len(names) == 1 else f'{c.LABEL_SLO}=~"{"|".join(names)}"'


def _summary_row(spec: ServiceSpec) -> Row:
    return Row("Summary", (_summary(spec),), section=1)


def _alerts_row(spec: ServiceSpec) -> Row:
    where = [service_matcher(spec)]
    if spec.clusters is not None:  # the clusters picked in `$cluster`
        where.append(regex(spec.clusters.label, f"${spec.clusters.label}"))
    query = Query(firing_alerts(*where), instant=True, table=True)
    table = Panel(
        ALERTS_TABLE_TITLE,
        PanelKind.TABLE,
        (query,),
        Unit.NONE,
        "Every alert of this service that fires now: SLO burn rates and the agent alert pack.",
        width=24,
        height=6,
    )
    return Row("Alerts", (table,), section=3)


def slo_dashboard(spec: ServiceSpec, overview: dict[str, int]) -> Dashboard:
    """`overview`: panel ids of the overview dashboard by key, for the panels' links there."""
    return Dashboard(
        uid=slos_uid(spec),
        title=f"{spec.name}: {TITLE_SUFFIX}",
        description=generated_note(spec),
        tags=("adk-observe", spec.name, "slo"),
        rows=(
            _summary_row(spec),
            picked_row(spec, overview),
            _alerts_row(spec),
            *(row for row in (agent_native.group_row(spec), agent_native.spend_row(spec)) if row),
        ),
        variables=agent_native.group_variables(spec),
        choices=(Choice(SLO_VARIABLE, "SLO", tuple(s.name for s in spec.slos)),),
        links=dl.dashboard_links(spec, dl.OVERVIEW_TITLE),
        time_from=DEFAULT_RANGE,
    )
