"""The two groups of a grouped SLO's promtool scenarios (unit_tests.py): the failing group goes
through each scenario, the healthy one has the same traffic without errors and must never
alert. A grouping label the SLI's selector pins (e.g. `job`) leaves one group only."""

from __future__ import annotations

from typing import Any

import promql_parser

from adk_observe.model import SLO, ServiceSpec
from adk_observe.promql import eq, selector
from adk_observe.rules.kinds import kind_of
from adk_observe.rules.series import Phase

FAILING, HEALTHY = "a", "b"  # the two groups of a grouped SLO's scenarios


def matchers(labels: dict[str, str]) -> str:
    return ",".join(eq(k, v) for k, v in sorted(labels.items()))


def _labelled(series: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    """One input series (`metric{matchers}`) with `labels` added to its matchers."""
    metric, _, inner = series["series"].partition("{")
    return {**series, "series": selector(metric, inner.removesuffix("}"), matchers(labels))}


def _series_labels(series: list[dict[str, str]]) -> set[str]:
    parsed: list[Any] = [promql_parser.parse(s["series"]) for s in series]
    return {m.name for p in parsed for m in p.matchers.matchers}


def _kind_series(spec: ServiceSpec, slo: SLO, phases: list[Phase]) -> list[dict[str, str]]:
    kind = kind_of(slo.sli)
    return [] if kind.series is None else kind.series(spec, slo.sli, phases)


def failing_group(spec: ServiceSpec, slo: SLO) -> dict[str, str]:
    """The group labels of the group that fails in a grouped SLO's scenarios; empty when the
    SLO is not grouped or its group labels are pinned by its selector (then one group only)."""
    if not slo.group_by:
        return {}
    pinned = _series_labels(_kind_series(spec, slo, [Phase(2, 0.5)]))
    if pinned & set(slo.group_by):
        return {}
    return {label: FAILING for label in slo.group_by}


def input_series(spec: ServiceSpec, slo: SLO, phases: list[Phase]) -> list[dict[str, str]]:
    """The scenario's series; grouped, twice: the failing group goes through the phases, the
    healthy one has the same traffic without errors (its alerts must stay silent)."""
    series = _kind_series(spec, slo, phases)
    failing = failing_group(spec, slo)
    if not failing or not series:
        return series
    healthy = {label: HEALTHY for label in failing}
    calm = [Phase(p.steps, 0.0, p.traffic) for p in phases]
    return [_labelled(s, failing) for s in series] + [
        _labelled(s, healthy) for s in _kind_series(spec, slo, calm)
    ]
