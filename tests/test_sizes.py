"""Modules and functions stay small (issue 24): no module under src/ over MODULE_LIMIT lines and
no function over FUNCTION_LIMIT lines unless its docstring states why, in a sentence that starts
a line with "Over 400 lines:" (the module's docstring) or "Over 60 lines:" (the function's).

`oversized()` is the one check: the shipped tree must give no finding, and planted modules in a
temporary tree show that it finds what it should (one line over each limit) and only that.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MODULE_LIMIT = 400
FUNCTION_LIMIT = 60
MODULE_REASON = f"Over {MODULE_LIMIT} lines:"
FUNCTION_REASON = f"Over {FUNCTION_LIMIT} lines:"


def _states(docstring: str | None, reason: str) -> bool:
    """The docstring has a line starting with `reason`, followed by words on the same line."""
    pattern = rf"^[ \t]*{re.escape(reason)}[ \t]*\S"
    return docstring is not None and re.search(pattern, docstring, re.MULTILINE) is not None


def oversized(src: Path) -> list[str]:
    """`file: what` for each module over MODULE_LIMIT lines and each function (methods and
    nested functions included, from its `def` line to its last line) over FUNCTION_LIMIT lines
    whose docstring does not state its reason."""
    found = []
    for path in sorted(src.rglob("*.py")):
        text = path.read_text()
        tree = ast.parse(text, str(path))
        where = path.relative_to(src)
        lines = len(text.splitlines())
        if lines > MODULE_LIMIT and not _states(ast.get_docstring(tree), MODULE_REASON):
            found.append(f"{where}: module of {lines} lines without {MODULE_REASON!r}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > FUNCTION_LIMIT and not _states(ast.get_docstring(node), FUNCTION_REASON):
                found.append(
                    f"{where}:{node.lineno}: {node.name} of {length} lines "
                    f"without {FUNCTION_REASON!r}"
                )
    return found


def test_no_module_or_function_is_over_its_limit_without_a_reason() -> None:
    assert list(SRC.rglob("*.py")), SRC  # the check reads the real tree
    assert oversized(SRC) == []


def _function(name: str, lines: int, docstring: str = "") -> str:
    """A function of exactly `lines` lines (its `def` line and docstring included)."""
    head = [f"def {name}() -> None:"]
    if docstring:
        head += f'    """{docstring}"""'.split("\n")
    body = [f"    x{i} = {i}" for i in range(lines - len(head) - 1)]
    return "\n".join([*head, *body, "    return None"]) + "\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_planted_long_function_is_found_and_a_stated_reason_excuses_it(tmp_path: Path) -> None:
    at_limit = _function("fits", FUNCTION_LIMIT)
    over = _function("too_long", FUNCTION_LIMIT + 1)
    _write(tmp_path / "pkg" / "mod.py", '"""A module."""\n\n\n' + at_limit + "\n\n" + over)
    assert oversized(tmp_path) == [
        f"pkg/mod.py:{6 + FUNCTION_LIMIT}: too_long of {FUNCTION_LIMIT + 1} lines "
        f"without {FUNCTION_REASON!r}"
    ]

    reason = f"Many steps.\n\n    {FUNCTION_REASON} one table, read in order.\n    "
    excused = _function("too_long", FUNCTION_LIMIT + 1, reason)
    _write(tmp_path / "pkg" / "mod.py", '"""A module."""\n\n\n' + at_limit + "\n\n" + excused)
    assert oversized(tmp_path) == []


def test_a_method_or_nested_function_counts_too(tmp_path: Path) -> None:
    method = textwrap.indent(_function("long_method", FUNCTION_LIMIT + 1), "    ")
    _write(tmp_path / "cls.py", f"class Holder:\n{method}")
    assert [f.split(": ", 1)[1] for f in oversized(tmp_path)] == [
        f"long_method of {FUNCTION_LIMIT + 1} lines without {FUNCTION_REASON!r}"
    ]


def test_a_reason_must_be_the_right_one_and_say_something(tmp_path: Path) -> None:
    # The module's reason does not excuse a function, an empty reason excuses nothing, and the
    # words must start a line (not be quoted in passing).
    for docstring in (
        f"{MODULE_REASON} a table.",
        f"{FUNCTION_REASON}",
        f"It is not '{FUNCTION_REASON} a table'.",
    ):
        _write(tmp_path / "mod.py", _function("too_long", FUNCTION_LIMIT + 1, docstring))
        assert len(oversized(tmp_path)) == 1, docstring


def test_a_planted_long_module_is_found_and_a_stated_reason_excuses_it(tmp_path: Path) -> None:
    filler = "".join(f"X{i} = {i}\n" for i in range(MODULE_LIMIT - 1))
    _write(tmp_path / "fits.py", '"""A module."""\n' + filler)  # exactly MODULE_LIMIT lines
    _write(tmp_path / "long.py", '"""A module."""\n' + filler + "Y = 0\n")
    assert oversized(tmp_path) == [
        f"long.py: module of {MODULE_LIMIT + 1} lines without {MODULE_REASON!r}"
    ]

    stated = f'"""A module.\n\n{MODULE_REASON} one table of names.\n"""\n'
    _write(tmp_path / "long.py", stated + filler)
    assert oversized(tmp_path) == []
