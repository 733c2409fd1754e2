"""Sloth `version: prometheus/v1` specs -> model.ServiceSpec.

The spec is Sloth's (github.com/slok/sloth, pkg/prometheus/api/v1): unknown keys are errors.
Queries keep their meaning: `{{.window}}` becomes `{{window}}`, the SLO period is Sloth's default
30 days and the burn-rate table is the same Google SRE Workbook table Sloth uses. SLI plugins and
SLO plugin chains run Go code inside Sloth, so they are located errors; rule-group intervals and
info labels change nothing the rules compute and are kept as notes in `ServiceSpec.extra`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from adk_observe import conventions as c
from adk_observe import model as m
from adk_observe.loader.fields import AlertName, DnsName, Labels, Seconds, SloName, Strict
from adk_observe.loader.importer import Mapped, SLOOrigin, parse_model
from adk_observe.loader.map_v1 import _fail, _resolve_windows
from adk_observe.loader.promql import window_template_error
from adk_observe.loader.yamlsource import Document, KeyPath, format_path
from adk_observe.promql import WINDOW_PLACEHOLDER

VERSION = "prometheus/v1"
PERIOD = 30 * 86400  # Sloth's default --default-slo-period
_GO_WINDOW = re.compile(r"\{\{-?\s*\.window\s*-?\}\}")
_PLUGINS = (
    "do not map: Sloth plugins run Go code inside Sloth that adk-observe cannot run; "
    "write the queries the plugin generates as an events or raw SLI"
)


class SlothAlert(Strict):
    disable: bool = False
    labels: Labels = {}
    annotations: dict[str, str] = {}
    for_: Seconds | None = Field(default=None, alias="for")


class SlothAlerting(Strict):
    name: AlertName | None = None
    labels: Labels = {}
    annotations: dict[str, str] = {}
    page_alert: SlothAlert = SlothAlert()
    ticket_alert: SlothAlert = SlothAlert()


class SlothEvents(Strict):
    error_query: str
    total_query: str


class SlothRaw(Strict):
    error_ratio_query: str


class SlothSLI(Strict):
    events: SlothEvents | None = None
    raw: SlothRaw | None = None
    plugin: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one(self) -> SlothSLI:
        if sum(x is not None for x in (self.events, self.raw, self.plugin)) != 1:
            raise ValueError("set exactly one of events, raw or plugin")
        return self


class SlothInterval(Strict):
    all: str | None = None
    slierror: str | None = None
    metadata: str | None = None
    alert: str | None = None


class SlothSLO(Strict):
    name: SloName
    description: str = ""
    objective: float = Field(gt=0, le=100)
    labels: Labels = {}
    info_labels: dict[str, str] = Field({}, alias="infoLabels")
    sli: SlothSLI
    alerting: SlothAlerting = SlothAlerting()
    interval: SlothInterval | None = None
    plugins: dict[str, Any] | None = None


class SlothSpec(Strict):
    version: Literal["prometheus/v1"]
    service: DnsName
    labels: Labels = {}
    slos: list[SlothSLO] = Field(min_length=1)
    slo_plugins: dict[str, Any] | None = None


def _pairs(mapping: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(mapping.items()))


def parse(docs: list[Document]) -> list[Mapped]:
    """The Sloth `prometheus/v1` importer: one service per document."""
    out = []
    for doc in docs:
        spec: SlothSpec = parse_model(SlothSpec, doc)
        origins = tuple(
            SLOOrigin(
                doc,
                name=("slos", i, "name"),
                objective=("slos", i, "objective"),
                labels=(("slos", i, "labels"), ("labels",)),
            )
            for i in range(len(spec.slos))
        )
        out.append(Mapped(_service(spec, doc), origins))
    return out


def _service(spec: SlothSpec, doc: Document) -> m.ServiceSpec:
    if spec.slo_plugins is not None:
        raise _fail(doc, ("slo_plugins",), f"SLO plugin chains {_PLUGINS}")
    notes: list[tuple[str, str]] = []
    slos = [_slo(spec, slo, doc, ("slos", i), notes) for i, slo in enumerate(spec.slos)]
    return m.ServiceSpec(
        name=spec.service,
        source=m.Source(doc.file, doc.line_of(("service",)), "service"),
        slos=tuple(slos),
        labels=_pairs(spec.labels),
        agent_alerts=m.AgentAlerts(enabled=False),
        extra=tuple(notes),
    )


def _slo(
    spec: SlothSpec, slo: SlothSLO, doc: Document, path: KeyPath, notes: list[tuple[str, str]]
) -> m.SLO:
    if slo.plugins is not None:
        raise _fail(doc, (*path, "plugins"), f"SLO plugin chains {_PLUGINS}")

    def note(key: KeyPath, message: str) -> None:
        where = (*path, *key)
        notes.append((f"{doc.file}:{doc.line_of(where)}: {format_path(where)}", message))

    if slo.info_labels:
        note(("infoLabels",), "not used: adk-observe has no sloth_slo_info series")
    if slo.interval is not None:
        note(("interval",), "not used: rule groups use Prometheus's evaluation_interval")
    alerting = slo.alerting
    return m.SLO(
        name=slo.name,
        objective=slo.objective,
        period=PERIOD,
        sli=_sli(slo.sli, doc, (*path, "sli")),
        alerting=m.SLOAlerting(
            name=alerting.name or c.budget_burn_alert(spec.service, slo.name),
            page=_severity(alerting.page_alert),
            ticket=_severity(alerting.ticket_alert),
            labels=_pairs(alerting.labels),
            annotations=_pairs(alerting.annotations),
        ),
        windows=_resolve_windows(None, PERIOD),
        description=slo.description,
        # Sloth puts the service labels on every rule of every SLO, recordings included.
        labels=_pairs({**spec.labels, **slo.labels}),
    )


def _severity(alert: SlothAlert) -> m.SeverityAlerting:
    return m.SeverityAlerting(
        enabled=not alert.disable,
        labels=_pairs(alert.labels),
        annotations=_pairs(alert.annotations),
        for_seconds=alert.for_ or 0,
    )


def _sli(sli: SlothSLI, doc: Document, path: KeyPath) -> m.SLI:
    if sli.plugin is not None:
        raise _fail(doc, (*path, "plugin"), f"SLI plugins {_PLUGINS}")
    if sli.events is not None:
        errors = _template(sli.events.error_query, doc, (*path, "events", "error_query"))
        total = _template(sli.events.total_query, doc, (*path, "events", "total_query"))
        return m.EventsSLI(total=total, errors=errors)
    assert sli.raw is not None
    where = (*path, "raw", "error_ratio_query")
    return m.RawSLI(_template(sli.raw.error_ratio_query, doc, where))


def _template(query: str, doc: Document, path: KeyPath) -> str:
    """Sloth's Go template `{{.window}}` -> `{{window}}`; any other template does not map."""
    text = _GO_WINDOW.sub(WINDOW_PLACEHOLDER, query.strip())
    if "{{" in text.replace(WINDOW_PLACEHOLDER, ""):
        raise _fail(
            doc,
            path,
            "only the {{.window}} template variable maps; expand any other Go template first",
        )
    if err := window_template_error(text):
        raise _fail(doc, path, err.replace(WINDOW_PLACEHOLDER, "{{.window}}"))
    return text
