"""The SLO dashboard's row of the SLO picked in `$slo`: its stats, its alert pairs, its burn
rate per alert window and its trends (slo.py puts the row between the summary and the alerts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adk_observe import conventions as c
from adk_observe.dashboards import links as dl
from adk_observe.dashboards.panels import (
    Column,
    Panel,
    PanelKind,
    Query,
    Row,
    Threshold,
    Unit,
)
from adk_observe.dashboards.sli_text import definition
from adk_observe.dashboards.slo_queries import (
    LABEL_WINDOW,
    SHORT_SECONDS,
    SLO_REF,
    firing_alerts,
    has_label,
    only_if_picked,
    per_slo,
    picked_matchers,
    ratio,
    rec,
    tag,
    union,
)
from adk_observe.dashboards.thresholds import (
    BUDGET_STEPS,
    FIRING_STEPS,
    burn_line_steps,
    burn_stat_steps,
    sli_steps,
)
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, ServiceSpec
from adk_observe.promql import number, selector
from adk_observe.rules.alerts import enabled_windows
from adk_observe.rules.kinds import sli_query

STAT_HEIGHT = 4


@dataclass(frozen=True)
class Stat:
    """A stat of the picked SLO: one query of the picked SLO (`picked`), or one per SLO of which
    only the picked one answers (`per_slo`), coloured by that SLO's own `steps`."""

    title: str
    description: str
    unit: Unit
    decimals: int | None = None
    # (spec, the picked SLO's matchers) -> PromQL
    picked: Callable[[ServiceSpec, str], str] | None = None
    # (spec, SLO, its only-if-picked matchers) -> PromQL
    per_slo: Callable[[ServiceSpec, SLO, str], str] | None = None
    steps: Callable[[SLO], tuple[Threshold, ...]] | None = None
    thresholds: tuple[Threshold, ...] = ()


STATS: tuple[Stat, ...] = (
    Stat(
        "SLI over its window",
        "Share of good events over the SLO's period; green at or above the objective.",
        Unit.PERCENT_UNIT,
        3,
        per_slo=lambda spec, s, match: f"1 - sum({selector(ratio(spec, s.period), match)})",
        steps=sli_steps,
    ),
    Stat(
        "Objective",
        "The target share of good events.",
        Unit.PERCENT_UNIT,
        3,
        picked=lambda spec, match: selector(rec(spec, c.RECORD_OBJECTIVE), match),
    ),
    Stat(
        "Budget remaining",
        "1 = untouched, 0 = spent, negative = overspent. Orange below 25%, red below 10%.",
        Unit.PERCENT_UNIT,
        1,
        picked=lambda spec, match: selector(rec(spec, c.RECORD_BUDGET_REMAINING), match),
        thresholds=BUDGET_STEPS,
    ),
    Stat(
        f"Burn rate ({c.SHORT_RATE_WINDOW})",
        "Times faster than sustainable (1 = exactly). Orange from the slowest ticket "
        "pair's factor, red from the slowest page pair's.",
        Unit.NONE,
        2,
        per_slo=lambda spec, s, match: f"sum({selector(rec(spec, c.RECORD_BURN_RATE), match)})",
        steps=burn_stat_steps,
    ),
    Stat(
        "Firing alerts",
        "Alerts of this SLO that fire now.",
        Unit.NONE,
        picked=lambda spec, match: f"count({firing_alerts(match)}) or vector(0)",
        thresholds=FIRING_STEPS,
    ),
)


def _stat_panel(
    title: str, description: str, unit: Unit, queries: tuple[Query, ...], width: int, **more: Any
) -> Panel:
    return Panel(
        title, PanelKind.STAT, queries, unit, description, width=width, height=STAT_HEIGHT, **more
    )


def _stat(spec: ServiceSpec, stat: Stat) -> Panel:
    if stat.per_slo is not None:
        build = stat.per_slo
        queries = per_slo(spec, lambda s: build(spec, s, only_if_picked(spec, s)))
    else:
        assert stat.picked is not None
        queries = (Query(stat.picked(spec, picked_matchers(spec)), instant=True),)
    steps = stat.steps
    per_query = () if steps is None else tuple((i, steps(s)) for i, s in enumerate(spec.slos))
    return _stat_panel(
        stat.title,
        stat.description,
        stat.unit,
        queries,
        3,
        decimals=stat.decimals,
        thresholds=stat.thresholds,
        query_thresholds=per_query,
    )


def _stats(spec: ServiceSpec) -> tuple[Panel, ...]:
    # The definition is the name of a series that exists only for the picked SLO.
    definitions = tuple(
        Query(
            f"sum({selector(rec(spec, c.RECORD_OBJECTIVE), only_if_picked(spec, s))})",
            definition(s),
            True,
        )
        for s in spec.slos
    )
    what = "What the SLO promises."
    return (
        _stat_panel(
            "Definition",
            what,
            Unit.NONE,
            definitions,
            9,
            show_name=True,
            links=dl.slo_runbook(spec),
        ),
        *(_stat(spec, stat) for stat in STATS),
    )


def _pair_queries(spec: ServiceSpec) -> tuple[Query, ...]:
    """Long burn, short burn, threshold and firing per enabled pair, labelled with the alert's
    own `severity` and `windows` labels so the four tables merge row by row."""
    longs, shorts, limits = [], [], []
    for slo in spec.slos:
        match = only_if_picked(spec, slo)
        budget = number(slo.error_budget)
        for pair in enabled_windows(slo):
            long_text, short_text = format_seconds(pair.long), format_seconds(pair.short)
            labels = {
                c.LABEL_SEVERITY: pair.severity.value,
                c.LABEL_WINDOWS: f"{long_text}/{short_text}",
            }

            def burn(text: str, match: str = match, budget: str = budget) -> str:
                return (
                    f"sum({selector(rec(spec, c.record_sli_error_ratio(text)), match)}) / {budget}"
                )

            longs.append(tag(burn(long_text), **labels))
            shorts.append(tag(burn(short_text), **labels))
            factor = number(pair.factor(slo.period))
            limits.append(
                tag(
                    f"sum({selector(rec(spec, c.RECORD_OBJECTIVE), match)}) * 0 + {factor}",
                    **labels,
                )
            )
    if not limits:
        return ()
    limit = union(limits)
    keys = f"{c.LABEL_SEVERITY}, {c.LABEL_WINDOWS}"
    now = firing_alerts(picked_matchers(spec), has_label(c.LABEL_WINDOWS))
    firing = f"count by ({keys}) ({now})\nor\n({limit}) * 0"
    return tuple(
        Query(q, instant=True, table=True) for q in (union(longs), union(shorts), limit, firing)
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
        match = only_if_picked(spec, slo)
        budget = number(slo.error_budget)
        windows = {w for p in enabled_windows(slo) for w in (p.long, p.short)}
        windows.add(SHORT_SECONDS)
        parts = [
            tag(
                f"sum({selector(ratio(spec, w), match)}) / {budget}",
                **{LABEL_WINDOW: format_seconds(w)},
            )
            for w in sorted(windows)
        ]
        queries.append(Query(union(parts), f"burn over {{{{{LABEL_WINDOW}}}}}"))
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
    """SLI, budget and (when an SLO counts events) the event rates. A service whose SLIs are all
    raw ratios (Sloth's `raw`) records no counts: that panel would plot series that never exist,
    so it is left out and the other two take the row."""
    picked = picked_matchers(spec)
    longest = format_seconds(max(s.period for s in spec.slos))
    short = selector(rec(spec, c.record_sli_error_ratio(c.SHORT_RATE_WINDOW)), picked)
    counts = any(sli_query(spec, slo.sli).total is not None for slo in spec.slos)
    width = 8 if counts else 12
    panels = (
        Panel(
            "SLI and objective",
            PanelKind.TIMESERIES,
            (
                Query(f"1 - {short}", f"SLI ({c.SHORT_RATE_WINDOW})"),
                Query(selector(rec(spec, c.RECORD_OBJECTIVE), picked), "objective"),
            ),
            Unit.PERCENT_UNIT,
            "Good events over 5 minutes against the objective.",
            width=width,
            decimals=3,
        ),
        Panel(
            f"Error budget remaining (last {longest})",
            PanelKind.TIMESERIES,
            (Query(selector(rec(spec, c.RECORD_BUDGET_REMAINING), picked), "remaining"),),
            Unit.PERCENT_UNIT,
            "The burn-down over the longest SLO period, whatever the dashboard's range. "
            "Dashed: 25% (orange) and 10% (red) left.",
            width=width,
            max=1,
            thresholds=BUDGET_STEPS,
            threshold_lines=True,
            time_from=longest,
        ),
        Panel(
            "Error and request rate",
            PanelKind.TIMESERIES,
            (
                Query(selector(rec(spec, c.RECORD_SLI_ERRORS), picked), "errors"),
                Query(selector(rec(spec, c.RECORD_SLI_TOTAL), picked), "total"),
            ),
            Unit.OPS_PER_SECOND,
            "SLI events per second (event SLIs only; a raw-ratio SLI records no counts).",
            width=8,
            links=(dl.overview_panel("Requests by status code", spec, overview, "requests"),),
        ),
    )
    return panels if counts else panels[:2]


def picked_row(spec: ServiceSpec, overview: dict[str, int]) -> Row:
    pairs = (_pair_table(spec),) if _pair_queries(spec) else ()
    panels = (*_stats(spec), *pairs, _burn_graph(spec, overview), *_trends(spec, overview))
    return Row(f"SLO: {SLO_REF}", panels, section=2)
