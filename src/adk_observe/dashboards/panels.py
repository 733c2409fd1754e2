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
class Link:
    """A dashboard, panel or table-cell link. `keep_time` adds the current time range."""

    title: str
    url: str
    tooltip: str = ""
    keep_time: bool = False
    new_tab: bool = False


@dataclass(frozen=True)
class Column:
    """A table column: a label (`slo`) or the value of query n (`Value #A` in Grafana)."""

    field: str
    title: str
    unit: Unit | None = None
    decimals: int | None = None
    thresholds: tuple[Threshold, ...] = ()  # colours the cell background
    link: Link | None = None


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
    key: str = ""  # a stable name other panels and links find this panel by
    links: tuple[Link, ...] = ()
    # Thresholds of the frames of one query (by index): per-SLO colours in one panel.
    query_thresholds: tuple[tuple[int, tuple[Threshold, ...]], ...] = ()
    threshold_lines: bool = False  # draw the thresholds as dashed lines (time series)
    log_scale: bool = False
    time_from: str = ""  # a per-panel range (e.g. `30d`) for trends the dashboard range hides
    show_name: bool = False  # stat: show the series name (its legend), not the value
    columns: tuple[Column, ...] = ()  # table: joined queries, these columns in this order


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
class Choice:
    """A variable with fixed values from the spec (the first is selected)."""

    name: str
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    tags: tuple[str, ...]
    rows: tuple[Row, ...]
    variables: tuple[Variable, ...] = ()
    choices: tuple[Choice, ...] = ()
    links: tuple[Link, ...] = ()
    time_from: str = "now-1h"


SECTION_SIZE = 100


def panel_id(row: Row, position: int) -> int:
    """`section * 100 + position` (from 1): ids stay put when other rows change."""
    return row.section * SECTION_SIZE + position


def panel_ids(dashboard: Dashboard) -> dict[str, int]:
    """Panel id of every keyed panel: what links to a panel (`viewPanel=<id>`) use."""
    return {
        panel.key: panel_id(row, position)
        for row in dashboard.rows
        for position, panel in enumerate(row.panels, start=1)
        if panel.key
    }
