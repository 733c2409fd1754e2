"""Paths of the deploy tests' golden cases and helpers shared by the test modules."""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from adk_observe.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(p.name for p in GOLDEN.glob("deploy-*") if (p / "spec.yaml").is_file())


@functools.cache
def rendered(case: str) -> Path:
    """The folder `render-deploy` writes for a case's spec (rendered once per test process).
    Tests of whole folders (gates, checkov) use it rather than the golden out/, which keeps the
    PrometheusRule of one case only (test_golden.py)."""
    root = Path(tempfile.mkdtemp(prefix=f"{case}-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(io.StringIO()):
        assert main(["render-deploy", f"tests/golden/{case}/spec.yaml", "-o", str(root)]) == 0
    return root


def case_objects(case: str) -> dict[str, dict[str, Any]]:
    """{file name: object} of a case's rendered service folder."""
    (folder,) = rendered(case).iterdir()
    return {
        p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))
    }
