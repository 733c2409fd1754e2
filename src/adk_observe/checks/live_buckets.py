"""`adk-observe lint --prometheus URL`: the bucket bounds the rules assume, checked live.

A latency SLI on a histogram the spec names counts the observations of its `le=threshold`
bucket. The loader cannot know another histogram's bounds (it notes the assumption); the
Prometheus that scrapes it can: a threshold with no such bucket reads every observation as an
error, so it is a finding, and so is a histogram with no series at all (nothing was checked).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from adk_observe import conventions as c
from adk_observe.checks.lint import Finding
from adk_observe.errors import printable
from adk_observe.model import SLO, LatencySLI, ServiceSpec
from adk_observe.promql import le_pattern, selector

if TYPE_CHECKING:
    from adk_observe.checks.prometheus import PrometheusClient


def histogram_slos(spec: ServiceSpec) -> Iterator[tuple[SLO, LatencySLI]]:
    """The SLOs whose SLI is a histogram named in the spec (builtins read our own ones)."""
    for slo in spec.slos:
        if isinstance(slo.sli, LatencySLI):
            yield slo, slo.sli


def _bound(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


LISTED_BOUNDS = 40  # a finding names at most this many live bounds (an answer may hold 100,000)


def _listed(bounds: set[float]) -> str:
    if not bounds:
        return "none finite"
    shown = sorted(bounds)[:LISTED_BOUNDS]
    more = len(bounds) - len(shown)
    return ", ".join(f"{b:.12g}" for b in shown) + (f" and {more:,} more" if more else "")


def bucket_query(sli: LatencySLI) -> str:
    return f"count by ({c.LABEL_LE}) ({selector(f'{sli.metric}_bucket', sli.selector)})"


def check_buckets(spec: ServiceSpec, client: PrometheusClient, at: float) -> list[Finding]:
    """One finding per histogram SLO whose threshold is not a live bucket the rules match."""
    findings = []
    for slo, sli in histogram_slos(spec):
        samples = client.query(bucket_query(sli), at)
        problem = _problem(sli, [s.labels.get(c.LABEL_LE, "") for s in samples])
        if problem:
            findings.append(Finding(f"SLO {slo.name}", problem))
    return findings


def _problem(sli: LatencySLI, les: list[str]) -> str | None:
    """Why the rules' `le=~` matcher reads no bucket among the live `le` values, or None."""
    series = selector(f"{sli.metric}_bucket", sli.selector)
    pattern = le_pattern(sli.threshold)
    if not les:
        return (
            f"Prometheus has no {series} series: the bucket le={sli.threshold:g} the "
            "rules read cannot be checked"
        )
    if any(re.fullmatch(pattern, le) for le in les):
        return None
    bounds = {b for le in les if (b := _bound(le)) is not None}
    if sli.threshold in bounds:
        spelled = next(le for le in les if _bound(le) == sli.threshold)
        return (
            f"{sli.metric}'s bucket le={sli.threshold:g} is spelled "
            f"'{printable(spelled, 40)}', which the rules' le=~\"{pattern}\" does not match"
        )
    return (
        f"{sli.metric} has no bucket le={sli.threshold:g} in Prometheus (its bounds: "
        f"{_listed(bounds)}): every observation would count as an error"
    )
