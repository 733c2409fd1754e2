"""OpenSLO v1 (`apiVersion: openslo/v1`) -> model.ServiceSpec.

The SLO documents of one file are grouped by `spec.service`; `SLI`, `Service` and `DataSource`
documents in the same file resolve `indicatorRef`, service labels and `metricSourceRef`.
Anything that would change what the rules compute and has no equivalent here (time-slice
budgets, calendar windows, non-Prometheus sources, alert policies, composite SLOs) is a located
SpecError. Valid fields that change nothing the rules compute (displayName, annotations, ...) are
kept as notes in `ServiceSpec.extra`, so nothing is dropped silently. docs/importers.md lists both.
"""

from __future__ import annotations

import re

from adk_observe import conventions as c
from adk_observe import model as m
from adk_observe.durations import format_seconds
from adk_observe.errors import quote
from adk_observe.loader.fields import LABEL_NAME, SLO_NAME, label_problem, reserved_label_error
from adk_observe.loader.importer import Mapped, SLOOrigin, fail
from adk_observe.loader.openslo_file import Notes, OpenSLOFile
from adk_observe.loader.openslo_sli import to_sli
from adk_observe.loader.openslo_v1 import (
    MetadataOS,
    ObjectiveOS,
    SLISpecOS,
    SLODoc,
    SLOSpecOS,
    TimeWindowOS,
)
from adk_observe.windows import DEFAULT_PERIOD, resolve_windows
from adk_observe.yamlsource import Document, KeyPath

_DURATION = re.compile(r"^(\d+)([mhdwMQY])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

# --- mapping --------------------------------------------------------------------------------


def parse(docs: list[Document]) -> list[Mapped]:
    """The OpenSLO v1 importer: one ServiceSpec per `spec.service`, in order of first
    appearance."""
    file = OpenSLOFile(docs)
    if not file.slos:
        raise fail(docs[0], (), "the OpenSLO documents hold no SLO: nothing to compile")
    groups: dict[str, list[tuple[SLODoc, Document]]] = {}
    for slo, doc in file.slos:
        groups.setdefault(slo.spec.service, []).append((slo, doc))
    specs = []
    for i, (service, members) in enumerate(groups.items()):
        notes = Notes()
        slos, origins = _service_slos(members, file, notes)
        labels: dict[str, str] = {}
        found = file.get("Service", service)
        if found is not None:
            svc, svc_doc = found
            labels = _metadata(svc.metadata, svc_doc, (), notes, keep_labels=True)
            if svc.spec.description:
                notes.add(svc_doc, ("spec", "description"), "not used")
        if i == len(groups) - 1:
            _unused(file, notes)
        first_doc = members[0][1]
        spec = m.ServiceSpec(
            name=service,
            source=m.Source(first_doc.file, first_doc.line_of(("spec", "service")), "spec.service"),
            slos=tuple(slos),
            labels=tuple(sorted(labels.items())),
            object_labels=(),  # OpenSLO labels are rule labels: v1 has no Kubernetes object
            agent_alerts=m.AgentAlerts(enabled=False),
            extra=notes.items(),
        )
        specs.append(Mapped(spec, origins))
    return specs


def _unused(file: OpenSLOFile, notes: Notes) -> None:
    for kind in ("SLI", "Service", "DataSource"):
        for name, (_, doc) in file.by_kind[kind].items():
            if (kind, name) not in file.used:
                notes.add(doc, ("metadata", "name"), f"{kind} {name!r} is not used by any SLO")


def _service_slos(
    members: list[tuple[SLODoc, Document]], file: OpenSLOFile, notes: Notes
) -> tuple[list[m.SLO], tuple[SLOOrigin, ...]]:
    out: list[m.SLO] = []
    origins: list[SLOOrigin] = []
    for slo, doc in members:
        for key, path, mapped in _slo(slo.spec.service, slo, doc, file, notes):
            out.append(mapped)
            origins.append(SLOOrigin(doc, path, (*path, key), (("metadata", "labels"),)))
    return out, tuple(origins)


def _slo(
    service: str, slo: SLODoc, doc: Document, file: OpenSLOFile, notes: Notes
) -> list[tuple[str, KeyPath, m.SLO]]:
    """(objective key, objective path, SLO) for each objective of the SLO document."""
    spec = slo.spec
    if spec.alert_policies:
        raise fail(
            doc,
            ("spec", "alertPolicies"),
            "alertPolicies do not map: adk-observe derives multi-window multi-burn-rate "
            "alerts from the SLO itself; remove them (see docs/importers.md)",
        )
    if spec.budgeting_method != "Occurrences":
        raise fail(
            doc,
            ("spec", "budgetingMethod"),
            f"budgetingMethod {spec.budgeting_method} does not map: adk-observe budgets "
            "events (Occurrences); good/bad time slices have no event-rate equivalent",
        )
    period = _period(spec.time_window, doc, notes)
    sli_spec, sli_doc, sli_path = _indicator(spec, doc, file, notes)
    labels = _metadata(slo.metadata, doc, (), notes, keep_labels=True)
    many = len(spec.objectives) > 1
    if sli_spec.threshold_metric is not None and many:
        raise fail(doc, ("spec", "objectives"), "a thresholdMetric SLO has exactly one objective")
    out = []
    for i, objective in enumerate(spec.objectives):
        path: KeyPath = ("spec", "objectives", i)
        name = _slo_name(slo.metadata.name, objective, i, many, doc, path)
        sli = to_sli(sli_spec, objective, sli_doc, sli_path, doc, path, file, notes)
        out.append(
            (
                "target" if objective.target is not None else "targetPercent",
                path,
                m.SLO(
                    name=name,
                    objective=_objective(objective, doc, path, notes, sli_spec),
                    period=period,
                    sli=sli,
                    alerting=m.SLOAlerting(name=c.budget_burn_alert(service, name)),
                    windows=_windows(period, doc),
                    description=spec.description,
                    labels=tuple(sorted(labels.items())),
                ),
            )
        )
    return out


def _indicator(
    spec: SLOSpecOS, doc: Document, file: OpenSLOFile, notes: Notes
) -> tuple[SLISpecOS, Document, KeyPath]:
    for i, objective in enumerate(spec.objectives):
        if objective.indicator or objective.indicator_ref or objective.composite_weight:
            raise fail(
                doc,
                ("spec", "objectives", i),
                "composite SLOs (an indicator per objective) do not map: write one SLO per "
                "indicator",
            )
    if (spec.indicator is None) == (spec.indicator_ref is None):
        raise fail(doc, ("spec",), "set exactly one of indicator or indicatorRef")
    if spec.indicator is not None:
        _metadata(spec.indicator.metadata, doc, ("spec", "indicator"), notes)
        path: KeyPath = ("spec", "indicator", "spec")
        _description(spec.indicator.spec, doc, path, notes)
        return spec.indicator.spec, doc, path
    assert spec.indicator_ref is not None
    found = file.get("SLI", spec.indicator_ref)
    if found is None:
        raise fail(
            doc,
            ("spec", "indicatorRef"),
            f"no SLI document named {quote(spec.indicator_ref)} in this file",
        )
    sli, sli_doc = found
    _metadata(sli.metadata, sli_doc, (), notes)
    _description(sli.spec, sli_doc, ("spec",), notes)
    return sli.spec, sli_doc, ("spec",)


def _description(spec: SLISpecOS, doc: Document, path: KeyPath, notes: Notes) -> None:
    if spec.description:
        notes.add(doc, (*path, "description"), "not used (the SLO description is)")


def _metadata(
    meta: MetadataOS, doc: Document, path: KeyPath, notes: Notes, keep_labels: bool = False
) -> dict[str, str]:
    """The labels that become Prometheus labels; notes for the rest."""
    base = (*path, "metadata")
    if meta.display_name is not None:
        notes.add(doc, (*base, "displayName"), "not used (names come from metadata.name)")
    for key in meta.annotations:
        notes.add(doc, (*base, "annotations", key), "not used")
    labels: dict[str, str] = {}
    for key, value in meta.labels.items():
        where = (*base, "labels", key)
        if not keep_labels:
            notes.add(doc, where, "not used (only SLO and Service labels become rule labels)")
        elif not isinstance(value, str):
            notes.add(doc, where, "not used: a list of values is not a Prometheus label")
        elif not LABEL_NAME.fullmatch(key):
            notes.add(doc, where, "not used: not a valid Prometheus label name")
        elif err := reserved_label_error(key):
            raise fail(doc, where, err)
        elif problem := label_problem(key, value):
            raise fail(doc, where, problem)
        else:
            labels[key] = value
    return labels


def _period(windows: list[TimeWindowOS], doc: Document, notes: Notes) -> int:
    path: KeyPath = ("spec", "timeWindow")
    if not windows:
        notes.add(doc, ("spec",), "no timeWindow: the SLO uses a rolling 30d window")
        return DEFAULT_PERIOD
    if len(windows) != 1:
        raise fail(doc, path, "timeWindow holds exactly one item")
    window = windows[0]
    if window.calendar is not None or window.is_rolling is False:
        raise fail(
            doc,
            (*path, 0, "calendar" if window.calendar is not None else "isRolling"),
            "calendar-aligned windows do not map: adk-observe SLOs use rolling windows; "
            "set isRolling: true and remove calendar",
        )
    if window.is_rolling is None:
        raise fail(doc, (*path, 0), "set isRolling: true (a rolling window)")
    match = _DURATION.fullmatch(window.duration)
    where = (*path, 0, "duration")
    if match is None:
        raise fail(doc, where, f"{quote(window.duration)} is not a duration like 28d or 4w")
    number, unit = int(match.group(1)), match.group(2)
    if unit not in _UNIT_SECONDS:
        raise fail(
            doc,
            where,
            f"duration {window.duration} does not map: months, quarters and years have no "
            "fixed length in a rolling window; use days, e.g. 30d",
        )
    return number * _UNIT_SECONDS[unit]


def _windows(period: int, doc: Document) -> tuple[m.AlertWindow, ...]:
    windows = resolve_windows(None, period)
    longest = max(w.long for w in windows)
    if period < longest:
        raise fail(
            doc,
            ("spec", "timeWindow", 0, "duration"),
            f"a {format_seconds(period)} window is shorter than the {format_seconds(longest)} "
            f"alert window of the burn-rate table; use at least {format_seconds(longest)}",
        )
    return windows


def _slo_name(
    base: str, objective: ObjectiveOS, index: int, many: bool, doc: Document, path: KeyPath
) -> str:
    if not many:
        return base
    label = objective.display_name or ""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or str(index)
    name = f"{base}-{slug}"
    if len(name) > 63 or not re.fullmatch(SLO_NAME, name):
        raise fail(
            doc,
            (*path, "displayName") if label else path,
            f"SLO name {name!r} (metadata.name + objective) is not a name of at most 63 "
            "lowercase letters, digits and dashes; shorten it",
        )
    return name


def _objective(
    objective: ObjectiveOS, doc: Document, path: KeyPath, notes: Notes, sli: SLISpecOS
) -> float:
    if (objective.target is None) == (objective.target_percent is None):
        raise fail(doc, path, "set exactly one of target or targetPercent")
    if objective.target is not None:
        percent, key = round(objective.target * 100, 10), "target"
    else:
        assert objective.target_percent is not None
        percent, key = objective.target_percent, "targetPercent"
    if percent <= 0:
        raise fail(doc, (*path, key), "a target of 0 has no objective; use a value above 0")
    for key, value in (
        ("timeSliceTarget", objective.time_slice_target),
        ("timeSliceWindow", objective.time_slice_window),
    ):
        if value is not None:
            notes.add(doc, (*path, key), "not used with budgetingMethod Occurrences")
    if sli.ratio_metric is not None:
        for key, value in (("op", objective.op), ("value", objective.value)):
            if value is not None:
                notes.add(doc, (*path, key), "not used: op and value apply to a thresholdMetric")
    return percent
