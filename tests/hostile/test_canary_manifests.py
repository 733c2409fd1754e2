"""Hostile manifests for canary-check DIR.

`cases()` generates folders an attacker (or a broken render) could hand canary-check: an
alias bomb, deep nesting, a FIFO, a folder or a device link named `x.yaml`, a file over the
size bound, bytes that are not UTF-8, and AnalysisTemplates whose fields have the wrong type or
whose conditions are outside the supported language, too long, too deep or too many tokens.
Each is exit 2 with exactly one line naming the file (and for a field, its line and key path),
before any query is sent; never a traceback, never a hang.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.hostile.fake_prometheus import FakePrometheus, Reply, api
from tests.hostile.test_corpus import run

from adk_observe.errors import printable

BASE: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AnalysisTemplate",
    "metadata": {"name": "t"},
    "spec": {
        "args": [{"name": "canary-hash"}, {"name": "stable-hash"}],
        "metrics": [
            {
                "name": "m",
                "successCondition": "len(result) > 0 && result[0] <= 1",
                "failureCondition": "len(result) > 0 && result[0] > 1",
                "count": 5,
                "provider": {"prometheus": {"query": 'up{h="{{args.canary-hash}}"}'}},
            }
        ],
    },
}

Make = Callable[[Path], None]  # fills the folder


@dataclass(frozen=True)
class Case:
    name: str
    make: Make
    message: str | tuple[str, ...]  # in the line (each of them), after `error: <folder>/`


def _yaml(edit: Callable[[dict[str, Any]], None]) -> Make:
    def make(folder: Path) -> None:
        doc = copy.deepcopy(BASE)
        edit(doc)
        (folder / "at.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, width=2**16))

    return make


def _text(text: str | bytes, name: str = "at.yaml") -> Make:
    def make(folder: Path) -> None:
        data = text.encode() if isinstance(text, str) else text
        (folder / name).write_bytes(data)

    return make


def _metric(key: str, value: Any) -> Make:
    def edit(doc: dict[str, Any]) -> None:
        doc["spec"]["metrics"][0][key] = value

    return _yaml(edit)


def _set(path: tuple[str | int, ...], value: Any) -> Make:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value  # type: ignore[index]

    return _yaml(edit)


BOMB = """apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: t}
spec: &a {a: lol, b: lol}
x1: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
x2: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
x3: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
x4: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
x5: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
x6: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def file_cases() -> Iterator[Case]:
    # The expansion counts like the spec corpus's bomb (tests/hostile/test_corpus.py): x5[1]'s
    # copy passes 100,000 nodes.
    yield Case(
        "an alias bomb", _text(BOMB), "at.yaml:9: x5[1]: aliases copy more than 100,000 nodes"
    )
    yield Case(
        "60 levels of nesting",
        _text("a: " + "[" * 60 + "]" * 60 + "\n"),
        "at.yaml:1: nested deeper than 50 levels",
    )
    yield Case("invalid YAML", _text("kind: [\n"), "at.yaml:2: invalid YAML")
    yield Case("not UTF-8", _text(b"kind: \xff\xfe\n"), "at.yaml:1: not UTF-8 text")
    yield Case(
        "a 9 MB file", _text("# " + "x" * 9_000_000 + "\n"), "at.yaml:1: the file is larger than"
    )

    def fifo(folder: Path) -> None:
        os.mkfifo(folder / "x.yaml")  # nobody writes: a blocking open would hang forever

    yield Case("a FIFO named x.yaml", fifo, "x.yaml: a FIFO, not a regular file")
    yield Case(
        "a folder named x.yaml",
        lambda folder: (folder / "x.yaml").mkdir(),
        "x.yaml: a folder, not a regular file",
    )
    yield Case(
        "a link to /dev/zero named x.yaml",
        lambda folder: (folder / "x.yaml").symlink_to("/dev/zero"),
        "x.yaml: a character device, not a regular file",
    )


def field_cases() -> Iterator[Case]:
    yield Case("spec a list", _set(("spec",), [1]), "at.yaml:5: spec: must be a mapping, not [1]")
    yield Case("metadata a string", _set(("metadata",), "x"), "metadata: must be a mapping")
    yield Case("metrics a string", _set(("spec", "metrics"), "m"), "spec.metrics: must be a list")
    yield Case("a metric a string", _set(("spec", "metrics", 0), "m"), "spec.metrics[0]: must be")
    yield Case("args a mapping", _set(("spec", "args"), {"a": 1}), "spec.args: must be a list")
    yield Case("an arg without a name", _set(("spec", "args", 0), {"value": 1}), "a string name")
    yield Case("no provider", _metric("provider", None), "only Prometheus metrics")
    yield Case(
        "a query that is a number",
        _metric("provider", {"prometheus": {"query": 5}}),
        "spec.metrics[0].provider.prometheus.query: must be a string, not 5",
    )
    yield Case(
        "an unknown argument",
        _metric("provider", {"prometheus": {"query": "{{args.other}}"}}),
        "argument 'other' has no value",
    )
    yield Case("count 'abc'", _metric("count", "abc"), "count: 'abc' is not an integer")
    yield Case("count a list", _metric("count", [1]), "count: must be an integer or a string")
    yield Case("count 10**20", _metric("count", 10**20), "count: must be between")
    yield Case(
        "failureLimit true", _metric("failureLimit", True), "failureLimit: must be an integer"
    )
    yield Case(
        "a condition that is a list",
        _metric("successCondition", ["x"]),
        "successCondition: must be a string, not ['x']",
    )
    for name, condition, reason in (
        ("outside the language", "result[0] ~ 1", "unsupported syntax at '~ 1'"),
        ("a method call", "result.foo() > 1", "unsupported syntax"),
        ("40 parentheses", "(" * 40 + "1" + ")" * 40 + " > 0", "nested deeper than 32 levels"),
        ("40 negations", "!" * 40 + "true", "nested deeper than 32 levels"),
        ("1000 parentheses", "(" * 1000 + "1" + ")" * 1000, "more than 256 tokens"),
        ("5000 characters", "1 " * 2500, "longer than 4096 characters"),
        ("300 tokens", "1+" * 150 + "1 > 0", "more than 256 tokens"),
        ("an escape", "result[0] \x1b[2J > 1", "unsupported syntax at '\\x1b[2J > 1'"),
    ):
        yield Case(
            f"a condition: {name}",
            _metric("failureCondition", condition),
            ("at.yaml:12: spec.metrics[0].failureCondition: '", f"': {reason}"),
        )


def cases() -> Iterator[Case]:
    yield from file_cases()
    yield from field_cases()


CASES = list(cases())


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePrometheus]:
    with FakePrometheus(lambda _: Reply(api({"resultType": "vector", "result": []}))) as server:
        yield server


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_manifest_is_one_exit_2_line_before_any_query(
    case: Case, tmp_path: Path, fake: FakePrometheus
) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    case.make(folder)
    argv = ["canary-check", str(folder), "--prometheus", fake.url]
    code, out, err = run(*argv, "--canary-hash", "abc", "--stable-hash", "def")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("error: "), err[:500]
    line = err.rstrip("\n")
    assert printable(line, len(line)) == line and len(line) < 1100
    fragments = (case.message,) if isinstance(case.message, str) else case.message
    assert f"{folder}/" in line and all(f in line for f in fragments), line
    assert fake.requests == []


def test_the_valid_base_template_is_measured(tmp_path: Path, fake: FakePrometheus) -> None:
    """The cases above differ from a template that works: only their change is refused."""
    _yaml(lambda doc: None)(tmp_path)
    argv = ["canary-check", str(tmp_path), "--prometheus", fake.url]
    code, out, err = run(*argv, "--canary-hash", "abc", "--stable-hash", "def")
    assert (code, err) == (4, "")  # an empty result: neither condition holds
    assert out.splitlines()[0] == "Inconclusive t/m: result []"


@pytest.mark.parametrize(
    ("condition", "value", "message"),
    [
        ("asInt(result[0]) > 0", "+Inf", "cannot convert inf to an integer"),
        ("asInt(result[0]) > 0", "NaN", "cannot convert nan to an integer"),
        ("result[asInt(result[0])] > 0", "1e300", "index out of range"),
        ("result[0] * 1e308 * 1e308 > 1 && true", "2", ""),  # inf: a number, not an error
    ],
)
def test_a_condition_that_cannot_be_evaluated_is_the_error_phase(
    condition: str, value: str, message: str, tmp_path: Path
) -> None:
    _metric("successCondition", condition)(tmp_path)
    (tmp_path / "at.yaml").write_text(
        (tmp_path / "at.yaml").read_text().replace("failureCondition", "x-unused")
    )
    answer = api({"resultType": "vector", "result": [{"metric": {}, "value": [1, value]}]})
    with FakePrometheus(lambda _: Reply(answer)) as server:
        argv = ["canary-check", str(tmp_path), "--prometheus", server.url]
        code, out, err = run(*argv, "--canary-hash", "abc", "--stable-hash", "def")
    assert err == ""
    first = out.splitlines()[0]
    if message:
        assert code == 3 and first.startswith("Error        t/m: ") and message in first
    else:
        assert code == 0 and first.startswith("Successful   t/m: result [2]")
