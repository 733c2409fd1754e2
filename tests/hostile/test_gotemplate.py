"""The annotation checker against the real thing: promtool parses every template we accept.

promtool (Prometheus 2.42 here) is the oracle. Soundness is what matters: a template we accept
must load, or one annotation would make Prometheus refuse the whole rule file. Where we are
stricter (named templates, octal numbers...) the table says so.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adk_observe.loader import gotemplate
from adk_observe.render import dump_yaml


def promtool_verdicts(promtool: str, folder: Path, templates: list[str]) -> list[bool]:
    """Whether promtool accepts each template as an alert annotation (one file each, one
    promtool run for all)."""
    files = []
    for i, text in enumerate(templates):
        rule = {"alert": "A", "expr": "up == 0", "annotations": {"description": text}}
        path = folder / f"t{i}.yaml"
        path.write_text(dump_yaml({"groups": [{"name": "g", "rules": [rule]}]}))
        files.append(str(path))
    proc = subprocess.run(
        [promtool, "check", "rules", *files], capture_output=True, text=True, check=False
    )
    report = proc.stdout + proc.stderr
    failed = set(re.findall(r"(\S+/t\d+\.yaml): group", report))
    return [f not in failed for f in files]


# (template, accepted by us, accepted by promtool)
TABLE: list[tuple[str, bool, bool]] = [
    ("{{ $value | humanizePercentage }} of {{ $labels.agent_id }}", True, True),
    ("{{ $externalURL }} {{ $externalLabels.cluster }} {{ pathPrefix }}", True, True),
    ('{{ with query "up" }}{{ . | first | value | humanize1024 }}{{ end }}', True, True),
    (
        '{{ range $i, $s := query "up" }}{{ if $i }}, {{ end }}{{ $s.Labels.job }}{{ end }}',
        True,
        True,
    ),
    ("{{ if gt $value 1.0 }}a{{ else if lt $value -1 }}b{{ else }}c{{ end }}", True, True),
    ("{{/* note */}}{{- $value -}}{{ 0x1F }}{{ 'a' }}", True, True),
    ('{{ "}}" }}{{ `{{` }}', True, True),
    ('{{ printf "%s" (label "job" (first (query "up"))) | toUpper }}', True, True),
    ("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", True, True),
    (
        '{{ stripPort "a:1" }}{{ stripDomain "a.b" }}{{ parseDuration "1m" }}{{ toTime 1 }}',
        True,
        True,
    ),
    ("{{ humanizeBytes $value }}", False, False),  # a Prometheus 3 function, not in 2.42
    ("{{ toDuration 1 }}", False, False),
    ("{{ $lables.x }}", False, False),
    ("{{ $labels.x", False, False),
    ("{{ if $value }}x", False, False),
    ("{{ end }}", False, False),
    ("{{ else }}", False, False),
    ("{{ break }}", False, False),
    ("{{/* c */ }}", False, False),
    ("{{ 1 | 2 }}", False, False),
    ("{{ 1.X }}", False, False),
    ("{{ x$ }}", False, False),
    ("{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}", False, False),
    ("{{ if 1 }}a{{ else with 2 }}b{{ end }}", False, False),
    # Stricter than Go: refused by us, loaded by promtool.
    ('{{ define "x" }}a{{ end }}', False, True),
    ('{{ template "x" }}', False, True),
    ('{{ "a" | }}', False, True),
    ("{{ 0o17 }}", False, True),
]


@pytest.mark.parametrize("case", range(len(TABLE)), ids=lambda i: TABLE[i][0][:40])
def test_checker_verdict(case: int) -> None:
    text, ours, _ = TABLE[case]
    assert (gotemplate.error(text) is None) is ours


def test_promtool_agrees_with_the_table(promtool: str, tmp_path: Path) -> None:
    verdicts = promtool_verdicts(promtool, tmp_path, [t for t, _, _ in TABLE])
    assert verdicts == [p for _, _, p in TABLE]


# Pieces that make up templates: real actions, near misses and raw punctuation.
_PIECES = [
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    "|",
    "(",
    ")",
    "$value",
    "$labels",
    "$labels.job",
    "$x",
    "$x :=",
    "$x =",
    ".",
    ".Labels",
    "$",
    "if",
    "else",
    "end",
    "range",
    "with",
    "humanize",
    "humanizePercentage",
    "printf",
    "query",
    "first",
    "value",
    "label",
    "nope",
    '"up"',
    "`raw`",
    "'c'",
    "1",
    "-2",
    "0x1F",
    "1.5e3",
    "1.",
    "true",
    "nil",
    "/*",
    "*/",
    ",",
    ":=",
    "=",
    "text",
    "\n",
    "{",
    "}",
    "é",
    "eq",
    "and",
    "not",
    "len",
    "index",
    "break",
]
templates = st.lists(st.sampled_from(_PIECES), max_size=14).map("".join)
# Well-formed actions, so that a good share of the examples is accepted (and so checked).
action = st.lists(
    st.sampled_from(
        [
            "$value",
            "$labels.job",
            "humanize $value",
            "$value | humanize",
            '"x" | printf "%s"',
            'query "up" | first | value',
            ".",
            "1",
            "$externalURL",
        ]
    ),
    min_size=1,
    max_size=2,
).map(lambda parts: "{{ " + " | ".join(parts).replace("| .", '| printf "%v"') + " }}")
block = st.tuples(st.sampled_from(["if", "with", "range"]), action).map(
    lambda t: "{{ " + t[0] + " " + t[1][3:-3] + " }}x{{ end }}"
)
mixed = st.lists(st.one_of(templates, action, block, st.text(max_size=5)), max_size=4).map("".join)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(mixed, min_size=30, max_size=30))
def test_everything_we_accept_loads_in_promtool(
    promtool: str, tmp_path: Path, batch: list[str]
) -> None:
    accepted = [t for t in batch if gotemplate.error(t) is None]
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one folder per example
    verdicts = promtool_verdicts(promtool, folder, accepted)
    assert [t for t, ok in zip(accepted, verdicts, strict=True) if not ok] == []
