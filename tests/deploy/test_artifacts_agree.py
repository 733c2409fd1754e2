"""The artifacts agree: for every example spec and every strategy x engine x load balancer, every
selector of the rules, both dashboards, the canary analysis (Argo AnalysisTemplates, Flagger
MetricTemplates) and lint's service selector matches at least one series that the rendered
deploy would produce, through the Prometheus Operator's ServiceMonitor and through the plain
scrape job alike (series_universe.py builds them from the rendered objects only).

And it fails when the deploy and the queries drift: the container named `agent` (as render-deploy
named it before), or another container name or namespace for the workload alone."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from tests.deploy import series_universe as su
from tests.deploy.cases import ROOT
from tests.deploy.test_matrix import _accepted, _spec

from adk_observe.checks.lint import dashboard_queries, rule_expressions
from adk_observe.dashboards import dashboard_files
from adk_observe.deploy import kustomize, scrape
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec
from adk_observe.rules import compile_service, service_selector

EXAMPLES = sorted(
    p for p in (ROOT / "examples").glob("*.yaml") if "\n  deploy:" in p.read_text(encoding="utf-8")
)
ARGS = {"{{args.canary-hash}}": su.HASHES["canary"], "{{args.stable-hash}}": su.HASHES["stable"]}


def _flagger_vars(spec: ServiceSpec) -> dict[str, str]:
    return {"{{ namespace }}": spec.namespace, "{{ target }}": spec.name, "{{ interval }}": "1m"}


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def queries(spec: ServiceSpec, objects: list[dict[str, Any]]) -> list[su.Selector]:
    found = su.selectors("lint: the service selector", "{" + service_selector(spec) + "}")
    for where, expr in rule_expressions(compile_service(spec)):
        found += su.selectors(where, expr)
    for name, data in dashboard_files(spec).items():
        for where, expr in dashboard_queries(name, data):
            found += su.selectors(where, expr)
    for obj in objects:
        if obj["kind"] == "AnalysisTemplate":
            for metric in obj["spec"]["metrics"]:
                query = _fill(metric["provider"]["prometheus"]["query"], ARGS)
                found += su.selectors(f"{obj['metadata']['name']}/{metric['name']}", query)
        elif obj["kind"] == "MetricTemplate":
            query = _fill(obj["spec"]["query"], _flagger_vars(spec))
            found += su.selectors(f"MetricTemplate {obj['metadata']['name']}", query)
    return found


def disagreements(
    spec: ServiceSpec, objects: list[dict[str, Any]], job: dict[str, Any]
) -> dict[str, list[str]]:
    """Unmatched selectors with the Operator's scrape and with the plain job."""
    found = queries(spec, objects)
    pods = su.pods(objects)
    return {
        "operator": su.unmatched(su.universe(objects, su.operator_targets(objects, pods)), found),
        "plain job": su.unmatched(su.universe(objects, su.plain_targets(job, pods)), found),
    }


def rendered(spec: ServiceSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    files = kustomize.files(spec)
    objects = [
        o
        for rel, o in files.items()
        if rel not in (kustomize.KUSTOMIZATION, scrape.SCRAPE_CONFIG_FILE)
    ]
    (job,) = files[scrape.SCRAPE_CONFIG_FILE]["scrape_configs"]
    return objects, job


def _matrix_spec(combo: tuple[str, str, str], tmp_path: Path) -> ServiceSpec:
    path = tmp_path / "spec.yaml"
    path.write_text(_spec(*combo), encoding="utf-8")
    (spec,) = load_specs([path])
    return spec


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_deploy_agrees_with_its_queries(example: Path) -> None:
    for spec in load_specs([example]):
        objects, job = rendered(spec)
        assert disagreements(spec, objects, job) == {"operator": [], "plain job": []}


@pytest.mark.parametrize("combo", _accepted(), ids="-".join)
def test_every_strategy_and_class_agrees_with_its_queries(
    combo: tuple[str, str, str], tmp_path: Path
) -> None:
    spec = _matrix_spec(combo, tmp_path)
    objects, job = rendered(spec)
    assert disagreements(spec, objects, job) == {"operator": [], "plain job": []}


def _workload(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] in su.WORKLOAD_KINDS)


def _support_agent() -> tuple[ServiceSpec, list[dict[str, Any]], dict[str, Any]]:
    (spec,) = load_specs([ROOT / "examples" / "support-agent.yaml"])
    objects, job = rendered(spec)
    return spec, copy.deepcopy(objects), job


CONTAINER_ALERT_SERIES = {
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "kube_pod_container_resource_limits",
    "kube_pod_container_status_restarts_total",
    "kube_pod_container_status_last_terminated_reason",
}


@pytest.mark.parametrize("name", ["agent", "support-agent-main"])
def test_a_container_renamed_alone_is_caught(name: str) -> None:
    """`agent` is what render-deploy named the container before the rules' container alerts
    and the overview's Containers row were made to agree with it."""
    spec, objects, job = _support_agent()
    _workload(objects)["spec"]["template"]["spec"]["containers"][0]["name"] = name
    found = disagreements(spec, objects, job)
    for path in ("operator", "plain job"):
        series = {line.split(": ")[-1].split("{")[0] for line in found[path]}
        assert series == CONTAINER_ALERT_SERIES, found[path]
        assert any("rule group" in line for line in found[path])
        assert any("overview" in line for line in found[path])


def test_the_workload_moved_to_another_namespace_alone_is_caught() -> None:
    spec, objects, job = _support_agent()
    _workload(objects)["metadata"]["namespace"] = "elsewhere"
    found = disagreements(spec, objects, job)
    for path in ("operator", "plain job"):
        series = {line.split(": ")[-1].split("{")[0] for line in found[path]}
        # no scrape target any more, and the container series are in another namespace
        assert {"adk_agent_requests_total", "up"} | CONTAINER_ALERT_SERIES <= series, found[path]
        assert any("slo-gate" in line for line in found[path])
