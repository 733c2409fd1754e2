"""The catalogue's captures resolved into one tuple of steps per event kind.

`capture_steps` turns the `conventions.Capture`s of every metric into `Step`s, grouped by the
event kind (instrument/events.py) they capture, in catalogue order. A step holds its family
(instrument/families.py) and `operator.attrgetter`s for the event fields it reads (labels, value,
condition; dotted paths such as "usage.input" read into a field), and `AgentMetrics.record` runs
`record(steps, event, exemplars)` for the event's kind: one loop over the steps whose field reads
run in C (a one-label key is the only lambda).

This loop costs about 0.2 us per step more than recording written out by hand for each event
kind (a scripted turn's 22 steps: ~27 us of recording instead of ~22, bench/RESULTS.md), on the
work queue's worker thread, not the agent's; generating that code from the catalogue was
measured and given up for this plainer form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any, NamedTuple

from adk_observe import conventions as c
from adk_observe.instrument.families import Family

Getter = Callable[[Any], Any]  # reads one event field (or a tuple of them) from an event
# The ops as module globals: reading a member through its Enum class costs ~0.1 us per access.
_ADD, _OBSERVE, _SET = c.Op.ADD, c.Op.OBSERVE, c.Op.SET


def _getter(path: str) -> Getter:
    """The getter of event field `path` (a field or a dotted path into one)."""
    if not all(part.isidentifier() for part in path.split(".")):
        raise ValueError(f"capture field {path!r} is not a (dotted) identifier")
    return attrgetter(path)


def _key(paths: list[str]) -> Getter:
    """The getter of a label tuple: the fields `paths`, always as a tuple."""
    for path in paths:
        _getter(path)
    if len(paths) == 1:
        one = attrgetter(paths[0])
        return lambda event: (one(event),)
    return attrgetter(*paths)


class Step(NamedTuple):
    """What recording an event does for one capture: `op` on `family`, at the label values
    `key(event)`, with `value(event)` (no `value`: the constant `amount`), if `when(event)` is
    true (no `when`: always). `each`: (last label's value, getter) pairs, one `add` per non-zero
    value."""

    op: c.Op
    family: Family
    key: Getter
    value: Getter | None = None
    amount: float = 1.0
    when: Getter | None = None
    each: tuple[tuple[str, Getter], ...] = ()


def step(defn: c.MetricDef, family: Family, capture: c.Capture) -> Step:
    """The step of one capture of metric `defn` (recorded into `family`)."""
    fields = dict(capture.fields)
    labels = defn.labels[:-1] if capture.each else defn.labels
    value = capture.value
    return Step(
        op=defn.op(capture),
        family=family,
        key=_key([fields.get(name, name) for name in labels]),
        value=_getter(value) if isinstance(value, str) else None,
        amount=0.0 if isinstance(value, str) else float(value),
        when=_getter(capture.when) if capture.when else None,
        each=tuple((label, _getter(path)) for label, path in capture.each),
    )


def record(steps: tuple[Step, ...], event: Any, exemplars: bool) -> None:
    """Record `event` by every step of its kind. A histogram's exemplar is the event's sampled
    trace id (read once, and only if `exemplars`)."""
    trace_id: str | None = None
    for op, family, key_of, value_of, amount, when, each in steps:
        if when is not None and not when(event):
            continue
        key = key_of(event)
        if each:
            for label, get in each:
                value = get(event)
                if value:
                    family.add((*key, label), value)
            continue
        value = amount if value_of is None else value_of(event)
        if op is _ADD:
            family.add(key, value)
        elif op is _OBSERVE:
            if trace_id is None:
                trace_id = event.trace_id if exemplars else ""
            family.observe(key, value, trace_id)
        elif op is _SET:
            family.set(key, value)
        else:  # c.Op.LATEST
            family.latest(key, value, event.measure)


def capture_steps(
    families: Iterable[tuple[c.MetricDef, Family]],
) -> dict[str, tuple[Step, ...]]:
    """The steps of every capture of `families`' metrics, by the event kind they capture."""
    by_kind: dict[str, list[Step]] = defaultdict(list)
    for defn, family in families:
        for capture in defn.captures:
            by_kind[capture.event].append(step(defn, family, capture))
    return {kind: tuple(steps) for kind, steps in by_kind.items()}
