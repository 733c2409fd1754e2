"""Golden files: `render-deploy` of each case's spec.yaml must equal the case's out/ folder.

Regenerate after an intended change: pytest tests/deploy --update-golden-deploy
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.deploy.cases import CASES, GOLDEN, ROOT

from adk_observe.cli import main


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_there_is_a_case_for_every_strategy_and_load_balancer() -> None:
    assert CASES == [
        "deploy-ab-alb-header",
        "deploy-ab-nginx-cookie",
        "deploy-blue-green-alb",
        "deploy-canary-alb",
        "deploy-canary-gateway",
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
    expected_dir = GOLDEN / case / "out"
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(tmp_path, expected_dir)
    assert _tree(tmp_path) == _tree(expected_dir)


def test_rendering_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    spec = "tests/golden/deploy-canary-alb/spec.yaml"
    assert main(["render-deploy", spec, "-o", str(tmp_path / "a")]) == 0
    assert main(["render-deploy", spec, "-o", str(tmp_path / "b")]) == 0
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_generated_deploy_folder_is_fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make gen` writes the reference example into deploy/; it must match the renderer."""
    monkeypatch.chdir(ROOT)
    if not (ROOT / "deploy").is_dir():
        pytest.fail("deploy/ is missing: run make gen")
    assert main(["render-deploy", "examples/support-agent.yaml", "-o", str(tmp_path)]) == 0
    assert _tree(tmp_path) == _tree(ROOT / "deploy")
