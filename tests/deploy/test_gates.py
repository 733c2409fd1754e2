"""The gates of check-deploy: every golden rendering passes each one, and each gate fails on
the mistake it exists for."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.deploy.cases import CASES, case_objects, rendered

from adk_observe.checks import deploy_gates as gates
from adk_observe.checks.crd_schemas import SchemaSet, schema_set
from adk_observe.cli import main


def _folder(case: str) -> Path:
    (folder,) = rendered(case).iterdir()
    return folder


@pytest.mark.parametrize("case", CASES)
def test_golden_renderings_pass_every_schema_and_security_gate(
    case: str, schemas: SchemaSet
) -> None:
    results = gates.check_folder(_folder(case), schemas, checkov_failed={})
    assert [(r.name, r.failures) for r in results if r.failures] == []
    by_name = {r.name.split(" (")[0]: r for r in results}
    objects = case_objects(case)
    workload = objects.get("deployment.yaml") or objects["rollout.yaml"]
    custom = [
        o
        for o in objects.values()
        if o["kind"]
        in {
            "Rollout",
            "AnalysisTemplate",
            "ServiceMonitor",
            "PrometheusRule",
            "HTTPRoute",
            "Canary",
            "MetricTemplate",
            "Gateway",
            "BackendConfig",
            "FrontendConfig",
            "ManagedCertificate",
            "HealthCheckPolicy",
            "GCPBackendPolicy",
            "GCPGatewayPolicy",
            "ExternalSecret",
        }
    ]
    assert by_name["custom-resource schemas"].checked == len(custom)
    assert by_name['Pod Security Standards "restricted"'].checked == 1
    assert workload["kind"] in ("Deployment", "Rollout")


@pytest.mark.parametrize("case", CASES)
def test_checkov_reports_no_failed_check(case: str, checkov_failures: dict[str, list[str]]) -> None:
    assert checkov_failures[str(_folder(case))] == []


def test_checkov_gate_fails_an_insecure_deployment(
    checkov_failures: dict[str, list[str]], insecure_folder: Path
) -> None:
    failed = checkov_failures[str(insecure_folder)]
    ids = {line.split()[1] for line in failed}
    # no limits, runs as root, writable root filesystem, tag instead of digest
    assert {"CKV_K8S_11", "CKV_K8S_23", "CKV_K8S_22", "CKV_K8S_43"} <= ids


def _manifest(obj: dict[str, Any]) -> gates.Manifest:
    return gates.Manifest("x.yaml", obj)


def test_strict_schema_rejects_an_unknown_field_on_every_version() -> None:
    deployment = copy.deepcopy(case_objects("deploy-rolling-nginx")["deployment.yaml"])
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContex"] = {}
    result, custom = gates.gate_kubernetes_schemas([_manifest(deployment)])
    assert custom == []
    assert [f.split(": ")[2] for f in result.failures] == [
        f"Kubernetes {v}" for v in gates.KUBERNETES_VERSIONS
    ]


def test_rollout_pod_template_is_validated_with_the_core_schema() -> None:
    rollout = copy.deepcopy(case_objects("deploy-canary-alb")["rollout.yaml"])
    rollout["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"] = "1Gi"
    result, custom = gates.gate_kubernetes_schemas([_manifest(rollout)])
    assert [m.obj["kind"] for m in custom] == ["Rollout"]  # still checked against its CR schema
    assert len(result.failures) == len(gates.KUBERNETES_VERSIONS)
    assert "pod template (validated as a Deployment's)" in result.failures[0]


def test_custom_resource_with_unknown_field_fails(schemas: SchemaSet) -> None:
    monitor = copy.deepcopy(case_objects("deploy-canary-alb")["servicemonitor.yaml"])
    monitor["spec"]["jobLabels"] = "oops"
    result = gates.gate_custom_resources([_manifest(monitor)], schemas)
    assert len(result.failures) == 1
    assert "jobLabels" in result.failures[0]


def test_a_kind_without_schema_fails(schemas: SchemaSet) -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    result = gates.gate_custom_resources([_manifest(obj)], schemas)
    assert result.failures == [
        f"x.yaml: Widget/w: no schema for example.com/v1 Widget "
        f"(looked for example.com/widget_v1.json in {', '.join(schemas.layers)})"
    ]


def test_an_object_without_namespace_fails() -> None:
    service = copy.deepcopy(case_objects("deploy-canary-alb")["service.yaml"])
    del service["metadata"]["namespace"]
    namespace = case_objects("deploy-canary-alb")["namespace.yaml"]
    result = gates.gate_namespaces([_manifest(service), _manifest(namespace)])
    assert result.failures == ["x.yaml: Service/support-agent: no metadata.namespace"]


def _copy_case(case: str, tmp_path: Path) -> Path:
    target = tmp_path / "out"
    shutil.copytree(rendered(case), target)
    return target


def test_check_deploy_exits_0_and_reports_each_gate(
    tmp_path: Path, crd_schemas: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _copy_case("deploy-blue-green-alb", tmp_path)
    code = main(["check-deploy", str(out), "--crd-schemas", str(crd_schemas), "--no-checkov"])
    report = capsys.readouterr().out
    assert code == 0
    assert report.splitlines() == [
        f"== {out / 'billing-agent'}",
        "  PASS  kustomization.yaml lists every file (15 checked)",
        "  PASS  explicit namespaces (15 checked)",
        "  PASS  kubernetes-validate --strict (1.29, 1.31, 1.33, 1.35) (12 checked)",
        f"  PASS  custom-resource schemas ({schema_set(str(crd_schemas)).describe()}) "
        "(4 checked)",
        '  PASS  Pod Security Standards "restricted" (1 checked)',
        "  SKIP  checkov --framework kubernetes - skipped (--no-checkov)",
        "all gates passed",
    ]


def test_check_deploy_exits_1_when_a_gate_fails(
    tmp_path: Path, crd_schemas: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _copy_case("deploy-rolling-nginx", tmp_path)
    path = out / "faq-agent" / "deployment.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = True
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    (out / "faq-agent" / "extra.yaml").write_text("{}\n", encoding="utf-8")
    code = main(["check-deploy", str(out), "--crd-schemas", str(crd_schemas), "--no-checkov"])
    report = capsys.readouterr().out
    assert code == 1
    assert "  FAIL  kustomization.yaml lists every file (15 checked)" in report
    assert "        extra.yaml: not listed in kustomization.yaml" in report
    assert (
        "        deployment.yaml: Deployment/faq-agent: Privileged Containers: "
        "spec.template.spec.containers[0].securityContext.privileged: must be false or unset"
    ) in report
    assert report.endswith("some gates FAILED\n")


def test_check_deploy_without_a_rendering_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-deploy", str(tmp_path), "--no-checkov"]) == 2
    assert capsys.readouterr().err == f"error: no kustomization.yaml under {tmp_path}\n"
