"""The agent overview dashboard: traffic, errors, latency, LLM, tools, MCP, quality, health.

Every panel plots catalogue metrics of one service (its built-in SLI selector) and of the agents
picked in `$agent_id`, split the way the agent alert pack evaluates them (per agent, per MCP
server, per instance; canary against stable when the deploy is a canary) with each enabled
alert's threshold drawn. Cluster series (cAdvisor, kube-state-metrics) get their own row, and
only for a service with a Kubernetes deploy: every other panel has data wherever the agent runs.
The panels are a table (overview_rows.py); this module turns its rows into a Dashboard.
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.dashboards import links as dl
from adk_observe.dashboards.overview_panels import Scope, Series
from adk_observe.dashboards.overview_rows import SECTIONS
from adk_observe.dashboards.panels import Dashboard, Panel, PanelKind, Row, Threshold, Variable
from adk_observe.dashboards.queries import agent_matcher
from adk_observe.dashboards.thresholds import GREEN, RED
from adk_observe.dashboards.uid import generated_note
from adk_observe.links import overview_uid
from adk_observe.model import ServiceSpec
from adk_observe.promql import regex, service_selector
from adk_observe.rules.agent_pack import fill_text, is_on, text_values, threshold_of

TITLE_SUFFIX = "agent overview"


def _line(spec: ServiceSpec, row: Series) -> float | None:
    """The red line: the row's fixed line or its alert's threshold, while the alert is on."""
    if not row.alert:
        return row.line
    if not is_on(spec, row.alert):
        return None
    return row.line if row.line is not None else threshold_of(spec, row.alert)


def _panel(row: Series, scope: Scope, values: dict[str, str]) -> Panel:
    line = _line(scope.spec, row)
    limit = () if line is None else (Threshold(GREEN), Threshold(RED, line))
    return Panel(
        fill_text(row.title, values),
        PanelKind.TIMESERIES,
        row.queries(scope),
        row.unit,
        fill_text(row.description, values),
        width=row.width,
        min=row.min,
        max=row.max,
        decimals=row.decimals,
        stack=row.stack,
        key=row.key,
        thresholds=limit,
        threshold_lines=bool(limit),
    )


def overview_dashboard(spec: ServiceSpec) -> Dashboard:
    sel = service_selector(spec)
    variables = [Variable(c.LABEL_AGENT_ID, "Agent", c.REQUESTS.name, c.LABEL_AGENT_ID, sel)]
    if spec.clusters is not None:  # every panel reads the clusters picked in `$cluster`
        label = spec.clusters.label
        variables.insert(0, Variable(label, "Cluster", c.REQUESTS.name, label, sel))
        sel = f"{sel},{regex(label, f'${label}')}"
    scope = Scope(spec, sel, agent_matcher())
    values = text_values(spec)
    return Dashboard(
        uid=overview_uid(spec),
        title=f"{spec.name}: {TITLE_SUFFIX}",
        description=generated_note(spec),
        tags=("adk-observe", spec.name),
        rows=tuple(
            Row(s.title, tuple(_panel(p, scope, values) for p in s.panels), section=s.section)
            for s in SECTIONS
            if s.shown(spec)
        ),
        variables=tuple(variables),
        links=dl.dashboard_links(spec, dl.SLOS_TITLE),
    )
