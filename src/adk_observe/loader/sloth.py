"""Sloth specs -> model.ServiceSpec: `version: prometheus/v1` files and the Kubernetes CRD
(`apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`), whose `spec` is the same
service written with camelCase keys (github.com/slok/sloth, pkg/prometheus/api/v1 and
pkg/kubernetes/api/sloth/v1). Unknown keys are errors.

Queries keep their meaning: `{{.window}}` becomes `{{window}}`, the SLO period is Sloth's default
30 days and the burn-rate table is the same Google SRE Workbook table Sloth uses. Raw SLIs are
evaluated over every alert window as Sloth does. Events queries that are both `sum by (the same
labels)` become a per-group SLO (Sloth judges each series on its own); other queries that return
several series are refused. Imported SLOs carry Sloth's
`sloth_id`, `sloth_service`, `sloth_slo` and `sloth_severity` labels, so routes and annotation
templates written for Sloth keep working. SLI plugins and SLO plugin chains run Go code inside
Sloth, so they are located errors; rule-group intervals and info labels change nothing the
rules compute and are kept as notes in `ServiceSpec.extra`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, model_validator

from adk_observe import conventions as c
from adk_observe import model as m
from adk_observe.loader.fields import (
    Annotations,
    DnsName,
    KubeLabels,
    LabelName,
    LabelValue,
    Seconds,
    SlothAlertName,
    SlothName,
    Strict,
    reserved_label_error,
)
from adk_observe.loader.grouping import by_labels, grouping_error
from adk_observe.loader.importer import Mapped, SLOOrigin, fail, pairs, parse_model
from adk_observe.loader.promql import annotation_error, window_template_error
from adk_observe.promql import WINDOW_PLACEHOLDER
from adk_observe.windows import DAY, resolve_windows
from adk_observe.yamlsource import Document, KeyPath, format_path

_SEVERITY_TPL = re.compile(r"\{\{-?\s*\$labels\.sloth_severity\s*-?\}\}")
_SLOTH_LABELS = frozenset(
    {c.LABEL_SLOTH_ID, c.LABEL_SLOTH_SERVICE, c.LABEL_SLOTH_SLO, c.LABEL_SLOTH_SEVERITY}
)
PERIOD = 30 * DAY  # Sloth's default --default-slo-period
_GO_WINDOW = re.compile(r"\{\{-?\s*\.window\s*-?\}\}")
_PLUGINS = (
    "do not map: Sloth plugins run Go code inside Sloth that adk-observe cannot run; "
    "write the queries the plugin generates as an events or raw SLI"
)
_ALERT_WINDOWS = (
    "kind AlertWindows does not map: it is Sloth's burn-rate window table for an SLO period "
    "(--slo-period-windows-path), not an SLO spec; imported SLOs use the default table scaled "
    "to their period, and an adk-observe/v1 spec sets custom pairs in spec.alert_windows"
)


def _go_string(value: Any) -> Any:
    """Sloth reads label values through YAML -> JSON into Go strings, so `tier: 2` and
    `critical: true` are the strings "2" and "true". Anything else is left for the type check."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return value


def _either(snake: str, camel_case: str) -> Any:
    """A key Sloth spells `snake` in prometheus/v1 files and `camel_case` in the CRD."""
    return Field(default=None, validation_alias=AliasChoices(snake, camel_case))


# Sloth stringifies label values; the result must still hold no template (a label is no
# place for one: Prometheus would expand it).
SlothLabels = dict[LabelName, Annotated[LabelValue, BeforeValidator(_go_string)]]


class SlothAlert(Strict):
    disable: bool = False
    labels: SlothLabels = {}
    annotations: Annotations = {}
    for_: Seconds | None = Field(default=None, alias="for")


class SlothAlerting(Strict):
    name: SlothAlertName | None = None
    labels: SlothLabels = {}
    annotations: Annotations = {}
    page_alert: SlothAlert | None = _either("page_alert", "pageAlert")
    ticket_alert: SlothAlert | None = _either("ticket_alert", "ticketAlert")


class SlothEvents(Strict):
    error_query: str = _either("error_query", "errorQuery")
    total_query: str = _either("total_query", "totalQuery")

    @model_validator(mode="after")
    def _both(self) -> SlothEvents:
        if self.error_query is None or self.total_query is None:
            raise ValueError("set both error_query and total_query")
        return self


class SlothRaw(Strict):
    error_ratio_query: str = _either("error_ratio_query", "errorRatioQuery")

    @model_validator(mode="after")
    def _set(self) -> SlothRaw:
        if self.error_ratio_query is None:
            raise ValueError("set error_ratio_query")
        return self


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
    name: SlothName
    description: str = ""
    objective: float = Field(gt=0, le=100)
    labels: SlothLabels = {}
    info_labels: dict[str, str] = Field({}, alias="infoLabels")
    sli: SlothSLI
    alerting: SlothAlerting = SlothAlerting()
    interval: SlothInterval | None = None
    plugins: dict[str, Any] | None = None


class SlothService(Strict):
    service: SlothName
    labels: SlothLabels = {}
    slos: list[SlothSLO] = Field(min_length=1)
    slo_plugins: dict[str, Any] | None = _either("slo_plugins", "sloPlugins")


class SlothSpec(SlothService):
    version: Literal["prometheus/v1"]


class SlothMetadata(Strict):
    """Kubernetes object metadata: the namespace and labels are the PrometheusRule's (Sloth's
    controller copies the labels there; the operator's ruleSelector matches them)."""

    name: DnsName
    namespace: DnsName = "default"
    labels: KubeLabels = {}
    annotations: dict[str, str] = {}


class SlothCRD(Strict):
    api_version: Literal["sloth.slok.dev/v1"] = Field(alias="apiVersion")
    kind: Literal["PrometheusServiceLevel"]
    metadata: SlothMetadata
    spec: SlothService
    status: dict[str, Any] | None = None


def parse(docs: list[Document]) -> list[Mapped]:
    """The Sloth `prometheus/v1` importer: one service per document."""
    out = []
    for doc in docs:
        spec: SlothSpec = parse_model(SlothSpec, doc)
        out.append(Mapped(_service(spec, doc, (), [], "default", ()), _origins(spec, doc, ())))
    return out


def parse_crd(docs: list[Document]) -> list[Mapped]:
    """The Sloth CRD importer (`sloth.slok.dev/v1` PrometheusServiceLevel): one service per
    document; the namespace is the PrometheusRule's, as Sloth's controller writes it."""
    out = []
    for doc in docs:
        if doc.data.get("kind") == "AlertWindows":
            raise fail(doc, ("kind",), _ALERT_WINDOWS)
        crd: SlothCRD = parse_model(SlothCRD, doc)
        notes: list[tuple[str, str]] = []
        if crd.metadata.annotations:
            where: KeyPath = ("metadata", "annotations")
            note = "not used: Sloth's controller copies them to its PrometheusRule only"
            notes.append((f"{doc.file}:{doc.line_of(where)}: {format_path(where)}", note))
        if crd.status is not None:
            notes.append((f"{doc.file}:{doc.line_of(('status',))}: status", "not used"))
        meta = crd.metadata
        spec = _service(crd.spec, doc, ("spec",), notes, meta.namespace, pairs(meta.labels))
        out.append(Mapped(spec, _origins(crd.spec, doc, ("spec",))))
    return out


def _origins(spec: SlothService, doc: Document, base: KeyPath) -> tuple[SLOOrigin, ...]:
    return tuple(
        SLOOrigin(
            doc,
            name=(*base, "slos", i, "name"),
            objective=(*base, "slos", i, "objective"),
            labels=((*base, "slos", i, "labels"), (*base, "labels")),
        )
        for i in range(len(spec.slos))
    )


def _service(
    spec: SlothService,
    doc: Document,
    base: KeyPath,
    notes: list[tuple[str, str]],
    namespace: str,
    object_labels: tuple[tuple[str, str], ...],
) -> m.ServiceSpec:
    """`object_labels` are the PrometheusRule's: a CRD's metadata.labels, none for a file (Sloth's
    `labels` are rule labels, on no Kubernetes object: `repo: myorg/myservice` is fine)."""
    if spec.slo_plugins is not None:
        raise fail(doc, (*base, _key(doc, base, "slo_plugins")), f"SLO plugin chains {_PLUGINS}")
    _reserved(spec.labels, doc, (*base, "labels"))
    # Duplicate names and objectives out of range are the one validation's (validate.py).
    slos = [_slo(spec, slo, doc, (*base, "slos", i), notes) for i, slo in enumerate(spec.slos)]
    return m.ServiceSpec(
        name=spec.service,
        source=m.Source(doc.file, doc.line_of((*base, "service")), format_path((*base, "service"))),
        slos=tuple(slos),
        namespace=namespace,
        labels=pairs(spec.labels),
        object_labels=object_labels,
        agent_alerts=m.AgentAlerts(enabled=False),
        extra=tuple(notes),
    )


def _key(doc: Document, path: KeyPath, snake: str) -> str:
    """The spelling of a two-spelling key that the document uses (for error locations)."""
    camel_case = re.sub(r"_(.)", lambda g: g.group(1).upper(), snake)
    return camel_case if (*path, camel_case) in doc.lines else snake


def _reserved(labels: dict[str, str], doc: Document, path: KeyPath, alert: bool = False) -> None:
    for key in labels:
        if key in _SLOTH_LABELS:
            raise fail(
                doc,
                (*path, key),
                f"{key!r} is set by the importer on every imported SLO, as Sloth does",
            )
        if err := reserved_label_error(key, severity_allowed=alert):
            raise fail(doc, (*path, key), err)


def _slo(
    spec: SlothService,
    slo: SlothSLO,
    doc: Document,
    path: KeyPath,
    notes: list[tuple[str, str]],
) -> m.SLO:
    if slo.plugins is not None:
        raise fail(doc, (*path, "plugins"), f"SLO plugin chains {_PLUGINS}")

    def note(key: KeyPath, message: str) -> None:
        where = (*path, *key)
        notes.append((f"{doc.file}:{doc.line_of(where)}: {format_path(where)}", message))

    if slo.info_labels:
        note(("infoLabels",), "not used: adk-observe has no sloth_slo_info series")
    if slo.interval is not None:
        note(("interval",), "not used: rule groups use Prometheus's evaluation_interval")
    _reserved(slo.labels, doc, (*path, "labels"))
    alerting = slo.alerting
    apath: KeyPath = (*path, "alerting")
    _reserved(alerting.labels, doc, (*apath, "labels"))
    _annotations(alerting.annotations, doc, (*apath, "annotations"))
    page = alerting.page_alert or SlothAlert()
    ticket = alerting.ticket_alert or SlothAlert()
    for snake, alert in (("page_alert", page), ("ticket_alert", ticket)):
        where = (*apath, _key(doc, apath, snake))
        _reserved(alert.labels, doc, (*where, "labels"), alert=True)
        _annotations(alert.annotations, doc, (*where, "annotations"))
    sloth = {
        c.LABEL_SLOTH_ID: f"{spec.service}-{slo.name}",
        c.LABEL_SLOTH_SERVICE: spec.service,
        c.LABEL_SLOTH_SLO: slo.name,
    }
    return m.SLO(
        name=slo.name,
        objective=slo.objective,
        period=PERIOD,
        sli=_sli(slo.sli, doc, (*path, "sli")),
        group_by=_group_by(slo.sli),
        alerting=m.SLOAlerting(
            name=alerting.name or c.budget_burn_alert(spec.service, slo.name),
            page=_severity(page, m.Severity.PAGE, alerting.annotations),
            ticket=_severity(ticket, m.Severity.TICKET, alerting.annotations),
            labels=pairs(alerting.labels),
            annotations=pairs(
                {k: v for k, v in alerting.annotations.items() if not _SEVERITY_TPL.search(v)}
            ),
        ),
        windows=resolve_windows(None, PERIOD),
        description=slo.description,
        # Sloth puts the service labels on every rule of every SLO, recordings included.
        labels=pairs({**spec.labels, **slo.labels, **sloth}),
    )


def _annotations(texts: dict[str, str], doc: Document, path: KeyPath) -> None:
    for key, text in texts.items():
        if err := annotation_error(text):
            raise fail(doc, (*path, key), err)


def _severity(
    alert: SlothAlert, severity: m.Severity, shared: dict[str, str]
) -> m.SeverityAlerting:
    """`shared` are the SLO's alerting annotations: those that name `sloth_severity` are
    written per severity with the value filled in. Like Sloth's, our severity label is a rule
    label, and Prometheus renders `$labels` from the query result, so the template alone would
    render empty (in Sloth too); the filled-in value is what its author meant."""
    own = {**shared, **alert.annotations}
    annotations = {
        key: _SEVERITY_TPL.sub(severity.value, text)
        for key, text in own.items()
        if key in alert.annotations or _SEVERITY_TPL.search(text)
    }
    return m.SeverityAlerting(
        enabled=not alert.disable,
        labels=pairs({c.LABEL_SLOTH_SEVERITY: severity.value, **alert.labels}),
        annotations=pairs(annotations),
        for_seconds=alert.for_ or 0,
    )


def _group_by(sli: SlothSLI) -> tuple[str, ...]:
    """Sloth judges each series of `sum by (route)` queries as its own ratio: per-group SLOs,
    when both event queries group by the same labels (`_template` refuses other groupings)."""
    if sli.events is None:
        return ()
    errors = by_labels(_GO_WINDOW.sub(WINDOW_PLACEHOLDER, sli.events.error_query.strip()))
    total = by_labels(_GO_WINDOW.sub(WINDOW_PLACEHOLDER, sli.events.total_query.strip()))
    return errors if errors is not None and errors == total else ()


def _sli(sli: SlothSLI, doc: Document, path: KeyPath) -> m.SLI:
    if sli.plugin is not None:
        raise fail(doc, (*path, "plugin"), f"SLI plugins {_PLUGINS}")
    if sli.events is not None:
        epath: KeyPath = (*path, "events")
        grouped = _group_by(sli)
        errors = _template(
            sli.events.error_query, doc, (*epath, _key(doc, epath, "error_query")), grouped
        )
        total = _template(
            sli.events.total_query, doc, (*epath, _key(doc, epath, "total_query")), grouped
        )
        return m.EventsSLI(total=total, errors=errors)
    assert sli.raw is not None
    rpath: KeyPath = (*path, "raw")
    where = (*rpath, _key(doc, rpath, "error_ratio_query"))
    query = _template(sli.raw.error_ratio_query, doc, where, events=False)
    return m.RawSLI(query, every_window=True)


def _template(
    query: str, doc: Document, path: KeyPath, grouped: tuple[str, ...] = (), events: bool = True
) -> str:
    """Sloth's Go template `{{.window}}` -> `{{window}}`; any other template does not map.

    An events query must return one series: the error and total queries are summed into one
    ratio here. A raw ratio is recorded as it is, one ratio (and alert) per series, as Sloth.
    """
    text = _GO_WINDOW.sub(WINDOW_PLACEHOLDER, query.strip())
    if "{{" in text.replace(WINDOW_PLACEHOLDER, ""):
        raise fail(
            doc,
            path,
            "only the {{.window}} template variable maps; expand any other Go template first",
        )
    if err := window_template_error(text):
        raise fail(doc, path, err.replace(WINDOW_PLACEHOLDER, "{{.window}}"))
    if events and not grouped and (err := grouping_error(text)):
        raise fail(doc, path, err)
    return text
