"""The SLO-gated Argo Rollouts analysis, on the canary's own traffic.

Every query selects one pod template hash (`rollouts_pod_template_hash`, put on the series by
the scrape: ServiceMonitor podTargetLabels or the plain job's relabelling), passed in as the
AnalysisTemplate args `canary-hash` and `stable-hash`. A whole-service query dilutes the canary:
at a 10% weight a canary failing 5% of its requests moves the service's ratio by only 0.5%.

Each gate's query returns the canary's value divided by what it is allowed: the SLO's limit or
the stable's value plus a margin, whichever is looser (a stable already burning budget is not
the canary's fault). 1 is exactly the limit. Below `min_requests` canary requests in the window
the query returns nothing, and with both conditions false the measurement is Inconclusive (Argo
pauses the rollout for a human) instead of passing on too little evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adk_observe import conventions as c
from adk_observe import sli_kinds
from adk_observe.deploy.fleet import cluster_matcher
from adk_observe.deploy.meta import metadata
from adk_observe.deploy_model import Analysis, DeployConfig
from adk_observe.model import SLI, BuiltinSLI, ServiceSpec
from adk_observe.promql import eq, number, selector
from adk_observe.rules import narrowed_sli_query, service_selector

CANARY_HASH_ARG = "canary-hash"
STABLE_HASH_ARG = "stable-hash"
# Argo's `valueFrom.podTemplateHashValue`: the new ReplicaSet's hash and the stable one's.
HASH_SOURCES = ((CANARY_HASH_ARG, "Latest"), (STABLE_HASH_ARG, "Stable"))
# A failed measurement fails the analysis, which aborts the rollout: traffic returns to stable.
FAILURE_LIMIT = 0
# One inconclusive measurement (too little canary traffic) pauses the rollout for a human.
INCONCLUSIVE_LIMIT = 0
P95 = 0.95
VOLUME_METRIC = "request-volume"
P95_METRIC = "p95-latency"
SUCCESS_METRIC = "success-rate"
# A gate value is a ratio of non-negative rates: a negative one (a broken proxy, a counter
# reset summed wrongly) is neither success nor failure, so the measurement is inconclusive
# (as NaN is: every comparison with NaN is false). Garbage never promotes a canary.
WITHIN_LIMIT = "len(result) > 0 && result[0] >= 0 && result[0] <= 1"
OVER_LIMIT = "len(result) > 0 && result[0] > 1"


@dataclass(frozen=True)
class Gate:
    """One analysis metric, engine-neutral: Argo and Flagger render it their own way.

    `query`'s value must stay at or below 1, except for the `volume` gate: the canary's
    request count, which passes at or above `min_requests`."""

    name: str
    query: str
    volume: bool = False


def gate_name(spec: ServiceSpec) -> str:
    """The step / pre- / post-promotion analysis: a fixed number of measurements."""
    return f"{spec.name}-slo-gate"


def watch_name(spec: ServiceSpec) -> str:
    """The background analysis: the same gates, measured until the rollout ends."""
    return f"{spec.name}-slo-watch"


def arg(name: str) -> str:
    return "{{args." + name + "}}"


def hash_matcher(value: str) -> str:
    return eq(c.LABEL_POD_TEMPLATE_HASH, value)


@dataclass(frozen=True)
class Scope:
    """How an engine selects the canary's and the stable's series, and the query window:
    Argo by pod template hash args, Flagger by pod name (see flagger.py)."""

    canary: str  # PromQL label matcher(s), no braces
    stable: str
    window: str


def argo_scope(a: Analysis, cluster: str = "") -> Scope:
    """`cluster`: this cluster's matcher on a central store (deploy/fleet.py), else ""."""
    return Scope(
        ",".join(m for m in (hash_matcher(arg(CANARY_HASH_ARG)), cluster) if m),
        ",".join(m for m in (hash_matcher(arg(STABLE_HASH_ARG)), cluster) if m),
        a.query_window,
    )


def _narrowed(spec: ServiceSpec, sli: SLI, matcher: str, window: str) -> str:
    query = narrowed_sli_query(spec, sli, matcher)
    assert query is not None  # custom PromQL SLIs are refused when the spec is loaded
    return query.ratio_at(window)


def _versus_stable(canary: str, stable: str, allowed: float, margin: str) -> str:
    """canary / max(allowed, stable <margin>); no stable data: the SLO's limit alone. A stable
    value that is no number (NaN: an idle stable's p95, a histogram with no observations in
    the window) is no stable data too (`>= 0` drops it): clamp_min of NaN is NaN, which made
    the gate Inconclusive however good the canary."""
    limit = f"clamp_min(({stable}){margin} >= 0 or vector(0), {number(allowed)})"
    return f"({canary}) / {limit}"


def _volume(spec: ServiceSpec, matcher: str, window: str) -> str:
    """The canary's request count in the window. An infinite one (a counter sample of +Inf: a
    broken exporter or proxy) is no count: `< Inf` drops it, so the volume gate and every gate
    guarded by it see no data (Inconclusive), never "enough requests" over a ratio of 0."""
    requests = selector(c.REQUESTS.name, service_selector(spec), matcher)
    return f"sum(increase({requests}[{window}])) < Inf"


def _enough(spec: ServiceSpec, a: Analysis, scope: Scope) -> str:
    return f"({_volume(spec, scope.canary, scope.window)} >= {a.min_requests})"


def _ratio_gate(
    spec: ServiceSpec, a: Analysis, scope: Scope, name: str, sli: SLI, budget: float
) -> Gate:
    w = scope.window
    margin = f" + {number(a.stable_margin * budget)}"
    ratio = _versus_stable(
        _narrowed(spec, sli, scope.canary, w),
        _narrowed(spec, sli, scope.stable, w),
        budget,
        margin,
    )
    return Gate(name, f"({ratio}) and on() {_enough(spec, a, scope)}")


def _p95(spec: ServiceSpec, matcher: str, window: str) -> str:
    buckets = selector(f"{c.REQUEST_DURATION.name}_bucket", service_selector(spec), matcher)
    return f"histogram_quantile({P95}, sum by ({c.LABEL_LE}) (rate({buckets}[{window}])))"


def _p95_gate(spec: ServiceSpec, a: Analysis, scope: Scope) -> Gate:
    ratio = _versus_stable(
        _p95(spec, scope.canary, scope.window),
        _p95(spec, scope.stable, scope.window),
        a.max_p95_seconds,
        f" * {number(1 + a.stable_margin)}",
    )
    return Gate(P95_METRIC, f"({ratio}) and on() {_enough(spec, a, scope)}")


def gates(spec: ServiceSpec, a: Analysis, scope: Scope) -> list[Gate]:
    """Overall success rate, p95 latency, request volume, then every SLO the spec names.

    When the spec names the success SLO itself, one gate covers both at the stricter limit."""
    success_sli = BuiltinSLI(sli_kinds.SUCCESS)
    success_budget = round(1 - a.min_success_percent / 100, 12)
    named = []
    for name in a.slos:
        slo = spec.slo(name)
        assert slo is not None  # checked when the spec was loaded
        budget = slo.error_budget
        if slo.sli == success_sli and success_budget:
            budget, success_budget = min(budget, success_budget), 0.0
        named.append(_ratio_gate(spec, a, scope, f"slo-{name}", slo.sli, budget))
    out = []
    if success_budget:
        out.append(_ratio_gate(spec, a, scope, SUCCESS_METRIC, success_sli, success_budget))
    out.append(_p95_gate(spec, a, scope))
    out.append(Gate(VOLUME_METRIC, _volume(spec, scope.canary, scope.window), True))
    return out + named


def _metric(gate: Gate, a: Analysis, count: int | None) -> dict[str, Any]:
    metric: dict[str, Any] = {"name": gate.name, "interval": f"{a.interval_seconds}s"}
    if count is not None:  # no count: measured until the rollout stops the run
        metric["count"] = count
    metric["failureLimit"] = FAILURE_LIMIT
    metric["inconclusiveLimit"] = INCONCLUSIVE_LIMIT
    if gate.volume:
        # Too few requests is not a failure of the release: never Failed, only Inconclusive.
        metric["successCondition"] = f"len(result) > 0 && result[0] >= {a.min_requests}"
        metric["failureCondition"] = "false"
    else:
        metric["successCondition"] = WITHIN_LIMIT
        metric["failureCondition"] = OVER_LIMIT
    metric["provider"] = {"prometheus": {"address": a.prometheus_address, "query": gate.query}}
    return metric


def analysis_template(spec: ServiceSpec, deploy: DeployConfig, *, watch: bool) -> dict[str, Any]:
    a = deploy.strategy.analysis
    assert a is not None
    name = watch_name(spec) if watch else gate_name(spec)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": metadata(spec, name),
        "spec": {
            "args": [{"name": n} for n, _ in HASH_SOURCES],
            "metrics": [
                _metric(g, a, None if watch else a.count)
                for g in gates(spec, a, argo_scope(a, cluster_matcher(spec, deploy)))
            ],
        },
    }


def hash_args() -> list[dict[str, Any]]:
    """The Rollout side: each hash arg filled from the ReplicaSet it names."""
    return [{"name": n, "valueFrom": {"podTemplateHashValue": v}} for n, v in HASH_SOURCES]


def run_ref(name: str) -> dict[str, Any]:
    """An analysis reference in a Rollout (step, background, pre/post promotion)."""
    return {"templates": [{"templateName": name}], "args": hash_args()}
