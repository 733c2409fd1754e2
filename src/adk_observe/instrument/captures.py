"""The catalogue's captures compiled into recorders: one small function per (metric, capture).

`compile_captures` turns every `conventions.Capture` of the catalogue into a function of an event
(instrument/events.py) that reads the label values and the value from the event's fields and
records them into the metric's family (instrument/families.py). `AgentMetrics.record` runs the
functions of the event's kind, in catalogue order. Getters are built once (`operator.attrgetter`),
so recording an event costs a few attribute reads and the family's cached update per metric.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from adk_observe import conventions as c
from adk_observe.instrument.families import Family

Recorder = Callable[[Any], None]  # records one event into one metric
_Getter = Callable[[Any], Any]


def _labels(defn: c.MetricDef, capture: c.Capture, names: tuple[str, ...]) -> _Getter:
    """A getter of the label values `names` of `defn` from an event, always as a tuple."""
    fields = dict(capture.fields)
    getter = attrgetter(*(fields.get(name, name) for name in names))
    if len(names) == 1:
        return lambda event: (getter(event),)
    return getter


def _value(capture: c.Capture) -> _Getter:
    if isinstance(capture.value, str):
        return attrgetter(capture.value)
    constant = float(capture.value)
    return lambda event: constant


def _each(family: Family, labels: _Getter, capture: c.Capture) -> Recorder:
    """One sample per (label value, field) of `capture.each`; zero samples are skipped."""
    samples = tuple((label, attrgetter(field)) for label, field in capture.each)

    def record(event: Any) -> None:
        values = labels(event)
        for label, get in samples:
            amount = get(event)
            if amount:
                family.add((*values, label), amount)

    return record


def _one(family: Family, op: c.Op, labels: _Getter, value: _Getter, exemplars: bool) -> Recorder:
    if op is c.Op.ADD:
        return lambda event: family.add(labels(event), value(event))
    if op is c.Op.SET:
        return lambda event: family.set(labels(event), value(event))
    if op is c.Op.LATEST:
        return lambda event: family.latest(labels(event), value(event), event.measure)
    if exemplars:
        return lambda event: family.observe(labels(event), value(event), event.trace_id)
    return lambda event: family.observe(labels(event), value(event))


def compile_capture(
    family: Family, defn: c.MetricDef, capture: c.Capture, exemplars: bool
) -> Recorder:
    """The recorder of one capture of `defn` (see `conventions.Capture` for its fields)."""
    if capture.each:
        labels = _labels(defn, capture, defn.labels[:-1])
        record = _each(family, labels, capture)
    else:
        labels = _labels(defn, capture, defn.labels)
        record = _one(family, defn.op(capture), labels, _value(capture), exemplars)
    if not capture.when:
        return record
    when = attrgetter(capture.when)

    def record_when(event: Any) -> None:
        if when(event):
            record(event)

    return record_when


def compile_captures(
    families: Iterable[tuple[c.MetricDef, Family]], exemplars: bool
) -> dict[str, tuple[Recorder, ...]]:
    """Every capture of `families`' metrics, by event kind, in catalogue order."""
    by_kind: dict[str, list[Recorder]] = defaultdict(list)
    for defn, family in families:
        for capture in defn.captures:
            by_kind[capture.event].append(compile_capture(family, defn, capture, exemplars))
    return {kind: tuple(recorders) for kind, recorders in by_kind.items()}
