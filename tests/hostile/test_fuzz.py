"""Random hostile YAML against every spec-reading command.

A valid spec (tests/hostile/corpus/ok-internal-alb.yaml) gets random values planted at random
places: unicode text, templates (good and broken), long strings, deep nesting, numbers, and
alias bombs (a value shared many times over, which PyYAML dumps as anchors and aliases). Each
command must then either succeed (compile-rules' rule files loading in promtool) or exit 2 with
exactly one `error: FILE:LINE: ...` line and no output folder; never a traceback.
"""

from __future__ import annotations

import copy
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hostile.test_corpus import CORPUS, SPEC_COMMANDS, WITH_OUTPUT, run
from tests.hostile.test_gotemplate import mixed

BASE: dict[str, Any] = yaml.safe_load((CORPUS / "ok-internal-alb.yaml").read_text())


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


PATHS = [p for p in _paths(BASE) if p]


def _bomb(width: int, levels: int) -> Any:
    value: Any = ["lol"] * width
    for _ in range(levels):
        value = [value] * width  # the same object: yaml.dump writes an anchor and aliases
    return value


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


values = st.one_of(
    st.text(max_size=40),
    mixed,
    st.sampled_from(["{{ $value }}", "{{", "}}", "{{ nope }}", "http://x", "javascript:x"]),
    st.text(min_size=500, max_size=3000),
    st.builds(_bomb, st.integers(2, 9), st.integers(1, 8)),
    st.builds(_deep, st.integers(10, 120)),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)


# Free-text places, where most hostile text is valid input and has to come out right.
TEXT_PLACES = [
    ("metadata", "labels"),
    ("spec", "slos", 0, "alerting", "labels"),
    ("spec", "slos", 0, "alerting", "annotations"),
    ("spec", "slos", 0, "alerting", "page", "annotations"),
    ("spec", "alerts", "labels"),
    ("spec", "deploy", "config"),
]
texts = st.one_of(st.text(max_size=40), mixed, st.text(min_size=200, max_size=2000))
keys = st.one_of(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True), st.text(max_size=10))


SNIPPETS = st.sampled_from(
    [
        "&a ",
        "*a",
        "<<: *a\n",
        "<<: [*a, *a]\n",
        "key: &x [*x]\n",
        "!!python/object:os.system ",
        "!!binary ",
        "!!timestamp ",
        "!!set ",
        "? [a, b]\n",
        "---\n",
        "%YAML 1.1\n",
        "\t",
        "{",
        "[",
        "'",
        '"',
        "\\ud800",
        "- ",
        ": ",
        "~",
        ".inf",
        "1e400",
        "2001-12-14",
        "|\n",
        ">-\n",
        "#",
        "@",
        "`",
        "!foo ",
        "\ufeff",
        "\x00",
        "\x85",
        "\u2028",
    ]
)


@st.composite
def hostile_specs(draw: st.DrawFn) -> str:
    spec = copy.deepcopy(BASE)
    spec["spec"].setdefault("alerts", {}).setdefault("labels", {})
    spec["spec"]["deploy"].setdefault("config", {})
    spec["spec"]["slos"][0]["alerting"]["page"].setdefault("annotations", {})
    for _ in range(draw(st.integers(0, 3))):
        place: Any = spec
        for key in draw(st.sampled_from(TEXT_PLACES)):
            place = place[key]
        place.setdefault(draw(keys), draw(texts))
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(PATHS))
        parent = spec
        for key in path[:-1]:
            parent = parent[key] if isinstance(parent, dict | list) else None
        last = path[-1]
        value = draw(values)
        if isinstance(parent, dict):
            # Either replace the value or add a new key next to it.
            key = last if draw(st.booleans()) else draw(st.text(max_size=12))
            parent[key] = value
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            parent[last] = value
    text = yaml.dump(spec, allow_unicode=True, sort_keys=False, width=2**16)
    # Raw YAML the dumper never writes: tags, merge keys, self-aliases, directives, controls.
    if draw(st.booleans()):
        for pos, snippet in draw(st.lists(st.tuples(st.integers(0), SNIPPETS), max_size=3)):
            at = pos % (len(text) + 1)
            text = text[:at] + snippet + text[at:]
    return text


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hostile_specs())
def test_every_command_succeeds_or_fails_cleanly(promtool: str, tmp_path: Path, text: str) -> None:
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    spec = work / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    located = re.compile(rf"error: {re.escape(str(spec))}:\d+: [^\n]+\n")
    outcomes = set()
    for command in SPEC_COMMANDS:
        out = work / command
        argv = [command, str(spec), *(["-o", str(out)] if command in WITH_OUTPUT else [])]
        code, _, err = run(*argv)
        outcomes.add(code)
        if code == 2:
            assert located.fullmatch(err), (command, err)
            assert not out.exists()
            continue
        assert code == 0 or (command == "lint" and code == 1), (command, code, err)
        if command == "compile-rules":
            files = sorted(str(p) for p in out.glob("*.rules.yaml"))
            check = subprocess.run(
                [promtool, "check", "rules", *files], capture_output=True, text=True
            )
            assert check.returncode == 0, check.stdout + check.stderr
    # validate and compile-rules read the same spec: they agree on whether it is bad input.
    assert len(outcomes - {1}) == 1
