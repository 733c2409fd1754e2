"""Progressive delivery: the Rollout strategy blocks and the SLO-gated AnalysisTemplate."""

from __future__ import annotations

from typing import Any

from adk_observe import conventions as c
from adk_observe.deploy import hardening as h
from adk_observe.deploy.meta import NGINX_PREFIX, canary_name, metadata, preview_name
from adk_observe.deploy_model import Analysis, DeployConfig, LoadBalancer, MatchKind
from adk_observe.model import BuiltinKind, BuiltinSLI, ServiceSpec
from adk_observe.promql import number, selector
from adk_observe.rules import service_selector, sli_query

AB_ROUTE = "ab-variant"
# Blue-green: keep the old ReplicaSet this long after the switch, for an instant switch back.
SCALE_DOWN_DELAY_SECONDS = 30
# A failed measurement fails the analysis, which aborts the rollout: traffic returns to stable.
FAILURE_LIMIT = 0
ARGO_GATEWAY_PLUGIN = "argoproj-labs/gatewayAPI"


def analysis_name(spec: ServiceSpec) -> str:
    return f"{spec.name}-slo-gate"


def _metric(name: str, query: str, condition: str, a: Analysis) -> dict[str, Any]:
    return {
        "name": name,
        "interval": f"{a.interval_seconds}s",
        "count": a.count,
        "failureLimit": FAILURE_LIMIT,
        "successCondition": condition,
        "provider": {"prometheus": {"address": a.prometheus_address, "query": query}},
    }


def _at_most(limit: float) -> str:
    # No result: no traffic in the window (the volume gate decides); NaN: no observations.
    return f"len(result) == 0 || isNaN(result[0]) || result[0] <= {number(limit)}"


def analysis_metrics(spec: ServiceSpec, a: Analysis) -> list[dict[str, Any]]:
    """The promotion criteria: every SLO the spec names, queried exactly as the rules query
    it, within its own error budget; overall success rate, p95 latency and request volume."""
    sel = service_selector(spec)
    window = a.query_window
    success = sli_query(spec, BuiltinSLI(BuiltinKind.SUCCESS)).ratio_at(window)
    buckets = selector(f"{c.REQUEST_DURATION.name}_bucket", sel)
    p95 = f"histogram_quantile(0.95, sum by ({c.LABEL_LE}) (rate({buckets}[{window}])))"
    volume = f"sum(increase({selector(c.REQUESTS.name, sel)}[{window}]))"
    success_limit = 1 - a.min_success_percent / 100
    named = []
    for name in a.slos:
        slo = spec.slo(name)
        assert slo is not None  # checked when the spec was loaded
        query = sli_query(spec, slo.sli).ratio_at(window)
        limit = slo.error_budget
        if query == success:  # the success SLO itself: gate at the stricter of both criteria
            limit, success = min(limit, success_limit), ""
        named.append(_metric(f"slo-{name}", query, _at_most(limit), a))
    metrics = [_metric("success-rate", success, _at_most(success_limit), a)] if success else []
    metrics += [
        _metric("p95-latency", p95, _at_most(a.max_p95_seconds), a),
        _metric("request-volume", volume, f"len(result) > 0 && result[0] >= {a.min_requests}", a),
    ]
    metrics += named
    return metrics


def analysis_template(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    assert deploy.strategy.analysis is not None
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": metadata(spec, analysis_name(spec)),
        "spec": {"metrics": analysis_metrics(spec, deploy.strategy.analysis)},
    }


def _templates(spec: ServiceSpec) -> dict[str, Any]:
    return {"templates": [{"templateName": analysis_name(spec)}]}


def canary(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """setWeight -> pause -> analysis for each step; a failed analysis aborts (rolls back)."""
    steps: list[dict[str, Any]] = []
    for weight in deploy.strategy.steps:
        steps.append({"setWeight": weight})
        steps.append({"pause": {"duration": f"{deploy.strategy.pause_seconds}s"}})
        steps.append({"analysis": _templates(spec)})
    return {
        "canary": {
            "stableService": spec.name,
            "canaryService": canary_name(spec),
            # Ephemeral labels on the pods of each side; the ServiceMonitor copies them onto the
            # series, so the overview dashboard can split canary from stable.
            "canaryMetadata": {"labels": {c.LABEL_TRACK: c.TRACK_CANARY}},
            "stableMetadata": {"labels": {c.LABEL_TRACK: c.TRACK_STABLE}},
            "maxSurge": h.ROLLING_MAX_SURGE,
            "maxUnavailable": h.ROLLING_MAX_UNAVAILABLE,
            "trafficRouting": traffic_routing(spec, deploy),
            "steps": steps,
        }
    }


def ab(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """Variant B gets only the requests that match the header (or cookie); everything else
    stays on A until the rollout is promoted (or aborted) by hand."""
    match = deploy.strategy.match
    assert match is not None
    routing = traffic_routing(spec, deploy)
    steps: list[dict[str, Any]] = [{"setCanaryScale": {"replicas": 1}}, {"setWeight": 0}]
    if deploy.ingress.load_balancer is not LoadBalancer.NGINX:
        assert match.kind is MatchKind.HEADER
        routing["managedRoutes"] = [{"name": AB_ROUTE}]
        steps.append(
            {
                "setHeaderRoute": {
                    "name": AB_ROUTE,
                    "match": [{"headerName": match.name, "headerValue": {"exact": match.value}}],
                }
            }
        )
    steps.append({"pause": {}})
    return {
        "canary": {
            "stableService": spec.name,
            "canaryService": canary_name(spec),
            "trafficRouting": routing,
            "steps": steps,
        }
    }


def blue_green(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """Preview first; the pre-promotion analysis must pass before the active Service switches."""
    return {
        "blueGreen": {
            "activeService": spec.name,
            "previewService": preview_name(spec),
            "autoPromotionEnabled": True,
            "scaleDownDelaySeconds": SCALE_DOWN_DELAY_SECONDS,
            "prePromotionAnalysis": _templates(spec),
        }
    }


def traffic_routing(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """The Rollout's `trafficRouting` block for the chosen load balancer."""
    lb = deploy.ingress.load_balancer
    if lb is LoadBalancer.ALB:
        return {
            "alb": {"ingress": spec.name, "servicePort": deploy.app_port, "rootService": spec.name}
        }
    if lb is LoadBalancer.NGINX:
        nginx: dict[str, Any] = {"stableIngress": spec.name}
        match = deploy.strategy.match
        if match is not None:  # A/B: ingress-nginx matches the header/cookie on the canary Ingress
            by = f"{NGINX_PREFIX}/canary-by-{match.kind.value}"
            extra = {by: match.name}
            if match.kind.value == "header":
                extra[f"{by}-value"] = match.value
            nginx["additionalIngressAnnotations"] = {
                k.removeprefix(f"{NGINX_PREFIX}/"): v for k, v in sorted(extra.items())
            }
        return {"nginx": nginx}
    return {"plugins": {ARGO_GATEWAY_PLUGIN: {"httpRoute": spec.name, "namespace": spec.namespace}}}
