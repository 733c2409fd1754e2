"""The Argo Rollouts pre-promotion Job in docs/error-budgets.md is a valid manifest that runs a
valid `adk-observe gate` command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from tests.conftest import SHARED, in_ci

from adk_observe.cli import _parser, main

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "error-budgets.md").read_text()


def _block(first_line: str) -> str:
    return next(
        b for b in re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S) if b.startswith(first_line)
    )


def test_the_job_runs_a_gate_command_the_cli_accepts() -> None:
    template = yaml.safe_load(_block("# error-budget-gate.yaml"))
    job = template["spec"]["metrics"][0]["provider"]["job"]
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    args = [a.replace("{{args.min-budget}}", "25") for a in args]
    parsed = _parser().parse_args(args)
    assert (parsed.command, parsed.min_budget, parsed.max_burn) == ("gate", 25.0, 2.0)


def test_the_analysis_template_passes_the_deploy_gates(tmp_path: Path) -> None:
    schemas = SHARED / "crd-schemas"
    if not schemas.is_dir():
        if in_ci():
            pytest.fail(f"{schemas} is missing")
        pytest.skip(f"{schemas} is missing")
    (tmp_path / "error-budget-gate.yaml").write_text(_block("# error-budget-gate.yaml"))
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [error-budget-gate.yaml]\n"
    )
    assert main(["check-deploy", str(tmp_path), "--crd-schemas", str(schemas), "--no-checkov"]) == 0
