"""`adk-observe schema` and `adk-observe validate`: the published JSON Schema is a valid
Draft 2020-12 schema that accepts the examples and rejects what the loader rejects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from adk_observe.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EXAMPLE = EXAMPLES / "support-agent.yaml"
BAD = Path(__file__).resolve().parent / "bad"

@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["schema"]) == 0
    text = out.getvalue()
    assert text.endswith("\n")
    parsed: dict[str, Any] = json.loads(text)
    return parsed


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


def v1_documents(path: Path) -> list[Any]:
    docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    return [d for d in docs if isinstance(d, dict) and d.get("apiVersion") == "adk-observe/v1"]


def errors(validator: jsonschema.Draft202012Validator, doc: Any) -> list[str]:
    return sorted(
        f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:120]}"
        for e in validator.iter_errors(doc)
    )


def test_schema_prints_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["apiVersion"]["const"] == "adk-observe/v1"
    assert schema["properties"]["kind"]["const"] == "AgentService"
    assert set(schema["required"]) == {"apiVersion", "kind", "metadata", "spec"}


def test_schema_is_closed_like_the_loader(schema: dict[str, Any]) -> None:
    """The loader forbids unknown keys everywhere; so must every object of the schema."""
    assert schema["additionalProperties"] is False
    open_objects = [
        name
        for name, d in schema["$defs"].items()
        if "properties" in d and d.get("additionalProperties") is not False
    ]
    assert open_objects == []


def test_schema_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    first = capsys.readouterr()
    assert main(["schema"]) == 0
    second = capsys.readouterr()
    assert first.out == second.out and first.err == second.err == ""


def test_reference_example_validates_against_schema(
    validator: jsonschema.Draft202012Validator,
) -> None:
    docs = v1_documents(EXAMPLE)
    assert len(docs) == 1
    assert errors(validator, docs[0]) == []


@pytest.mark.parametrize(
    "example",
    [
        p.name
        for p in sorted(EXAMPLES.glob("*.yaml"))
        if v1_documents(p)
    ],
)
def test_every_example_validates_against_schema(
    example: str, validator: jsonschema.Draft202012Validator
) -> None:
    for doc in v1_documents(EXAMPLES / example):
        assert errors(validator, doc) == []


def test_schema_accepts_a_minimal_spec(validator: jsonschema.Draft202012Validator) -> None:
    """A spec with no duration-typed field: what the schema does get right."""
    doc = {
        "apiVersion": "adk-observe/v1",
        "kind": "AgentService",
        "metadata": {"name": "support-agent", "labels": {"team": "support"}},
        "spec": {
            "slos": [
                {"name": "success", "objective": 99.5, "sli": {"builtin": "success"}},
                {"name": "sat", "objective": 90, "sli": {"builtin": "satisfaction",
                                                        "good_above": 4.0}},
            ],
            "telemetry": {"tracing": {"sampling": 0.1}},
        },
    }
    assert errors(validator, doc) == []


# Corpus files the schema alone can reject (unknown keys, wrong types, patterns, ranges), with
# the location and a piece of the message of the schema error that must be among the errors:
# every corpus file also has durations, so "some error" alone would prove nothing.
SLO = ("spec", "slos", 0)
SCHEMA_REJECTS: dict[str, tuple[tuple[str | int, ...], str]] = {
    "unknown-top-level-key": ((), "'status' was unexpected"),
    "unknown-metadata-key": (("metadata",), "'owner' was unexpected"),
    "unknown-spec-key": (("spec",), "'objectives' was unexpected"),
    "unknown-slo-key": (SLO, "'target' was unexpected"),
    "unknown-sli-key": ((*SLO, "sli"), "'metric' was unexpected"),
    "unknown-alerting-key": ((*SLO, "alerting"), "'pager' was unexpected"),
    "unknown-telemetry-key": (("spec", "telemetry"), "'profiling' was unexpected"),
    "objective-string": ((*SLO, "objective"), "is not of type 'number'"),
    "labels-list": (("metadata", "labels"), "is not of type 'object'"),
    "label-value-number": (("metadata", "labels", "tier"), "is not of type 'string'"),
    "window-bool": ((*SLO, "window"), "True"),
    "wrong-kind": (("kind",), "'AgentService' was expected"),
    "unknown-format": (("apiVersion",), "'adk-observe/v1' was expected"),
    "missing-api-version": ((), "'apiVersion' is a required property"),
    "service-name-uppercase": (("metadata", "name"), "does not match"),
    "service-name-underscore": (("metadata", "name"), "does not match"),
    "invalid-alert-name": ((*SLO, "alerting", "name"), "support-agent-burn"),
    "empty-slos": (("spec", "slos"), "[]"),
    "sampling-above-one": (("spec", "telemetry", "tracing", "sampling"), "maximum of 1"),
    "not-a-mapping": ((), "is not of type 'object'"),
}


@pytest.mark.parametrize("name", sorted(SCHEMA_REJECTS))
def test_schema_rejects_malformed_corpus_file(
    name: str, validator: jsonschema.Draft202012Validator
) -> None:
    doc = yaml.safe_load((BAD / f"{name}.yaml").read_text(encoding="utf-8"))
    where, piece = SCHEMA_REJECTS[name]
    found = [
        e.message
        for e in validator.iter_errors(doc)
        if tuple(e.absolute_path) == where and piece in e.message
    ]
    assert found, errors(validator, doc)


def test_validate_reference_example(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", str(EXAMPLE)])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == ""
    assert captured.out == f"ok: {EXAMPLE}: support-agent (4 SLOs)\n"


def test_validate_several_specs_prints_one_ok_each(capsys: pytest.CaptureFixture[str]) -> None:
    demo = EXAMPLES / "demo-agent.yaml"
    code = main(["validate", str(EXAMPLE), str(demo)])
    captured = capsys.readouterr()
    assert code == 0
    lines = captured.out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"ok: {EXAMPLE}: support-agent (")
    assert lines[1].startswith(f"ok: {demo}: ")


def test_validate_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(EXAMPLE.read_bytes())
    assert main(["validate", str(spec)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]
