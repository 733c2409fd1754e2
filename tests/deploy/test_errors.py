"""Bad deploy input: a clear one-line error naming file, line and key path, exit code 2, and
nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.deploy.cases import GOLDEN

from adk_observe.cli import main

BASE = (GOLDEN / "deploy-canary-alb" / "spec.yaml").read_text(encoding="utf-8")
DIGEST = "@sha256:4f5e8b2a9c1d3e7f6a0b8c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f"

# (case, text on the line the error must point at, text replaced in the reference spec,
#  replacement, key path, message)
CASES: list[tuple[str, str, str, str, str, str]] = [
    (
        "image tag without digest",
        "image: ghcr.io/acme/support-agent:1.4.2",
        f"support-agent{DIGEST}",
        "support-agent:1.4.2",
        "spec.deploy.image",
        "image 'ghcr.io/acme/support-agent:1.4.2' is not pinned by digest "
        "(name@sha256:<64 hex>); a tag can be moved to other content. "
        "Set allow_tag: true to accept it anyway",
    ),
    (
        "latest tag even when tags are allowed",
        "image: ghcr.io/acme/support-agent:latest",
        f"image: ghcr.io/acme/support-agent{DIGEST}",
        "image: ghcr.io/acme/support-agent:latest\n    allow_tag: true",
        "spec.deploy.image",
        "image 'ghcr.io/acme/support-agent:latest' needs an explicit tag other than latest",
    ),
    (
        "malformed image reference",
        "image: ghcr.io/Acme",
        f"ghcr.io/acme/support-agent{DIGEST}",
        "ghcr.io/Acme/support agent",
        "spec.deploy.image",
        "'ghcr.io/Acme/support agent' is not a valid image reference",
    ),
    (
        "invalid host name",
        "host: Agent_Example.com",
        "host: agent.example.com",
        "host: Agent_Example.com",
        "spec.deploy.ingress.host",
        "'Agent_Example.com' is not a valid DNS host name",
    ),
    (
        "invalid secret name",
        "{name: LLM_Keys,",
        "{name: support-agent-llm,",
        "{name: LLM_Keys,",
        "spec.deploy.secrets[0].name",
        "'LLM_Keys' is not a valid DNS label of at most 56 characters "
        "(it also names the pod volume secret-<name>)",
    ),
    (
        "memory request above the limit",
        "{cpu: 250m, memory: 2Gi",
        "memory_utilization: 80}",
        "memory_utilization: 80}\n    resources:\n      requests: "
        "{cpu: 250m, memory: 2Gi, ephemeral_storage: 256Mi}",
        "spec.deploy.resources.requests.memory",
        "request 2Gi is above the limit 1Gi",
    ),
    (
        "invalid namespace for the ingress controller",
        "controller_namespace: Ingress_NS",
        "      allow_cidrs:",
        "      controller_namespace: Ingress_NS\n      allow_cidrs:",
        "spec.deploy.ingress.controller_namespace",
        "String should match pattern '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'",
    ),
    (
        "app port clashes with the metrics port",
        "app_port: 9464",
        "    scaling:",
        "    app_port: 9464\n    scaling:",
        "spec.deploy.app_port",
        "port 9464 clashes with the metrics port (spec.telemetry.metrics.port)",
    ),
    (
        "canary weights out of order",
        "steps: [10, 50, 25]",
        "steps: [10, 25, 50]",
        "steps: [10, 50, 25]",
        "spec.deploy.strategy.steps[2]",
        "weight 25 is not above the previous step 50: canary weights must increase",
    ),
    (
        "canary weight above 100",
        "steps: [10, 50, 120]",
        "steps: [10, 25, 50]",
        "steps: [10, 50, 120]",
        "spec.deploy.strategy.steps[2]",
        "weight 120 must be within 1..100",
    ),
    (
        "analysis names an SLO that does not exist",
        "slos: [success, latncy]}",
        "slos: [success, latency]}",
        "slos: [success, latncy]}",
        "spec.deploy.strategy.analysis.slos[1]",
        "analysis names SLO 'latncy', which the spec does not define "
        "(SLOs: availability, latency, satisfaction, success)",
    ),
    (
        "min above max replicas",
        "scaling: {min: 12",
        "scaling: {min: 3, max: 10,",
        "scaling: {min: 12, max: 10,",
        "spec.deploy.scaling.min",
        "min replicas 12 is above max replicas 10",
    ),
    (
        "ALB without a certificate",
        "    ingress:",
        "      certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/"
        "0a1b2c3d-4e5f-6789-abcd-ef0123456789\n",
        "",
        "spec.deploy.ingress.certificate_arn",
        "the ALB needs an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)"
        " for HTTPS",
    ),
    (
        "ALB without the VPC CIDRs its traffic comes from",
        "    ingress:",
        "      allow_cidrs: [10.0.0.0/16]\n",
        "",
        "spec.deploy.ingress.allow_cidrs",
        "the ALB (target type ip) reaches pods from its VPC addresses: list the VPC CIDR(s) in "
        "allow_cidrs so the NetworkPolicy lets its traffic and health checks in",
    ),
    (
        "cookie match on an ALB",
        "match: {cookie: beta",
        "      type: canary\n      steps: [10, 25, 50]\n      analysis: {slos: [success, latency]}",
        "      type: ab\n      match: {cookie: beta, value: always}",
        "spec.deploy.strategy.match.cookie",
        "cookie matching needs class nginx (canary-by-cookie); use a header match",
    ),
    (
        "unknown key",
        "replicas: 3",
        "    scaling:",
        "    replicas: 3\n    scaling:",
        "spec.deploy.replicas",
        "unknown key",
    ),
    (
        "the default namespace",
        "metadata:",
        "  namespace: adk-agents\n",
        "",
        "metadata.namespace",
        "a deployed service needs its own namespace (metadata.namespace), not default",
    ),
]


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("marker", "old", "new", "path", "message"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_input_is_a_located_error_with_exit_2_and_no_output(
    marker: str,
    old: str,
    new: str,
    path: str,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["render-deploy", str(spec), "-o", str(out)]) == 2
    line = _line_of(text, marker)
    assert capsys.readouterr().err == f"error: {spec}:{line}: {path}: {message}\n"
    assert not out.exists()


def test_a_spec_without_deploy_section_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE[: BASE.index("  deploy:")], encoding="utf-8")
    assert main(["render-deploy", str(spec), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"error: {spec}:5: spec.deploy: service 'support-agent' has no deploy section "
        "(spec.deploy)\n"
    )
    assert not (tmp_path / "out").exists()


def test_an_imported_spec_is_told_render_deploy_takes_a_v1_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Sloth file has no `spec.deploy` key to point at: the line names where its service is."""
    spec = tmp_path / "sloth.yaml"
    spec.write_text(
        "version: prometheus/v1\n"
        "service: shop\n"
        "slos:\n"
        "  - name: up\n"
        "    objective: 99\n"
        "    sli: {raw: {error_ratio_query: 'sum(rate(e[{{.window}}]))"
        " / sum(rate(t[{{.window}}]))'}}\n"
        "    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}\n",
        encoding="utf-8",
    )
    assert main(["render-deploy", str(spec), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"error: {spec}:2: service: service 'shop' comes from an imported spec, which has no "
        "deploy section: render-deploy takes an adk-observe/v1 spec with spec.deploy\n"
    )
    assert not (tmp_path / "out").exists()


def test_one_bad_spec_among_several_writes_nothing(tmp_path: Path) -> None:
    good = GOLDEN / "deploy-rolling-nginx" / "spec.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("steps: [10, 25, 50]", "steps: [50, 25]"), encoding="utf-8")
    assert main(["render-deploy", str(good), str(bad), "-o", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
