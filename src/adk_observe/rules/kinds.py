"""SLI kinds as a table: for each kind of SLI in the model, what it queries (sli.py) and which
input series its promtool scenarios get (series.py). The rule generators and the unit-test
generator read the same row, so a new kind is a row plus its functions, and cannot be compiled
without saying what it is tested with (`series=None` states "nothing to synthesise": skipped)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adk_observe.model import SLI, BuiltinSLI, EventsSLI, LatencySLI, RawSLI, ServiceSpec
from adk_observe.rules import series, sli
from adk_observe.rules.series import Phase
from adk_observe.rules.sli import SLIQuery


@dataclass(frozen=True)
class SLIKind:
    query: Callable[[ServiceSpec, Any, tuple[str, ...]], SLIQuery]
    series: Callable[[ServiceSpec, Any, list[Phase]], list[dict[str, str]]] | None
    # The query over only the series matching one more label matcher (the canary analysis);
    # None: the kind cannot be narrowed (user PromQL), the loader refuses it in an analysis.
    narrowed: Callable[[ServiceSpec, Any, str], SLIQuery] | None = None


KINDS: dict[type, SLIKind] = {
    BuiltinSLI: SLIKind(sli.builtin_query, series.builtin_series, sli.builtin_narrowed),
    LatencySLI: SLIKind(sli.latency_query, series.latency_series, sli.latency_narrowed),
    # Custom PromQL: we cannot know which series make it read a given ratio.
    EventsSLI: SLIKind(sli.events_query, series=None),
    RawSLI: SLIKind(sli.raw_query, series=None),
}


def kind_of(value: SLI | Any) -> SLIKind:
    try:
        return KINDS[type(value)]
    except KeyError:
        raise TypeError(f"no SLI kind row for {type(value).__name__} in rules/kinds.py") from None


def sli_query(spec: ServiceSpec, value: SLI | Any, by: tuple[str, ...] = ()) -> SLIQuery:
    return kind_of(value).query(spec, value, by)


def narrowed_sli_query(spec: ServiceSpec, value: SLI | Any, matcher: str) -> SLIQuery | None:
    """The SLI over only the series that also match `matcher`; None when it cannot be narrowed."""
    narrowed = kind_of(value).narrowed
    return None if narrowed is None else narrowed(spec, value, matcher)
