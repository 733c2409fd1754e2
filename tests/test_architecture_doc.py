"""docs/architecture.md stays true: its layer table is the import test's (tests/test_architecture.py
LAYERS and FORBIDDEN), its picture names every core module, every file its "to add X" table names
exists, and each proof test registers its test-only row only in tables of the files that row
lists, the first of them included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from tests.test_architecture import FORBIDDEN, LAYERS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
TEXT = DOC.read_text(encoding="utf-8")


def _table(heading: str) -> list[list[str]]:
    """The rows (cells) of the first Markdown table after `heading`, header excluded."""
    section = TEXT.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


LAYER_ROWS = _table("## The layers")
ADD_ROWS = _table("## To add X, touch these files")


def test_the_layer_table_is_the_import_tests() -> None:
    assert [row[0] for row in LAYER_ROWS] == list(LAYERS)
    for name, holds, forbidden in LAYER_ROWS:
        assert set(_ticked(holds)) == set(LAYERS[name]), name
        rule = next(targets for source, targets, _ in FORBIDDEN if source == name)
        if forbidden == "any other layer":
            expected = set(LAYERS) - {name}
        elif forbidden == "anything but core":
            expected = set(LAYERS) - {"core", name}
        else:
            expected = {part.strip() for part in forbidden.split(",")}
        assert set(rule) == expected, name


def test_the_picture_names_every_core_module() -> None:
    picture = TEXT.split("## The layers", 1)[1].split("```")[1]
    assert [m for m in sorted(LAYERS["core"]) if not re.search(rf"\b{m}\b", picture)] == []


def _files(cell: str) -> list[str]:
    return [p for p in _ticked(cell) if p.startswith(("src/", "tests/", "docs/"))]


@pytest.mark.parametrize("row", ADD_ROWS, ids=lambda row: row[0])
def test_every_file_the_table_names_exists(row: list[str]) -> None:
    named = _files(row[1]) + _files(row[2])
    assert named, row[0]
    missing = [p for p in named if "<" not in p and not (ROOT / p).exists()]
    assert missing == []
    for pattern in (p for p in named if "<" in p):  # e.g. loader/<format>.py: its folder
        assert (ROOT / pattern).parent.is_dir(), pattern


def _module_file(module: str) -> str:
    path = ROOT / "src" / Path(*module.split("."))
    return str(
        (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(ROOT)
    )


def patched_files(test: Path) -> set[str]:
    """The source files whose tables a test patches: `monkeypatch.setitem(X, ...)` and
    `monkeypatch.setattr(X, ...)`, X resolved through the test's imports."""
    tree = ast.parse(test.read_text(encoding="utf-8"))
    names: dict[str, str] = {}  # local name -> module it comes from (or is)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("adk_observe"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                is_module = (ROOT / "src" / Path(*full.split("."))).with_suffix(".py").exists()
                names[alias.asname or alias.name] = full if is_module else str(node.module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("adk_observe"):
                    names[alias.asname or alias.name] = alias.name
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("setitem", "setattr")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "monkeypatch"
        ):
            target = node.args[0]
            while isinstance(target, ast.Attribute):
                target = target.value
            assert isinstance(target, ast.Name), ast.dump(node)
            found.add(_module_file(names[target.id]))
    return found


PROVEN = [row for row in ADD_ROWS if _files(row[2])]


@pytest.mark.parametrize("row", PROVEN, ids=lambda row: row[0])
def test_a_proof_registers_its_row_only_in_the_files_the_table_lists(row: list[str]) -> None:
    touched = _files(row[1])
    (proof,) = _files(row[2])
    patched = patched_files(ROOT / proof)
    assert patched, f"{proof} registers no test-only row"
    assert patched <= set(touched), (row[0], patched - set(touched))
    assert touched[0] in patched, f"{proof} does not register its row in {touched[0]}"


def test_the_patched_file_reader_sees_a_row_registered_outside_the_list(tmp_path: Path) -> None:
    # What the test above rests on: a proof that patches another file's table is caught.
    test = tmp_path / "test_x.py"
    test.write_text(
        "from adk_observe import sli_kinds as k\n"
        "from adk_observe.rules.kinds import KINDS\n"
        "def test(monkeypatch):\n"
        "    monkeypatch.setitem(k.BUILTIN_KINDS, 'a', 1)\n"
        "    monkeypatch.setitem(KINDS, 'b', 2)\n"
    )
    assert patched_files(test) == {
        "src/adk_observe/sli_kinds.py",
        "src/adk_observe/rules/kinds.py",
    }
