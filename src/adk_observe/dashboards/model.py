"""What the dashboard generators produce: dashboards as frozen data, before any Grafana SDK.

Generators (overview.py, slo.py) build these; grafana.py is the only code that turns them into
grafana-foundation-sdk builders, and lint.py reads the queries back out of the rendered JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PanelKind(StrEnum):
    TIMESERIES = "timeseries"
    STAT = "stat"
    TABLE = "table"


class Unit(StrEnum):
    """Grafana unit ids used by the generated panels."""

    REQUESTS_PER_SECOND = "reqps"
    OPS_PER_SECOND = "ops"
    PERCENT_UNIT = "percentunit"
    SECONDS = "s"
    BYTES = "bytes"
    SHORT = "short"
    NONE = "none"


@dataclass(frozen=True)
class Query:
    """One panel target. `instant` queries read the latest value (stats and tables)."""

    expr: str
    legend: str = ""
    instant: bool = False
    exemplar: bool = False
    table: bool = False


@dataclass(frozen=True)
class Threshold:
    """A threshold step: from `value` upwards the field takes `color` (None = the base step)."""

    color: str
    value: float | None = None


@dataclass(frozen=True)
class Panel:
    title: str
    kind: PanelKind
    queries: tuple[Query, ...]
    unit: Unit = Unit.SHORT
    description: str = ""
    width: int = 12
    height: int = 8
    min: float | None = None
    max: float | None = None
    decimals: int | None = None
    thresholds: tuple[Threshold, ...] = ()
    stack: bool = False


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]
    section: int  # panel ids of this row are section * 100 + position: stable when rows change


@dataclass(frozen=True)
class Variable:
    """A query variable over one label: `label_values(metric{selector}, label_name)`."""

    name: str
    label: str
    metric: str
    label_name: str
    selector: str


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    tags: tuple[str, ...]
    rows: tuple[Row, ...]
    variables: tuple[Variable, ...] = ()
