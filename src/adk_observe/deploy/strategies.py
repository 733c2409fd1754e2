"""Progressive delivery: the Rollout strategy blocks and the SLO-gated AnalysisTemplate."""

from __future__ import annotations

from typing import Any

from adk_observe import conventions as c
from adk_observe.deploy import hardening as h
from adk_observe.deploy.analysis import gate_name, run_ref, watch_name
from adk_observe.deploy.meta import NGINX_PREFIX, canary_name, preview_name
from adk_observe.deploy_model import DeployConfig, LoadBalancer, MatchKind
from adk_observe.model import ServiceSpec

AB_ROUTE = "ab-variant"
ARGO_GATEWAY_PLUGIN = "argoproj-labs/gatewayAPI"
# Canary steps per weight: setWeight, pause, analysis. The background analysis starts at the
# first analysis step, once the first pause has given the canary traffic to measure.
FIRST_ANALYSIS_STEP = 2


def canary(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """setWeight -> pause -> analysis for each step, and the same gates in the background
    from the first analysis on; a failed analysis aborts (rolls back)."""
    steps: list[dict[str, Any]] = []
    for weight in deploy.strategy.steps:
        steps.append({"setWeight": weight})
        steps.append({"pause": {"duration": f"{deploy.strategy.pause_seconds}s"}})
        steps.append({"analysis": run_ref(gate_name(spec))})
    assert steps[FIRST_ANALYSIS_STEP].keys() == {"analysis"}
    body: dict[str, Any] = {}
    if deploy.weighted:  # else: one Service over every pod, weights approximated by pod counts
        body = {"stableService": spec.name, "canaryService": canary_name(spec)}
    body.update(
        {
            # Ephemeral labels on the pods of each side; the ServiceMonitor copies them onto
            # the series, so the overview dashboard can split canary from stable.
            "canaryMetadata": {"labels": {c.LABEL_TRACK: c.TRACK_CANARY}},
            "stableMetadata": {"labels": {c.LABEL_TRACK: c.TRACK_STABLE}},
            "maxSurge": h.ROLLING_MAX_SURGE,
            "maxUnavailable": h.ROLLING_MAX_UNAVAILABLE,
        }
    )
    if deploy.weighted:
        body["trafficRouting"] = traffic_routing(spec, deploy)
    body["analysis"] = {**run_ref(watch_name(spec)), "startingStep": FIRST_ANALYSIS_STEP}
    body["steps"] = steps
    return {"canary": body}


def ab(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """Variant B gets only the requests that match the header (or cookie); everything else
    stays on A until the rollout is promoted (or aborted) by hand. From the pause on, the
    background analysis watches B's own traffic: a failing B is aborted without waiting."""
    match = deploy.strategy.match
    assert match is not None
    routing = traffic_routing(spec, deploy)
    steps: list[dict[str, Any]] = [{"setCanaryScale": {"replicas": 1}}, {"setWeight": 0}]
    if deploy.ingress.load_balancer is not LoadBalancer.NGINX:  # Argo's setHeaderRoute
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
    out: dict[str, Any] = {
        "stableService": spec.name,
        "canaryService": canary_name(spec),
        "trafficRouting": routing,
    }
    if deploy.strategy.analysis is not None:
        out["analysis"] = {**run_ref(watch_name(spec)), "startingStep": len(steps) - 1}
    out["steps"] = steps
    return {"canary": out}


def blue_green(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """Preview first; the pre-promotion analysis (on the preview's own traffic: send it smoke
    or mirrored requests, else it is inconclusive and the rollout waits) must pass before the
    active Service switches, and the post-promotion analysis after it, while the old
    ReplicaSet is still up for an instant switch back."""
    return {
        "blueGreen": {
            "activeService": spec.name,
            "previewService": preview_name(spec),
            "autoPromotionEnabled": True,
            # No scaleDownDelaySeconds: Argo would cancel the post-promotion analysis when that
            # delay ends; without it the old ReplicaSet stays up until the analysis completes.
            "prePromotionAnalysis": run_ref(gate_name(spec)),
            "postPromotionAnalysis": run_ref(gate_name(spec)),
        }
    }


def traffic_routing(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """The Rollout's `trafficRouting` block for the chosen load balancer (a class with weights:
    the loader refuses A/B where there are none, and a canary there has no trafficRouting)."""
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
