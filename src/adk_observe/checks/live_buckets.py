"""`adk-observe lint --prometheus URL`: the bucket bounds the rules assume, checked live.

A latency SLI on a histogram the spec names counts the observations of its `le=threshold`
bucket. The loader cannot know another histogram's bounds (it notes the assumption); the
Prometheus that scrapes it can: a threshold with no such bucket reads every observation as an
error, so it is a finding, and so is a histogram with no series at all (nothing was checked).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from adk_observe import conventions as c
from adk_observe.checks.lint import Finding
from adk_observe.model import SLO, LatencySLI, ServiceSpec
from adk_observe.promql import selector

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


def bucket_query(sli: LatencySLI) -> str:
    return f"count by ({c.LABEL_LE}) ({selector(f'{sli.metric}_bucket', sli.selector)})"


def check_buckets(spec: ServiceSpec, client: PrometheusClient, at: float) -> list[Finding]:
    """One finding per histogram SLO whose threshold is not a live bucket bound."""
    findings = []
    for slo, sli in histogram_slos(spec):
        where = f"SLO {slo.name}"
        series = selector(f"{sli.metric}_bucket", sli.selector)
        samples = client.query(bucket_query(sli), at)
        bounds = {b for s in samples if (b := _bound(s.labels.get(c.LABEL_LE, ""))) is not None}
        if not samples:
            findings.append(
                Finding(
                    where,
                    f"Prometheus has no {series} series: the bucket le={sli.threshold:g} the "
                    "rules read cannot be checked",
                )
            )
        elif sli.threshold not in bounds:
            listed = ", ".join(f"{b:g}" for b in sorted(bounds))
            findings.append(
                Finding(
                    where,
                    f"{sli.metric} has no bucket le={sli.threshold:g} in Prometheus (its bounds: "
                    f"{listed}): every observation would count as an error",
                )
            )
    return findings
