"""Dashboard model -> grafana-foundation-sdk builders -> plain JSON data.

The only module that touches the SDK. Layout is computed here, not by the SDK's auto-placement:
rows flow top to bottom, panels fill 24 columns left to right, panel ids are
`row.section * 100 + position` and refIds are A, B, C... in query order, so ids, refIds and
positions are stable and the output is byte-for-byte deterministic.
"""

from __future__ import annotations

import json
import string
import warnings
from typing import Any

with warnings.catch_warnings():
    # The SDK marks the classic dashboard model deprecated in favour of its v2 resources; the
    # classic JSON model is still what Grafana's import, HTTP API and file provisioning take.
    warnings.simplefilter("ignore", DeprecationWarning)
    from grafana_foundation_sdk.builders import common as common_b
    from grafana_foundation_sdk.builders import dashboard as dashboard_b
    from grafana_foundation_sdk.builders import prometheus as prometheus_b
    from grafana_foundation_sdk.builders import stat as stat_b
    from grafana_foundation_sdk.builders import table as table_b
    from grafana_foundation_sdk.builders import timeseries as timeseries_b
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models import common as common_m
    from grafana_foundation_sdk.models import dashboard as dashboard_m
    from grafana_foundation_sdk.models import prometheus as prometheus_m

from adk_observe.dashboards.model import Dashboard, Panel, PanelKind, Query, Row, Variable
from adk_observe.dashboards.queries import DATASOURCE_TYPE, DATASOURCE_VARIABLE

GRID_WIDTH = 24
ROW_HEIGHT = 1
SECTION_SIZE = 100
DEFAULT_TIME = ("now-1h", "now")
REFRESH = "30s"
FILL_OPACITY = 10
STAT_CALC = "lastNotNull"
ALL_VALUE = ".*"


def _datasource() -> dashboard_m.DataSourceRef:
    return dashboard_m.DataSourceRef(type_val=DATASOURCE_TYPE, uid=f"${{{DATASOURCE_VARIABLE}}}")


def ref_id(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: Grafana's own refId sequence."""
    letters = string.ascii_uppercase
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(letters))
        out = letters[rest] + out
    return out


def _target(query: Query, index: int) -> prometheus_b.Dataquery:
    target = (
        prometheus_b.Dataquery()
        .datasource(_datasource())
        .expr(query.expr)
        .ref_id(ref_id(index))
        .legend_format(query.legend or "__auto")
    )
    target = target.instant() if query.instant else target.range()
    if query.exemplar:
        target = target.exemplar(True)
    if query.table:
        target = target.format(prometheus_m.PromQueryFormat.TABLE)
    return target


def _thresholds(panel: Panel) -> dashboard_b.ThresholdsConfig:
    steps = [dashboard_m.Threshold(value=t.value, color=t.color) for t in panel.thresholds]
    return dashboard_b.ThresholdsConfig().mode(dashboard_m.ThresholdsMode.ABSOLUTE).steps(steps)


def _timeseries(panel: Panel) -> timeseries_b.Panel:
    builder = (
        timeseries_b.Panel()
        .legend(
            common_b.VizLegendOptions()
            .show_legend(True)
            .display_mode(common_m.LegendDisplayMode.LIST)
            .placement(common_m.LegendPlacement.BOTTOM)
        )
        .tooltip(
            common_b.VizTooltipOptions()
            .mode(common_m.TooltipDisplayMode.MULTI)
            .sort(common_m.SortOrder.DESCENDING)
        )
        .fill_opacity(FILL_OPACITY)
        .span_nulls(False)
    )
    if panel.stack:
        builder = builder.stacking(common_b.StackingConfig().mode(common_m.StackingMode.NORMAL))
    return builder


def _stat(panel: Panel) -> stat_b.Panel:
    del panel
    return (
        stat_b.Panel()
        .reduce_options(common_b.ReduceDataOptions().calcs([STAT_CALC]).values(False))
        .graph_mode(common_m.BigValueGraphMode.NONE)
        .color_mode(common_m.BigValueColorMode.VALUE)
    )


# Tables list series as rows of labels; the sample time and value add nothing there.
TABLE_HIDDEN_FIELDS = ("Time", "Value", "__name__")


def _table(panel: Panel) -> table_b.Panel:
    del panel
    hidden = {name: True for name in TABLE_HIDDEN_FIELDS}
    organize = dashboard_m.DataTransformerConfig(
        id_val="organize", options={"excludeByName": hidden}
    )
    return table_b.Panel().show_header(True).with_transformation(organize)


_KINDS = {PanelKind.TIMESERIES: _timeseries, PanelKind.STAT: _stat, PanelKind.TABLE: _table}


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> Any:
    builder: Any = _KINDS[panel.kind](panel)
    builder = (
        builder.id(panel_id)
        .title(panel.title)
        .datasource(_datasource())
        .targets([_target(q, i) for i, q in enumerate(panel.queries)])
        .unit(panel.unit.value)
        .grid_pos(dashboard_m.GridPos(h=panel.height, w=panel.width, x=x, y=y))
    )
    if panel.description:
        builder = builder.description(panel.description)
    if panel.min is not None:
        builder = builder.min(panel.min)
    if panel.max is not None:
        builder = builder.max(panel.max)
    if panel.decimals is not None:
        builder = builder.decimals(panel.decimals)
    if panel.thresholds:
        builder = builder.thresholds(_thresholds(panel))
    return builder


def _layout(rows: tuple[Row, ...]) -> list[Any]:
    """Row headers and panels with ids and grid positions, in reading order."""
    out: list[Any] = []
    y = 0
    for row in rows:
        base = row.section * SECTION_SIZE
        out.append(
            dashboard_b.Row(row.title)
            .id(base)
            .grid_pos(dashboard_m.GridPos(h=ROW_HEIGHT, w=GRID_WIDTH, x=0, y=y))
        )
        y += ROW_HEIGHT
        x, line_height = 0, 0
        for position, panel in enumerate(row.panels, start=1):
            if x + panel.width > GRID_WIDTH:
                x, y, line_height = 0, y + line_height, 0
            out.append(_panel(panel, base + position, x, y))
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height
    return out


def _variable(variable: Variable) -> dashboard_b.QueryVariable:
    all_option = dashboard_m.VariableOption(selected=True, text="All", value="$__all")
    query = f"label_values({variable.metric}{{{variable.selector}}}, {variable.label_name})"
    return (
        dashboard_b.QueryVariable(variable.name)
        .label(variable.label)
        .datasource(_datasource())
        .query(query)
        .definition(query)
        .multi(True)
        .include_all(True)
        .all_value(ALL_VALUE)
        .current(all_option)
        .refresh(dashboard_m.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(dashboard_m.VariableSort.ALPHABETICAL_ASC)
    )


def to_json_data(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard as the JSON model Grafana imports (plain dicts and lists)."""
    datasource = (
        dashboard_b.DatasourceVariable(DATASOURCE_VARIABLE)
        .label("Data source")
        .type(DATASOURCE_TYPE)
    )
    builder = (
        dashboard_b.Dashboard(dashboard.title)
        .uid(dashboard.uid)
        .description(dashboard.description)
        .tags(list(dashboard.tags))
        .editable()
        .tooltip(dashboard_m.DashboardCursorSync.CROSSHAIR)
        .time(*DEFAULT_TIME)
        .timezone("browser")
        .refresh(REFRESH)
        .with_variable(datasource)
    )
    for variable in dashboard.variables:
        builder = builder.with_variable(_variable(variable))
    for item in _layout(dashboard.rows):
        if isinstance(item, dashboard_b.Row):
            builder = builder.with_row(item)
        else:
            builder = builder.with_panel(item)
    data: dict[str, Any] = json.loads(json.dumps(builder.build(), cls=JSONEncoder))
    return data
