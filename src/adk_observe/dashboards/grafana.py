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

from adk_observe.dashboards.panels import (
    Choice,
    Column,
    Dashboard,
    Link,
    Panel,
    PanelKind,
    Query,
    Row,
    Threshold,
    Variable,
    panel_id,
)
from adk_observe.dashboards.provisioning import DATASOURCE_NAME, DATASOURCE_UID
from adk_observe.dashboards.queries import DATASOURCE_TYPE, DATASOURCE_VARIABLE

GRID_WIDTH = 24
ROW_HEIGHT = 1
REFRESH = "30s"
LOG_BASE = 10
# Keys the SDK writes on variables that Grafana's dashboard schema does not declare (the strict
# schema in ../shared/grafana rejects them; Grafana ignores them).
UNDECLARED_VARIABLE_KEYS = ("auto", "auto_min", "auto_count", "definition")
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


def _thresholds(thresholds: tuple[Threshold, ...]) -> dashboard_b.ThresholdsConfig:
    steps = [dashboard_m.Threshold(value=t.value, color=t.color) for t in thresholds]
    return dashboard_b.ThresholdsConfig().mode(dashboard_m.ThresholdsMode.ABSOLUTE).steps(steps)


def _thresholds_value(thresholds: tuple[Threshold, ...]) -> dict[str, Any]:
    """Thresholds as an override property value (plain JSON, as Grafana stores it)."""
    steps = [{"color": t.color, "value": t.value} for t in thresholds]
    return {"mode": dashboard_m.ThresholdsMode.ABSOLUTE.value, "steps": steps}


def _link(link: Link) -> dashboard_b.DashboardLink:
    return (
        dashboard_b.DashboardLink(link.title)
        .type(dashboard_m.DashboardLinkType.LINK)
        .url(link.url)
        .tooltip(link.tooltip)
        .icon("external link" if link.new_tab else "dashboard")
        .tags([])
        .as_dropdown(False)
        .target_blank(link.new_tab)
        .include_vars(False)
        .keep_time(link.keep_time)
    )


def _data_link(link: Link) -> dict[str, Any]:
    """A field (cell) link: Grafana fills `${__value.raw}` etc. from the clicked cell."""
    return {"title": link.title, "url": link.url, "targetBlank": link.new_tab}


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
    if panel.threshold_lines:
        builder = builder.thresholds_style(
            common_b.GraphThresholdsStyleConfig().mode(common_m.GraphThresholdsStyleMode.DASHED)
        )
    if panel.log_scale:
        builder = builder.scale_distribution(
            common_b.ScaleDistributionConfig().type(common_m.ScaleDistribution.LOG).log(LOG_BASE)
        )
    return builder


def _stat(panel: Panel) -> stat_b.Panel:
    text = common_m.BigValueTextMode.NAME if panel.show_name else common_m.BigValueTextMode.AUTO
    return (
        stat_b.Panel()
        .reduce_options(common_b.ReduceDataOptions().calcs([STAT_CALC]).values(False))
        .graph_mode(common_m.BigValueGraphMode.NONE)
        .color_mode(common_m.BigValueColorMode.VALUE)
        .text_mode(text)
    )


# Tables list series as rows of labels; the sample time and value add nothing there.
TABLE_HIDDEN_FIELDS = ("Time", "Value", "__name__")


def _table(panel: Panel) -> table_b.Panel:
    if panel.columns:
        return _joined_table(panel)
    hidden = {name: True for name in TABLE_HIDDEN_FIELDS}
    organize = dashboard_m.DataTransformerConfig(
        id_val="organize", options={"excludeByName": hidden}
    )
    return table_b.Panel().show_header(True).with_transformation(organize)


def _joined_table(panel: Panel) -> table_b.Panel:
    """One row per label set: the queries' tables merged on their labels (`merge`), then only
    the listed columns, renamed and in order (`filterFieldsByName`, `organize`)."""
    names = [col.field for col in panel.columns]
    steps = (
        dashboard_m.DataTransformerConfig(id_val="merge", options={}),
        dashboard_m.DataTransformerConfig(
            id_val="filterFieldsByName", options={"include": {"names": names}}
        ),
        dashboard_m.DataTransformerConfig(
            id_val="organize",
            options={
                "indexByName": {name: i for i, name in enumerate(names)},
                "renameByName": {col.field: col.title for col in panel.columns},
            },
        ),
    )
    builder = table_b.Panel().show_header(True)
    for step in steps:
        builder = builder.with_transformation(step)
    for col in panel.columns:
        properties = _column_properties(col)
        if properties:
            # Overrides match the display name, which `organize` has set to the title.
            builder = builder.override_by_name(col.title, properties)
    return builder


def _column_properties(col: Column) -> list[dashboard_m.DynamicConfigValue]:
    out = []
    if col.unit is not None:
        out.append(dashboard_m.DynamicConfigValue(id_val="unit", value=col.unit.value))
    if col.decimals is not None:
        out.append(dashboard_m.DynamicConfigValue(id_val="decimals", value=col.decimals))
    if col.thresholds:
        out.append(
            dashboard_m.DynamicConfigValue(
                id_val="thresholds", value=_thresholds_value(col.thresholds)
            )
        )
        out.append(
            dashboard_m.DynamicConfigValue(
                id_val="custom.cellOptions", value={"type": "color-background"}
            )
        )
    if col.link is not None:
        out.append(dashboard_m.DynamicConfigValue(id_val="links", value=[_data_link(col.link)]))
    return out


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
        builder = builder.thresholds(_thresholds(panel.thresholds))
    for index, thresholds in panel.query_thresholds:
        value = _thresholds_value(thresholds)
        prop = dashboard_m.DynamicConfigValue(id_val="thresholds", value=value)
        builder = builder.override_by_query(ref_id(index), [prop])
    if panel.links:
        builder = builder.links([_link(link) for link in panel.links])
    if panel.time_from:
        builder = builder.time_from(panel.time_from)
    return builder


def _layout(rows: tuple[Row, ...]) -> list[Any]:
    """Row headers and panels with ids and grid positions, in reading order."""
    out: list[Any] = []
    y = 0
    for row in rows:
        out.append(
            dashboard_b.Row(row.title)
            .id(panel_id(row, 0))
            .grid_pos(dashboard_m.GridPos(h=ROW_HEIGHT, w=GRID_WIDTH, x=0, y=y))
        )
        y += ROW_HEIGHT
        x, line_height = 0, 0
        for position, panel in enumerate(row.panels, start=1):
            if x + panel.width > GRID_WIDTH:
                x, y, line_height = 0, y + line_height, 0
            out.append(_panel(panel, panel_id(row, position), x, y))
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


def _choice(choice: Choice) -> dashboard_b.CustomVariable:
    first = choice.values[0]
    options = [
        dashboard_m.VariableOption(selected=v == first, text=v, value=v) for v in choice.values
    ]
    return (
        dashboard_b.CustomVariable(choice.name)
        .label(choice.label)
        .values(",".join(choice.values))
        .options(options)
        .current(dashboard_m.VariableOption(selected=True, text=first, value=first))
        .multi(False)
        .include_all(False)
    )


def _strict(data: dict[str, Any]) -> dict[str, Any]:
    for variable in data.get("templating", {}).get("list", []):
        for key in UNDECLARED_VARIABLE_KEYS:
            variable.pop(key, None)
    return data


def to_json_data(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard as the JSON model Grafana imports (plain dicts and lists)."""
    datasource = (
        dashboard_b.DatasourceVariable(DATASOURCE_VARIABLE)
        .label("Data source")
        .type(DATASOURCE_TYPE)
        # The provisioned data source (provisioning.py); Grafana falls back to the default
        # Prometheus where no data source has this uid.
        .current(dashboard_m.VariableOption(text=DATASOURCE_NAME, value=DATASOURCE_UID))
    )
    builder = (
        dashboard_b.Dashboard(dashboard.title)
        .uid(dashboard.uid)
        .description(dashboard.description)
        .tags(list(dashboard.tags))
        .editable()
        .tooltip(dashboard_m.DashboardCursorSync.CROSSHAIR)
        .time(dashboard.time_from, "now")
        .timezone("browser")
        .refresh(REFRESH)
        .with_variable(datasource)
    )
    for choice in dashboard.choices:
        builder = builder.with_variable(_choice(choice))
    for variable in dashboard.variables:
        builder = builder.with_variable(_variable(variable))
    if dashboard.links:
        builder = builder.links([_link(link) for link in dashboard.links])
    for item in _layout(dashboard.rows):
        if isinstance(item, dashboard_b.Row):
            builder = builder.with_row(item)
        else:
            builder = builder.with_panel(item)
    data: dict[str, Any] = json.loads(json.dumps(builder.build(), cls=JSONEncoder))
    return _strict(data)
