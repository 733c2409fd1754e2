"""No input makes a spec-reading command crash: every corpus spec, with any one key deleted or
its value replaced by a value of another type, is either accepted or refused with one located
line (exit 2), and an accepted one compiles its rules and emitted tests. An uncaught
exception would fail the test with its traceback."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from adk_observe.cli import main

CORPUS = Path(__file__).parent / "corpus"
SPECS = sorted(p for p in CORPUS.glob("*.yaml") if not p.name.endswith(".sloth-rules.yaml"))
REPLACEMENTS: list[Any] = [None, 1.5, True, "x", [], {"a": 1}, "sum(rate(x[5m]))"]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*path, i)
            yield from _paths(value, (*path, i))


def _mutants(docs: list[Any]) -> Iterator[tuple[str, list[Any]]]:
    for d, doc in enumerate(docs):
        for path in _paths(doc):
            for value in [..., *REPLACEMENTS]:
                mutant = copy.deepcopy(docs)
                holder = mutant[d]
                for part in path[:-1]:
                    holder = holder[part]
                if value is ...:
                    del holder[path[-1]]
                else:
                    holder[path[-1]] = value
                yield f"doc {d} {path} -> {value!r}", mutant


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_any_one_key_changed_is_accepted_or_refused_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: Path
) -> None:
    docs = list(yaml.safe_load_all(spec.read_text()))
    file = tmp_path / spec.name
    count = 0
    for what, mutant in _mutants(docs):
        file.write_text(yaml.safe_dump_all(mutant, sort_keys=False))
        code = main(["validate", str(file)])
        err = capsys.readouterr().err
        assert code in (0, 2), what
        if code == 2:
            (line,) = [x for x in err.splitlines() if x.startswith("error:")]
            assert line.startswith(f"error: {file}:"), (what, err)
        else:
            # Accepted: the generators must not crash either (emitted tests included).
            out = tmp_path / f"out{count}"
            assert main(["compile-rules", str(file), "-o", str(out), "--emit-tests"]) == 0, what
            capsys.readouterr()
        count += 1
    assert count > 50  # the spec was really mutated
