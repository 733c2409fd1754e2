"""service.version and deployment.environment.name: from the spec into the ConfigMap, the trace
resource and the workload's app.kubernetes.io labels; bad values and legacy Jaeger endpoints are
located spec errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.deploy.cases import GOLDEN, case_objects

from adk_observe.cli import main
from adk_observe.instrument.options import resolve_options
from adk_observe.instrument.tracing import make_resource

SUPPORT = GOLDEN / "deploy-canary-alb" / "spec.yaml"


def test_the_workload_and_its_pods_carry_version_and_component_labels() -> None:
    rollout = case_objects("deploy-canary-alb")["rollout.yaml"]
    template = rollout["spec"]["template"]
    for labels in (rollout["metadata"]["labels"], template["metadata"]["labels"]):
        assert labels["app.kubernetes.io/version"] == "1.4.2"
        assert labels["app.kubernetes.io/component"] == "agent"
    # The selector stays the immutable name label only: a new version must not orphan pods.
    selector = {"matchLabels": {"app.kubernetes.io/name": "support-agent"}}
    assert rollout["spec"]["selector"] == selector


def test_no_version_label_without_a_version_in_the_spec() -> None:
    deployment = case_objects("deploy-rolling-nginx")["deployment.yaml"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert "app.kubernetes.io/version" not in labels
    assert labels["app.kubernetes.io/component"] == "agent"


def test_the_configmap_gives_the_pod_the_specs_resource() -> None:
    data = case_objects("deploy-canary-alb")["configmap.yaml"]["data"]
    assert data["OTEL_RESOURCE_ATTRIBUTES"] == (
        "deployment.environment.name=production,service.version=1.4.2")
    assert data["OTEL_SERVICE_NAME"] == "support-agent"
    resource = make_resource(resolve_options(environ=data)).attributes
    assert resource["service.name"] == "support-agent"
    assert resource["service.version"] == "1.4.2"
    assert resource["deployment.environment.name"] == "production"


def _bad(tmp_path: Path, old: str, new: str) -> Path:
    text = SUPPORT.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_legacy_jaeger_endpoint_in_the_spec_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _bad(tmp_path, "http://jaeger-collector.observability:4318",
                "http://jaeger-collector.observability:14268/api/traces")
    assert main(["render-deploy", str(path), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    line = _line(path, "14268")
    assert err.startswith(f"error: {path}:{line}: spec.telemetry.tracing.endpoint: ")
    assert "use http://jaeger-collector.observability:4318/v1/traces" in err
    assert not (tmp_path / "out").exists()


def test_a_version_that_is_not_a_label_value_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _bad(tmp_path, "service_version: 1.4.2", "service_version: 1.4.2+build/7")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    line = _line(path, "service_version")
    assert err.startswith(f"error: {path}:{line}: spec.telemetry.resource.service_version: ")
