"""The catalogue's captures compiled into one recorder per event kind.

`compile_captures` turns the `conventions.Capture`s of every metric into one function per event
kind (instrument/events.py) that reads each field it needs from the event once and records into
every family (instrument/families.py) that captures the kind, in catalogue order:

    def record(e):                      # of the "turn" event
        t = e.trace_id
        f0.add((e.agent_id, e.method, e.endpoint, e.status_code), 1.0)
        f1.observe((e.agent_id, e.method, e.endpoint), e.seconds, t)
        if e.active:
            f2.add((e.agent_id,), -1.0)
        ...

The source is generated from the declarations (like `dataclasses` and `namedtuple` generate
theirs): a generic loop over captures costs twice the recording itself on the agent's hot path
(a frame per capture, getter and condition), while this is as cheap as recording written by
hand. Field and label names come from the catalogue and are checked to be identifiers (dotted
paths of them) before they are put in the source; constants are written with `repr`.
`AgentMetrics.record` calls the recorder of the event's kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from adk_observe import conventions as c
from adk_observe.instrument.families import Family

Recorder = Callable[[Any], None]  # records one event into every metric capturing its kind


def _field(path: str) -> str:
    """`path` (a field or a dotted path into one) as an expression on the event `e`."""
    if not all(part.isidentifier() for part in path.split(".")):
        raise ValueError(f"capture field {path!r} is not a (dotted) identifier")
    return "e." + path


def _labels(defn: c.MetricDef, capture: c.Capture, names: tuple[str, ...]) -> list[str]:
    fields = dict(capture.fields)
    return [_field(fields.get(name, name)) for name in names]


def _tuple(items: list[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _value(capture: c.Capture) -> str:
    if isinstance(capture.value, str):
        return _field(capture.value)
    return repr(float(capture.value))


def _lines(family: str, defn: c.MetricDef, capture: c.Capture, exemplars: bool) -> list[str]:
    """The source lines that record one capture (indented for the recorder's body)."""
    if capture.each:
        labels = _labels(defn, capture, defn.labels[:-1])
        lines = []
        for label, field in capture.each:
            key = _tuple([*labels, repr(label)])
            lines += [f"v = {_field(field)}", "if v:", f"    {family}.add({key}, v)"]
    else:
        key = _tuple(_labels(defn, capture, defn.labels))
        op, value = defn.op(capture), _value(capture)
        if op is c.Op.ADD:
            lines = [f"{family}.add({key}, {value})"]
        elif op is c.Op.SET:
            lines = [f"{family}.set({key}, {value})"]
        elif op is c.Op.LATEST:
            lines = [f"{family}.latest({key}, {value}, e.measure)"]
        else:
            exemplar = ", t" if exemplars else ""  # t: the event's trace id, read once
            lines = [f"{family}.observe({key}, {value}{exemplar})"]
    if capture.when:
        lines = [f"if {_field(capture.when)}:", *("    " + line for line in lines)]
    return lines


def compile_kind(
    kind: str,
    captures: list[tuple[str, c.MetricDef, c.Capture]],
    exemplars: bool,
    families: dict[str, Family],
) -> Recorder:
    """The recorder of one event kind: `captures` are (family variable, metric, capture)."""
    body = [
        line for name, defn, capture in captures for line in _lines(name, defn, capture, exemplars)
    ]
    if exemplars and any(defn.op(capture) is c.Op.OBSERVE for _, defn, capture in captures):
        body.insert(0, "t = e.trace_id")
    source = "def record(e):\n" + "".join(f"    {line}\n" for line in body or ["pass"])
    namespace: dict[str, Any] = dict(families)
    exec(compile(source, f"<captures of {kind}>", "exec"), namespace)
    record: Recorder = namespace["record"]
    record.__doc__ = source  # what it does, readable in a debugger
    return record


def compile_captures(
    families: Iterable[tuple[c.MetricDef, Family]], exemplars: bool
) -> dict[str, Recorder]:
    """One recorder per event kind that any of `families`' metrics captures."""
    by_kind: dict[str, list[tuple[str, c.MetricDef, c.Capture]]] = defaultdict(list)
    names: dict[str, Family] = {}
    for index, (defn, family) in enumerate(families):
        name = f"f{index}"
        names[name] = family
        for capture in defn.captures:
            by_kind[capture.event].append((name, defn, capture))
    return {
        kind: compile_kind(kind, captures, exemplars, names) for kind, captures in by_kind.items()
    }
