"""Golden files: `render-deploy` of each case's spec.yaml must equal the case's out/ folder.

The PrometheusRule (~350 lines, the compiled SLO rules) is kept in one case's golden only
(RULE_CASE); in the others it is checked to be exactly the rules compiler's output with the
deploy's labels, which the rules goldens already pin down.

Regenerate after an intended change: pytest tests/deploy --update-golden-deploy
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.deploy.cases import CASES, GOLDEN, ROOT
from tests.golden_files import compare, tree

from adk_observe.cli import main
from adk_observe.cli.common import with_runbooks
from adk_observe.deploy.meta import CLASSIFICATION_LABEL
from adk_observe.loader.load import load_specs
from adk_observe.rules import compile_service, prometheus_rule

RULE_CASE = "deploy-canary-alb"
RULE_FILE = "prometheusrule-slos.yaml"


def test_there_is_a_case_for_every_strategy_and_load_balancer() -> None:
    assert CASES == [
        "deploy-ab-alb-header",
        "deploy-ab-nginx-cookie",
        "deploy-blue-green-alb",
        "deploy-blue-green-gke-gateway",
        "deploy-canary-alb",
        "deploy-canary-gateway",
        "deploy-canary-gke",
        "deploy-canary-nginx",
        "deploy-flagger-canary-gateway",
        "deploy-flagger-canary-nginx",
        "deploy-rolling-gateway",
        "deploy-rolling-nginx",
    ]


@pytest.mark.parametrize("case", CASES)
def test_render_deploy_matches_golden(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, update_golden: bool
) -> None:
    monkeypatch.chdir(ROOT)  # the generated-by header names the spec relative to the repo
    spec = f"tests/golden/{case}/spec.yaml"
    assert main(["render-deploy", spec, "-o", str(tmp_path)]) == 0
    with_rule = case == RULE_CASE
    compare(tmp_path, GOLDEN / case / "out", update_golden,
            keep=lambda rel: with_rule or Path(rel).name != RULE_FILE)


@pytest.mark.parametrize("case", CASES)
def test_the_prometheus_rule_is_the_rules_compilers_output(case: str, tmp_path: Path) -> None:
    (spec,) = load_specs([GOLDEN / case / "spec.yaml"])
    assert spec.deploy is not None
    assert main(["render-deploy", str(GOLDEN / case / "spec.yaml"), "-o", str(tmp_path)]) == 0
    rendered = yaml.safe_load((tmp_path / spec.name / RULE_FILE).read_text(encoding="utf-8"))
    # render-deploy gives a spec without runbook_base_url the default runbook folder (cli).
    (linked,) = with_runbooks([spec], None)
    expected = prometheus_rule(linked, compile_service(linked))
    # The deploy adds the labels its Prometheus Operator selects PrometheusRules on, and the
    # data classification every deployed object carries.
    classification = {CLASSIFICATION_LABEL: spec.deploy.compliance.data_classification.value}
    extra = {**classification, **dict(spec.deploy.monitoring.labels)}
    expected["metadata"]["labels"] = dict(
        sorted({**expected["metadata"]["labels"], **extra}.items())
    )
    assert rendered == expected
    assert rendered["spec"]["groups"], "a service with SLOs has rule groups"


def test_rendering_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    spec = "tests/golden/deploy-canary-alb/spec.yaml"
    assert main(["render-deploy", spec, "-o", str(tmp_path / "a")]) == 0
    assert main(["render-deploy", spec, "-o", str(tmp_path / "b")]) == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_generated_deploy_folder_is_fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make gen` writes the reference example into deploy/; it must match the renderer."""
    monkeypatch.chdir(ROOT)
    if not (ROOT / "deploy").is_dir():
        pytest.fail("deploy/ is missing: run make gen")
    assert main(["render-deploy", "examples/support-agent.yaml", "-o", str(tmp_path)]) == 0
    assert tree(tmp_path) == tree(ROOT / "deploy")
