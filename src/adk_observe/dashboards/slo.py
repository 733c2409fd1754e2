"""The SLO dashboard: a summary of every SLO first, then the SLO picked in `$slo`.

It reads only the series the compiled rules record (`slo:*`) and Prometheus's own `ALERTS`, so
what it shows is exactly what the alerts evaluate. Panels whose colours or thresholds depend on
the SLO (its objective, its enabled alert pairs, its period) hold one query per SLO, each
matching `slo="<name>",slo="$slo"`: only the picked SLO's query returns data, and an override per
query gives it that SLO's thresholds.
"""

from __future__ import annotations

from collections.abc import Callable

from adk_observe import conventions as c
from adk_observe.dashboards import agent_native
from adk_observe.dashboards import links as dl
from adk_observe.dashboards.model import (
    Choice,
    Column,
    Dashboard,
    Link,
    Panel,
    PanelKind,
    Query,
    Row,
    Threshold,
    Unit,
)
from adk_observe.dashboards.queries import ALERT_STATE_FIRING, LABEL_ALERT_STATE, SLO_VARIABLE
from adk_observe.dashboards.sli_text import definition
from adk_observe.dashboards.thresholds import (
    BUDGET_STEPS,
    FIRING_STEPS,
    burn_line_steps,
    burn_stat_steps,
    sli_steps,
)
from adk_observe.dashboards.uid import generated_note
from adk_observe.durations import format_seconds, parse_seconds
from adk_observe.links import slos_uid
from adk_observe.model import SLO, ServiceSpec
from adk_observe.promql import eq, number, regex, selector
from adk_observe.rules.alerts import enabled_windows
from adk_observe.rules.recordings import slo_matchers

TITLE_SUFFIX = "SLOs"
ALERTS_TABLE_TITLE = "Firing alerts of the service"
SUMMARY_TITLE = "Every SLO"
DEFAULT_RANGE = "now-24h"  # the 1d burn and a day of budget are visible without zooming out
STAT_HEIGHT = 4
LABEL_WINDOW = "window"  # added by the burn queries (label_replace), not a recorded label
SLO_REF = f"${SLO_VARIABLE}"
SHORT_SECONDS = parse_seconds(c.SHORT_RATE_WINDOW)  # the current burn rate's window


def _firing(*matchers: str) -> str:
    return selector(c.ALERTS_SERIES, eq(LABEL_ALERT_STATE, ALERT_STATE_FIRING), *matchers)


def _set(label: str) -> str:
    """Matches series that carry `label` (burn-rate alerts; not the agent pack, not no-data)."""
    return f'{label}!=""'


def _service(spec: ServiceSpec) -> str:
    return eq(c.LABEL_SERVICE, spec.name)


def _picked(spec: ServiceSpec) -> str:
    """Matchers of the SLO picked in `$slo`."""
    return f"{_service(spec)},{eq(c.LABEL_SLO, SLO_REF)}"


def _only_if_picked(spec: ServiceSpec, slo: SLO) -> str:
    """Matchers of `slo` that match nothing unless `$slo` is `slo` (two matchers on one label)."""
    return f"{slo_matchers(spec, slo)},{eq(c.LABEL_SLO, SLO_REF)}"


def _rec(spec: ServiceSpec, name: str) -> str:
    """A recorded series' name; under spec.clusters the fleet-wide view's (rules/fleet.py): the
    summary and the picked SLO show the fleet, the per-group row each cluster."""
    return name if spec.clusters is None else c.fleet_record(name)


def _ratio(spec: ServiceSpec, window: int) -> str:
    return _rec(spec, c.record_sli_error_ratio(format_seconds(window)))


def _period_ratio(spec: ServiceSpec, period: int) -> str:
    return _rec(spec, c.record_sli_error_ratio(format_seconds(period)))


def _tag(expr: str, **labels: str) -> str:
    for name, value in sorted(labels.items()):
        expr = f'label_replace({expr}, "{name}", "{value}", "", "")'
    return expr


def _union(parts: list[str]) -> str:
    return "\nor\n".join(parts)


def _per_slo(spec: ServiceSpec, build: Callable[[SLO], str]) -> tuple[Query, ...]:
    return tuple(Query(build(slo), slo.name, instant=True) for slo in spec.slos)


# --- summary ------------------------------------------------------------------------------------


def _summary(spec: ServiceSpec) -> Panel:
    service = _service(spec)
    by_slo = f"sum by ({c.LABEL_SLO})"
    periods: dict[int, list[str]] = {}
    for slo in spec.slos:
        periods.setdefault(slo.period, []).append(slo.name)
    sli = _union(
        [
            f"1 - {by_slo} ({selector(_period_ratio(spec, p), service, _slos(n))})"
            for p, n in sorted(periods.items())
        ]
    )
    objective = f"{by_slo} ({selector(_rec(spec, c.RECORD_OBJECTIVE), service)})"
    firing = (
        f"count by ({c.LABEL_SLO}) ({_firing(service, _set(c.LABEL_SLO))})\nor\n{objective} * 0"
    )
    queries = (
        Query(objective, instant=True, table=True),
        Query(sli, instant=True, table=True),
        Query(
            f"{by_slo} ({selector(_rec(spec, c.RECORD_BUDGET_REMAINING), service)})",
            instant=True,
            table=True,
        ),
        Query(
            f"{by_slo} ({selector(_rec(spec, c.RECORD_BURN_RATE), service)})",
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


# --- the picked SLO -----------------------------------------------------------------------------


def _stat(
    title: str,
    description: str,
    unit: Unit,
    queries: tuple[Query, ...],
    width: int,
    *,
    decimals: int | None = None,
    thresholds: tuple[Threshold, ...] = (),
    query_thresholds: tuple[tuple[int, tuple[Threshold, ...]], ...] = (),
    show_name: bool = False,
    links: tuple[Link, ...] = (),
) -> Panel:
    return Panel(
        title,
        PanelKind.STAT,
        queries,
        unit,
        description,
        width=width,
        height=STAT_HEIGHT,
        decimals=decimals,
        thresholds=thresholds,
        query_thresholds=query_thresholds,
        show_name=show_name,
        links=links,
    )


def _stats(spec: ServiceSpec) -> tuple[Panel, ...]:
    picked = _picked(spec)
    n = range(len(spec.slos))
    sli_queries = _per_slo(
        spec,
        lambda s: f"1 - sum({selector(_period_ratio(spec, s.period), _only_if_picked(spec, s))})",
    )
    burn_queries = _per_slo(
        spec, lambda s: f"sum({selector(_rec(spec, c.RECORD_BURN_RATE), _only_if_picked(spec, s))})"
    )
    # The definition is the name of a series that exists only for the picked SLO.
    definitions = tuple(
        Query(
            f"sum({selector(_rec(spec, c.RECORD_OBJECTIVE), _only_if_picked(spec, s))})",
            definition(s),
            True,
        )
        for s in spec.slos
    )
    return (
        _stat(
            "Definition",
            "What the SLO promises.",
            Unit.NONE,
            definitions,
            9,
            show_name=True,
            links=dl.slo_runbook(spec),
        ),
        _stat(
            "SLI over its window",
            "Share of good events over the SLO's period; green at or above the objective.",
            Unit.PERCENT_UNIT,
            sli_queries,
            3,
            decimals=3,
            query_thresholds=tuple((i, sli_steps(s)) for i, s in zip(n, spec.slos, strict=True)),
        ),
        _stat(
            "Objective",
            "The target share of good events.",
            Unit.PERCENT_UNIT,
            (Query(selector(_rec(spec, c.RECORD_OBJECTIVE), picked), instant=True),),
            3,
            decimals=3,
        ),
        _stat(
            "Budget remaining",
            "1 = untouched, 0 = spent, negative = overspent. Orange below 25%, red below 10%.",
            Unit.PERCENT_UNIT,
            (Query(selector(_rec(spec, c.RECORD_BUDGET_REMAINING), picked), instant=True),),
            3,
            decimals=1,
            thresholds=BUDGET_STEPS,
        ),
        _stat(
            f"Burn rate ({c.SHORT_RATE_WINDOW})",
            "Times faster than sustainable (1 = exactly). Orange from the slowest ticket "
            "pair's factor, red from the slowest page pair's.",
            Unit.NONE,
            burn_queries,
            3,
            decimals=2,
            query_thresholds=tuple(
                (i, burn_stat_steps(s)) for i, s in zip(n, spec.slos, strict=True)
            ),
        ),
        _stat(
            "Firing alerts",
            "Alerts of this SLO that fire now.",
            Unit.NONE,
            (Query(f"count({_firing(picked)}) or vector(0)", instant=True),),
            3,
            thresholds=FIRING_STEPS,
        ),
    )


def _pair_queries(spec: ServiceSpec) -> tuple[Query, ...]:
    """Long burn, short burn, threshold and firing per enabled pair, labelled with the alert's
    own `severity` and `windows` labels so the four tables merge row by row."""
    longs, shorts, limits = [], [], []
    for slo in spec.slos:
        match = _only_if_picked(spec, slo)
        budget = number(slo.error_budget)
        for pair in enabled_windows(slo):
            long_text, short_text = format_seconds(pair.long), format_seconds(pair.short)
            labels = {
                c.LABEL_SEVERITY: pair.severity.value,
                c.LABEL_WINDOWS: f"{long_text}/{short_text}",
            }

            def burn(text: str, match: str = match, budget: str = budget) -> str:
                return (
                    f"sum({selector(_rec(spec, c.record_sli_error_ratio(text)), match)}) / {budget}"
                )

            longs.append(_tag(burn(long_text), **labels))
            shorts.append(_tag(burn(short_text), **labels))
            factor = number(pair.factor(slo.period))
            limits.append(
                _tag(
                    f"sum({selector(_rec(spec, c.RECORD_OBJECTIVE), match)}) * 0 + {factor}",
                    **labels,
                )
            )
    if not limits:
        return ()
    limit = _union(limits)
    keys = f"{c.LABEL_SEVERITY}, {c.LABEL_WINDOWS}"
    firing = (
        f"count by ({keys}) ({_firing(_picked(spec), _set(c.LABEL_WINDOWS))})\nor\n({limit}) * 0"
    )
    return tuple(
        Query(q, instant=True, table=True) for q in (_union(longs), _union(shorts), limit, firing)
    )


def _pair_table(spec: ServiceSpec) -> Panel:
    columns = (
        Column(c.LABEL_SEVERITY, "Severity"),
        Column(c.LABEL_WINDOWS, "Windows"),
        Column("Value #A", "Long-window burn", Unit.NONE, 2),
        Column("Value #B", "Short-window burn", Unit.NONE, 2),
        Column("Value #C", "Threshold", Unit.NONE, 2),
        Column("Value #D", "Firing", Unit.NONE, 0, FIRING_STEPS),
    )
    return Panel(
        "Alert pairs",
        PanelKind.TABLE,
        _pair_queries(spec),
        Unit.NONE,
        "Each alert pair the rules contain: it fires when both its long and short burn rate are "
        "above its threshold (for the rule's `for`).",
        columns=columns,
        key="pairs",
    )


def _burn_graph(spec: ServiceSpec, overview: dict[str, int]) -> Panel:
    queries = []
    for slo in spec.slos:
        match = _only_if_picked(spec, slo)
        budget = number(slo.error_budget)
        windows = {w for p in enabled_windows(slo) for w in (p.long, p.short)}
        windows.add(SHORT_SECONDS)
        parts = [
            _tag(
                f"sum({selector(_ratio(spec, w), match)}) / {budget}",
                **{LABEL_WINDOW: format_seconds(w)},
            )
            for w in sorted(windows)
        ]
        queries.append(Query(_union(parts), f"burn over {{{{{LABEL_WINDOW}}}}}"))
    return Panel(
        "Burn rate per alert window",
        PanelKind.TIMESERIES,
        tuple(queries),
        Unit.NONE,
        "Error ratio over each window of the SLO's alert pairs, divided by its budget (log "
        "axis). Dashed lines: the enabled pairs' thresholds, red for pages, orange for tickets.",
        query_thresholds=tuple((i, burn_line_steps(s)) for i, s in enumerate(spec.slos)),
        threshold_lines=True,
        log_scale=True,
        links=(dl.overview_panel("Error share per agent", spec, overview, "error_share"),),
        key="burn",
    )


def _trends(spec: ServiceSpec, overview: dict[str, int]) -> tuple[Panel, ...]:
    picked = _picked(spec)
    longest = format_seconds(max(s.period for s in spec.slos))
    short = selector(_rec(spec, c.record_sli_error_ratio(c.SHORT_RATE_WINDOW)), picked)
    return (
        Panel(
            "SLI and objective",
            PanelKind.TIMESERIES,
            (
                Query(f"1 - {short}", f"SLI ({c.SHORT_RATE_WINDOW})"),
                Query(selector(_rec(spec, c.RECORD_OBJECTIVE), picked), "objective"),
            ),
            Unit.PERCENT_UNIT,
            "Good events over 5 minutes against the objective.",
            width=8,
            decimals=3,
        ),
        Panel(
            f"Error budget remaining (last {longest})",
            PanelKind.TIMESERIES,
            (Query(selector(_rec(spec, c.RECORD_BUDGET_REMAINING), picked), "remaining"),),
            Unit.PERCENT_UNIT,
            "The burn-down over the longest SLO period, whatever the dashboard's range. "
            "Dashed: 25% (orange) and 10% (red) left.",
            width=8,
            max=1,
            thresholds=BUDGET_STEPS,
            threshold_lines=True,
            time_from=longest,
        ),
        Panel(
            "Error and request rate",
            PanelKind.TIMESERIES,
            (
                Query(selector(_rec(spec, c.RECORD_SLI_ERRORS), picked), "errors"),
                Query(selector(_rec(spec, c.RECORD_SLI_TOTAL), picked), "total"),
            ),
            Unit.OPS_PER_SECOND,
            "SLI events per second (event SLIs only; a raw-ratio SLI records no counts).",
            width=8,
            links=(dl.overview_panel("Requests by status code", spec, overview, "requests"),),
        ),
    )


def _picked_row(spec: ServiceSpec, overview: dict[str, int]) -> Row:
    pairs = (_pair_table(spec),) if _pair_queries(spec) else ()
    panels = (*_stats(spec), *pairs, _burn_graph(spec, overview), *_trends(spec, overview))
    return Row(f"SLO: {SLO_REF}", panels, section=2)


def _alerts_row(spec: ServiceSpec) -> Row:
    where = [_service(spec)]
    if spec.clusters is not None:  # the clusters picked in `$cluster`
        where.append(regex(spec.clusters.label, f"${spec.clusters.label}"))
    query = Query(_firing(*where), instant=True, table=True)
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
            _picked_row(spec, overview),
            _alerts_row(spec),
            *(row for row in (agent_native.group_row(spec), agent_native.spend_row(spec)) if row),
        ),
        variables=agent_native.group_variables(spec),
        choices=(Choice(SLO_VARIABLE, "SLO", tuple(s.name for s in spec.slos)),),
        links=dl.dashboard_links(spec, dl.OVERVIEW_TITLE),
        time_from=DEFAULT_RANGE,
    )
