"""`strategy.engine: flagger`: a Flagger Canary with one MetricTemplate per gate, the same gates
as the Argo analysis (analysis.gates), for a plain Deployment.

Flagger runs the new version as the target Deployment's pods (`<target>-<rs>-<pod>`) and the
stable one as its own copy `<target>-primary` (`<target>-primary-<rs>-<pod>`), so the queries
tell them apart by the `pod` label the scrape adds (the Operator adds it to every target; the
plain job relabels it), inside Flagger's own query variables `{{ namespace }}`, `{{ target }}`
and `{{ interval }}` (the metric's interval: the query window).

Semantics differ from Argo in one way: Flagger has no Inconclusive. A query with no value
("no values found", e.g. below `min_requests`) is a failed check like a value out of range,
and `threshold` failed checks roll the canary back.
"""

from __future__ import annotations

from typing import Any

from adk_observe import conventions as c
from adk_observe.deploy import hardening as h
from adk_observe.deploy.analysis import FAILURE_LIMIT, Gate, Scope, gates
from adk_observe.deploy.fleet import cluster_matcher
from adk_observe.deploy.lb_gateway import parent_ref
from adk_observe.deploy.meta import APP_PORT_NAME, metadata
from adk_observe.deploy_model import Analysis, DeployConfig, LoadBalancer
from adk_observe.model import ServiceSpec
from adk_observe.promql import eq, regex

API_VERSION = "flagger.app/v1beta1"
POD_SUFFIX = "-[0-9a-zA-Z]+-[0-9a-zA-Z]+"  # <replicaset hash>-<pod suffix>
# Flagger's rollback: this many failed checks (Argo's failureLimit 0 is one failure).
THRESHOLD = FAILURE_LIMIT + 1


def flagger_scope(cluster: str = "") -> Scope:
    """`cluster`: this cluster's matcher on a central store (deploy/fleet.py), else ""."""
    namespace = eq(c.LABEL_NAMESPACE, "{{ namespace }}")
    extra = f",{cluster}" if cluster else ""
    return Scope(
        canary=f"{namespace},{regex(c.LABEL_POD, '{{ target }}' + POD_SUFFIX)}{extra}",
        stable=f"{namespace},{regex(c.LABEL_POD, '{{ target }}-primary' + POD_SUFFIX)}{extra}",
        window="{{ interval }}",
    )


def template_name(spec: ServiceSpec, gate: Gate) -> str:
    return f"{spec.name}-{gate.name}"


def _analysis(spec: ServiceSpec, deploy: DeployConfig) -> Analysis:
    a = deploy.strategy.analysis
    assert a is not None
    return a


def metric_templates(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    a = _analysis(spec, deploy)
    return [
        {
            "apiVersion": API_VERSION,
            "kind": "MetricTemplate",
            "metadata": metadata(spec, template_name(spec, g)),
            "spec": {
                "provider": {"type": "prometheus", "address": a.prometheus_address},
                "query": g.query,
            },
        }
        for g in gates(spec, a, flagger_scope(cluster_matcher(spec, deploy)))
    ]


def _check(spec: ServiceSpec, a: Analysis, gate: Gate) -> dict[str, Any]:
    accepted = {"min": a.min_requests} if gate.volume else {"max": 1}
    return {
        "name": gate.name,
        "templateRef": {"name": template_name(spec, gate), "namespace": spec.namespace},
        "thresholdRange": accepted,
        "interval": a.query_window,
    }


def canary(spec: ServiceSpec, deploy: DeployConfig) -> dict[str, Any]:
    """Flagger advances one step weight per analysis interval while every check passes."""
    a = _analysis(spec, deploy)
    lb = deploy.ingress.load_balancer
    service: dict[str, Any] = {"port": deploy.app_port, "targetPort": APP_PORT_NAME}
    body: dict[str, Any] = {
        "provider": deploy.ingress.facts.flagger_provider,
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
        "autoscalerRef": {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "name": spec.name,
        },
        "progressDeadlineSeconds": h.PROGRESS_DEADLINE_SECONDS,
    }
    if lb is LoadBalancer.NGINX:  # Flagger derives its canary Ingress from ours
        body["ingressRef"] = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "name": spec.name,
        }
    else:  # Gateway API: Flagger writes the HTTPRoute itself
        service["hosts"] = [deploy.ingress.host]
        service["gatewayRefs"] = [parent_ref(spec, deploy)]
        if lb is LoadBalancer.GATEWAY:  # GKE: the GCPBackendPolicy's timeoutSec
            service["timeout"] = f"{deploy.ingress.timeout_seconds}s"
    body["service"] = service
    body["analysis"] = {
        "interval": f"{a.interval_seconds}s",
        "threshold": THRESHOLD,
        "stepWeights": list(deploy.strategy.steps),
        "metrics": [
            _check(spec, a, g) for g in gates(spec, a, flagger_scope(cluster_matcher(spec, deploy)))
        ],
    }
    return {"apiVersion": API_VERSION, "kind": "Canary", "metadata": metadata(spec), "spec": body}
