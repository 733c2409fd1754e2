"""The canary analysis sees the canary: every query selects one pod template hash, each gate
compares the canary with the SLO and with the stable, and the hash travels from the pod to the
series (ServiceMonitor podTargetLabels, pod annotations, the plain scrape job)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.deploy.cases import CASES, GOLDEN, case_objects

from adk_observe.checks.canary import Metric, evaluate
from adk_observe.errors import SpecError
from adk_observe.loader.load import load_specs

HASH_ARGS = [
    {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
    {"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}},
]
SELECTOR = re.compile(r"\{[^{}]*(?:\{\{[^}]*\}\}[^{}]*)*\}")
CANARY = 'rollouts_pod_template_hash="{{args.canary-hash}}"'
STABLE = 'rollouts_pod_template_hash="{{args.stable-hash}}"'
# Hand-written from the spec (deploy-canary-alb: success 99.5% -> budget 0.005, margin half
# of it; window 5m; min_requests 100), not from the generator.
CANARY_SUCCESS = (
    '(sum(rate(adk_agent_requests_total{job="support-agent",' + CANARY
    + ',status_code=~"5.."}[5m])) or vector(0)) / (sum(rate(adk_agent_requests_total'
    '{job="support-agent",' + CANARY + "}[5m])) > 0)"
)
STABLE_SUCCESS = CANARY_SUCCESS.replace(CANARY, STABLE)
# `< Inf`: an infinite count (a +Inf counter sample) is no count, so no gate sees enough requests.
VOLUME = 'sum(increase(adk_agent_requests_total{job="support-agent",' + CANARY + "}[5m])) < Inf"
EXPECTED_SUCCESS_QUERY = (
    f"(({CANARY_SUCCESS}) / clamp_min(({STABLE_SUCCESS}) + 0.0025 >= 0 or vector(0), 0.005))"
    f" and on() ({VOLUME} >= 100)"
)


def _metrics(case: str, file: str = "analysistemplate-slo-gate.yaml") -> dict[str, Any]:
    return {m["name"]: m for m in case_objects(case)[file]["spec"]["metrics"]}


def _selectors(query: str) -> list[str]:
    """Every label-matcher block of a query, `{{args.x}}` placeholders kept inside."""
    return [m for m in SELECTOR.findall(query) if not m.startswith("{{")]


ANALYSED = [c for c in CASES if "analysistemplate-slo-gate.yaml" in case_objects(c)]


def test_every_progressive_case_has_an_analysis() -> None:
    assert ANALYSED == [
        "deploy-ab-alb-header",
        "deploy-ab-nginx-cookie",
        "deploy-blue-green-alb",
        "deploy-blue-green-gke-gateway",
        "deploy-canary-alb",
        "deploy-canary-gateway",
        "deploy-canary-gke",
        "deploy-canary-nginx",
    ]


@pytest.mark.parametrize("case", ANALYSED)
def test_every_query_selects_a_pod_template_hash_never_the_whole_service(case: str) -> None:
    for file in ("analysistemplate-slo-gate.yaml", "analysistemplate-slo-watch.yaml"):
        objs = case_objects(case)
        if file not in objs:
            continue
        assert objs[file]["spec"]["args"] == [{"name": "canary-hash"}, {"name": "stable-hash"}]
        for name, metric in _metrics(case, file).items():
            selectors = _selectors(metric["provider"]["prometheus"]["query"])
            assert selectors, name
            for sel in selectors:
                assert CANARY in sel or STABLE in sel, (name, sel)


def test_success_gate_is_the_canary_ratio_against_the_looser_of_slo_and_stable() -> None:
    metrics = _metrics("deploy-canary-alb")
    assert list(metrics) == ["p95-latency", "request-volume", "slo-success", "slo-latency"]
    success = metrics["slo-success"]
    assert success["provider"]["prometheus"]["query"] == EXPECTED_SUCCESS_QUERY
    assert success["successCondition"] == "len(result) > 0 && result[0] >= 0 && result[0] <= 1"
    assert success["failureCondition"] == "len(result) > 0 && result[0] > 1"
    assert (success["failureLimit"], success["inconclusiveLimit"], success["count"]) == (0, 0, 5)


def test_latency_slo_gate_uses_the_slos_threshold_bucket_and_budget() -> None:
    query = _metrics("deploy-canary-alb")["slo-latency"]["provider"]["prometheus"]["query"]
    # latency SLO: 95% under 500ms -> budget 0.05, margin 0.025, the le="0.5" bucket
    assert "+ 0.025 >= 0 or vector(0), 0.05))" in query
    # canary and stable, each in its ratio and in the guard that the bucket exists at all
    assert query.count('le=~"0\\\\.5"') == 4
    bucket = 'adk_agent_request_duration_seconds_bucket{job="support-agent",'
    for side in (CANARY, STABLE):
        assert f') and on() (sum(rate({bucket}{side},le=~"0\\\\.5"}}[5m]))))' in query


def test_p95_gate_compares_with_max_p95_or_the_stables_p95_plus_margin() -> None:
    query = _metrics("deploy-canary-alb")["p95-latency"]["provider"]["prometheus"]["query"]
    bucket = "adk_agent_request_duration_seconds_bucket"
    rate = f'rate({bucket}{{job="support-agent",{CANARY}}}[5m])'
    canary = f"histogram_quantile(0.95, sum by (le) ({rate}))"
    stable = canary.replace(CANARY, STABLE)
    assert query == (
        f"(({canary}) / clamp_min(({stable}) * 1.5 >= 0 or vector(0), 0.3))"
        f" and on() ({VOLUME} >= 100)"
    )


def test_volume_below_min_requests_is_inconclusive_never_failed() -> None:
    volume = _metrics("deploy-canary-alb")["request-volume"]
    assert volume["provider"]["prometheus"]["query"] == VOLUME
    assert volume["successCondition"] == "len(result) > 0 && result[0] >= 100"
    assert volume["failureCondition"] == "false"


@pytest.mark.parametrize(
    ("value", "phase"),
    [(0.0, "Successful"), (1.0, "Successful"), (1.01, "Failed"), (-0.5, "Inconclusive"),
     (float("nan"), "Inconclusive"), (float("-inf"), "Inconclusive"), (float("inf"), "Failed")],
)
def test_a_gate_value_that_is_not_a_ratio_never_promotes_the_canary(
    value: float, phase: str
) -> None:
    # Argo's semantics as checks/canary.py evaluates them, over the generated conditions: a
    # negative or NaN value (no ratio of non-negative rates is either) is inconclusive,
    # which pauses the rollout for a human, never Successful.
    for m in _metrics("deploy-canary-alb").values():
        if m["name"] == "request-volume":
            continue
        metric = Metric(
            template="t", name=m["name"], query="q", address="",
            success=m["successCondition"], failure=m["failureCondition"],
        )
        assert evaluate(metric, [value]).value == phase, m["name"]


def test_success_rate_gate_is_added_when_no_success_slo_is_named() -> None:
    metrics = _metrics("deploy-canary-gateway")
    assert list(metrics) == ["success-rate", "p95-latency", "request-volume", "slo-latency"]
    # min_success 99.5 -> allowed 0.005
    query = metrics["success-rate"]["provider"]["prometheus"]["query"]
    assert "+ 0.0025 >= 0 or vector(0), 0.005))" in query


def test_canary_watches_in_the_background_from_the_first_analysis_step() -> None:
    objs = case_objects("deploy-canary-alb")
    canary = objs["rollout.yaml"]["spec"]["strategy"]["canary"]
    assert canary["analysis"] == {
        "templates": [{"templateName": "support-agent-slo-watch"}],
        "args": HASH_ARGS,
        "startingStep": 2,
    }
    assert "analysis" in canary["steps"][2]
    watch = _metrics("deploy-canary-alb", "analysistemplate-slo-watch.yaml")
    gate = _metrics("deploy-canary-alb")
    assert all("count" not in m for m in watch.values())  # runs until the rollout ends
    assert {n: {**m, "count": 5} for n, m in watch.items()} == gate


@pytest.mark.parametrize("case", ["deploy-ab-alb-header", "deploy-ab-nginx-cookie"])
def test_ab_variant_b_is_watched_from_the_pause_on(case: str) -> None:
    canary = case_objects(case)["rollout.yaml"]["spec"]["strategy"]["canary"]
    start = canary["analysis"]["startingStep"]
    assert canary["steps"][start] == {"pause": {}}
    assert canary["analysis"]["args"] == HASH_ARGS


@pytest.mark.parametrize("case", CASES)
def test_the_hash_travels_from_pod_to_series(case: str) -> None:
    objs = case_objects(case)
    monitor = objs["servicemonitor.yaml"]["spec"]
    # the Argo canary's pods also carry the dashboards' `track` label (canary/stable)
    track = ["track"] if case.startswith("deploy-canary-") else []
    assert monitor["podTargetLabels"] == ["rollouts-pod-template-hash", *track]
    workload = objs.get("rollout.yaml") or objs["deployment.yaml"]
    annotations = workload["spec"]["template"]["metadata"]["annotations"]
    assert {k: v for k, v in annotations.items() if k.startswith("prometheus.io/")} == {
        "prometheus.io/path": "/metrics",
        "prometheus.io/port": "9464",
        "prometheus.io/scrape": "true",
    }
    # beside them, only the audit stream's (compliance.audit_log: the restricted gke case)
    audit = {k: v for k, v in annotations.items() if not k.startswith("prometheus.io/")}
    assert audit == ({"compliance.adk-observe.io/audit-log": "stderr",
                      "compliance.adk-observe.io/audit-retention-days": "365"}
                     if case == "deploy-canary-gke" else {})


def _write(tmp_path: Any, text: str) -> Any:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = (GOLDEN / "deploy-canary-nginx" / "spec.yaml").read_text(encoding="utf-8")


def test_a_custom_promql_sli_cannot_gate_the_canary(tmp_path: Any) -> None:
    text = BASE.replace(
        "  slos:\n",
        "  slos:\n    - name: checkout\n      objective: 99\n      sli:\n        events:\n"
        "          errors: sum(rate(x_total{code=~\"5..\"}[{{window}}]))\n"
        "          total: sum(rate(x_total[{{window}}]))\n",
        1,
    ).replace("analysis: {slos: [success, latency]", "analysis: {slos: [success, checkout]")
    with pytest.raises(SpecError) as err:
        load_specs([_write(tmp_path, text)])
    assert err.value.path == "spec.deploy.strategy.analysis.slos[1]"
    assert "custom PromQL SLI (events)" in err.value.message


def test_flagger_engine_is_for_canary_only(tmp_path: Any) -> None:
    text = (GOLDEN / "deploy-blue-green-alb" / "spec.yaml").read_text(encoding="utf-8")
    text = text.replace("type: blue-green", "type: blue-green\n      engine: flagger")
    with pytest.raises(SpecError) as err:
        load_specs([_write(tmp_path, text)])
    assert err.value.path == "spec.deploy.strategy.engine"
