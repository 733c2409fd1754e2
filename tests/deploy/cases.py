"""Paths of the deploy tests' golden cases and helpers shared by the test modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(p.name for p in GOLDEN.glob("deploy-*") if (p / "spec.yaml").is_file())


def case_objects(case: str) -> dict[str, dict[str, Any]]:
    """{file name: object} of a golden case's rendered service folder."""
    (folder,) = (GOLDEN / case / "out").iterdir()
    return {
        p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))
    }
