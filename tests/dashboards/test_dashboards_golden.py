"""Golden files: `adk-observe dashboards` output for each case under tests/golden/dashboards-*/.

Regenerate with `pytest tests/dashboards --update-golden-dashboards` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.golden_files import compare

from adk_observe.checks.lint import check_dashboard, known_series, target_labels
from adk_observe.cli import main
from adk_observe.loader.load import load_specs
from adk_observe.rules.compile import compile_service

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted(p for p in (ROOT / "tests" / "golden").glob("dashboards-*") if p.is_dir())


def test_there_are_golden_cases() -> None:
    assert [c.name for c in CASES] == ["dashboards-custom-sli", "dashboards-support-agent"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_dashboards_match_the_golden_files(
    case: Path, tmp_path: Path, in_root: Path, update_golden: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = case.relative_to(ROOT) / "spec.yaml"
    assert main(["dashboards", str(spec), "-o", str(tmp_path)]) == 0
    produced = sorted(p.name for p in tmp_path.glob("*.json"))
    assert capsys.readouterr().out.splitlines() == [f"wrote {tmp_path / n}" for n in produced]
    compare(tmp_path, case, update_golden, keep=lambda rel: rel.endswith(".json"))


def test_committed_dashboards_are_fresh(in_root: Path, tmp_path: Path) -> None:
    """`make gen` writes the example's dashboards into dashboards/; they must match the code."""
    committed = ROOT / "dashboards"
    if not committed.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("dashboards/ is missing: run `make gen`")
        pytest.skip("dashboards/ not generated yet (make gen)")
    assert main(["dashboards", "examples/support-agent.yaml", "-o", str(tmp_path)]) == 0
    for produced in sorted(tmp_path.glob("*.json")):
        current = committed / produced.name
        assert current.is_file(), f"dashboards/{produced.name} is missing: run `make gen`"
        assert current.read_text(encoding="utf-8") == produced.read_text(encoding="utf-8"), (
            f"dashboards/{produced.name} is stale: run `make gen`"
        )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_dashboards_pass_the_lint(case: Path) -> None:
    spec = load_specs([case / "spec.yaml"])[0]
    known = known_series(spec, compile_service(spec))
    files = sorted(case.glob("*.json"))
    assert len(files) == 2
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert check_dashboard(path.name, data, known, target_labels(spec)) == []
