"""Fixtures of the deploy tests: golden cases, the CR schema folder and one checkov run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.deploy.cases import CASES, ROOT, rendered

from adk_observe.checks import deploy_gates as gates
from adk_observe.checks.crd_schemas import SchemaSet, schema_set


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden-deploy"))


def _ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def crd_schemas() -> Path:
    """../shared/crd-schemas or $ADK_OBSERVE_CRD_SCHEMAS; missing is a skip, under CI a failure."""
    env = os.environ.get(gates.CRD_SCHEMAS_ENV)
    path = Path(env) if env else ROOT.parent / "shared" / "crd-schemas"
    if not path.is_dir():
        if _ci():
            pytest.fail(f"CR schema folder {path} is missing (CI=true)")
        pytest.skip(f"CR schema folder {path} is missing")
    return path


@pytest.fixture(scope="session")
def schemas(crd_schemas: Path) -> SchemaSet:
    """The packaged schemas with the catalogue folder over them (an editable install's package
    holds adk-observe's own schemas only; the wheel also carries the catalogue's)."""
    return schema_set(str(crd_schemas))


@pytest.fixture(scope="session")
def checkov_binary() -> str:
    binary = os.environ.get(gates.CHECKOV_ENV) or str(ROOT / ".venv-checkov" / "bin" / "checkov")
    if not Path(binary).is_file():
        if _ci():
            pytest.fail(f"checkov not found at {binary} (CI=true)")
        pytest.skip(f"checkov not found at {binary}")
    return binary


@pytest.fixture(scope="session")
def golden_folders() -> list[Path]:
    """Every service folder of every golden case (what render-deploy writes)."""
    folders: list[Path] = []
    for case in CASES:
        folders += gates.folders(rendered(case))
    return folders


INSECURE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: insecure, namespace: demo}
spec:
  selector: {matchLabels: {app: insecure}}
  template:
    metadata: {labels: {app: insecure}}
    spec:
      containers: [{name: app, image: "nginx:latest"}]
"""


@pytest.fixture(scope="session")
def insecure_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("insecure")
    (folder / "deployment.yaml").write_text(INSECURE_DEPLOYMENT, encoding="utf-8")
    (folder / "kustomization.yaml").write_text("resources: [deployment.yaml]\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def checkov_failures(
    checkov_binary: str, golden_folders: list[Path], insecure_folder: Path
) -> dict[str, list[str]]:
    """One checkov run over every golden folder and a known-insecure one (checkov is slow)."""
    return gates.run_checkov(checkov_binary, [*golden_folders, insecure_folder])
