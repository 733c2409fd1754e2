"""Golden files of compile-rules: every SLI kind, every input format, both output formats and
custom windows. Regenerate with `pytest tests/rules --update-golden` and read the diff."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from tests.conftest import SHARED, in_ci
from tests.golden_files import compare
from tests.rules.support import GOLDEN, ROOT, compile_rules, run_promtool, tree

CASES = sorted(p.name for p in GOLDEN.glob("rules-*") if (p / "spec.yaml").is_file())
# Emitted promtool tests of these cases run in test_promtool (the others would take minutes).
WITH_TESTS = {"rules-custom", "rules-fleet"}
RUNBOOK_ROOT = "https://runbooks.example.com"


def test_case_count_guard() -> None:
    # Adding or losing a case must be a visible change.
    assert CASES == [
        "rules-builtins", "rules-custom", "rules-fleet", "rules-openslo", "rules-sloth"
    ]


def _render(case: str, out: Path) -> dict[str, str]:
    # Relative to the repository root, so the generated-by header is the same in every clone.
    spec = (GOLDEN / case / "spec.yaml").relative_to(ROOT)
    # A fixed runbook root for specs without runbook_base_url (the default is a file:// URL
    # of the current directory, which differs between checkouts).
    extra = ["--runbook-base-url", RUNBOOK_ROOT]
    extra += ["--emit-tests"] if case in WITH_TESTS else []
    assert compile_rules(spec, out / "prometheus", *extra) == 0
    assert compile_rules(spec, out / "operator", "--format", "operator", *extra[:2]) == 0
    for target in ("thanos", "mimir"):  # the other rule engines (rules/targets.py)
        assert compile_rules(spec, out / target, "--target", target, *extra[:2]) == 0
    return tree(out)


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path, update_golden_rules: bool,
                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    _render(case, tmp_path)
    compare(tmp_path, GOLDEN / case / "out", update_golden_rules)


@pytest.mark.parametrize("case", CASES)
def test_golden_rules_pass_promtool_check(case: str, promtool: str) -> None:
    files = sorted(str(p) for p in (GOLDEN / case / "out" / "prometheus").glob("*.rules.yaml"))
    assert files
    result = run_promtool(promtool, "check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def _prometheusrule_schema() -> dict[str, object]:
    path = SHARED / "crd-schemas" / "monitoring.coreos.com" / "prometheusrule_v1.json"
    if not path.is_file():
        if in_ci():
            pytest.fail(f"{path} is missing")
        pytest.skip(f"{path} is missing")
    schema: dict[str, object] = json.loads(path.read_text())
    return schema


@pytest.mark.parametrize("case", CASES)
def test_operator_output_validates_against_the_crd_schema(case: str) -> None:
    schema = _prometheusrule_schema()
    files = list((GOLDEN / case / "out" / "operator").glob("*.prometheusrule.yaml"))
    assert files
    for path in files:
        doc = yaml.safe_load(path.read_text())
        jsonschema.Draft7Validator(schema).validate(doc)
        assert doc["apiVersion"] == "monitoring.coreos.com/v1"
        assert doc["kind"] == "PrometheusRule"


def test_the_schema_check_rejects_a_broken_prometheusrule() -> None:
    schema = _prometheusrule_schema()
    doc = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
           "metadata": {"name": "x"}, "spec": {"groups": [{"name": "g", "rules": [{"exp": "1"}]}]}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(doc)
