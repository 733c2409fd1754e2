"""The import graph keeps the layers of docs/architecture.md: read every module's imports (ast, so
imports inside functions and under TYPE_CHECKING count too) and check who may import whom, that
no two modules import each other (directly or round a loop), and that no module reaches for
another module's private (`_name`) names.

Every top-level module and package of `adk_observe` belongs to exactly one layer (LAYERS); a new
one fails `test_every_module_belongs_to_a_layer` until it is placed, so nothing is a blind spot.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "adk_observe"

# Layer -> the top-level modules and subpackages of adk_observe it holds.
LAYERS: dict[str, frozenset[str]] = {
    # The model and the facts every layer shares (names, kinds, windows, bounded YAML reading).
    "core": frozenset(
        {
            "conventions",
            "deploy_model",
            "durations",
            "environment",
            "errors",
            "files",
            "gcpause",
            "identifiers",
            "kube",
            "links",
            "load_balancers",
            "model",
            "notify_model",
            "promql",
            "runbook_links",
            "sli_kinds",
            "windows",
            "yamlsource",
        }
    ),
    "loader": frozenset({"loader"}),  # spec formats -> the model, validated once
    "generators": frozenset({"rules", "dashboards", "deploy", "alerting"}),  # model in, objects out
    "render": frozenset({"render"}),  # the only serialiser and writer
    "checks": frozenset({"checks"}),  # reads artifacts and a live Prometheus
    "wiring": frozenset({"cli", "__main__"}),  # load -> generate -> render -> write
    "demo": frozenset({"demo"}),  # the live demo: an agent, Prometheus, the CLI's wiring
    # What ships to agents: the package root (`__version__` and the lazy public API) too.
    "runtime": frozenset({"instrument", "adk", "api", "testing", ROOT}),
}
_COMPILER = frozenset({"loader", "generators", "render", "checks", "wiring"})

# Who may not import what, with the reason a failure message gives.
FORBIDDEN: tuple[tuple[str, frozenset[str], str], ...] = (
    ("core", frozenset(LAYERS) - {"core"}, "core modules sit below every layer"),
    (
        "loader",
        frozenset(LAYERS) - {"core", "loader"},
        "the loader only builds the model",
    ),
    (
        "generators",
        frozenset({"loader", "render", "checks", "wiring", "demo", "runtime"}),
        "generators are pure: model in, objects out",
    ),
    (
        "render",
        frozenset(LAYERS) - {"core", "render"},
        "render serialises and writes plain data; it loads and generates nothing",
    ),
    (
        "checks",
        frozenset({"loader", "render", "wiring", "demo", "runtime"}),
        "checks read what the wiring hands them",
    ),
    ("wiring", frozenset({"demo", "runtime"}), "the CLI never needs the runtime"),
    ("demo", frozenset({"loader"}), "the demo loads and compiles through cli/, the only wiring"),
    ("runtime", _COMPILER | {"demo"}, "the runtime ships to agents and never needs the compiler"),
)


@dataclass(frozen=True)
class Import:
    importer: str  # module name
    imported: str  # module name (a package's __init__ is the package name)
    names: tuple[str, ...]  # names taken from it (`from m import a, b`); () for `import m`
    file: str
    line: int


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(src: Path = SRC) -> dict[str, Path]:
    return {module_name(p, src): p for p in sorted((src / ROOT).rglob("*.py"))}


def _resolve(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, path: Path, known: set[str], src: Path = SRC) -> Iterator[Import]:
    """Every import of an adk_observe module in the file. `from pkg import mod` imports the
    module `pkg.mod`, not the package."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    where = str(path.relative_to(src))
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == ROOT:
                    yield Import(name, alias.name, (), where, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, package)
            if target.split(".")[0] != ROOT:
                continue
            taken: list[str] = []
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    yield Import(name, sub, (), where, node.lineno)
                else:
                    taken.append(alias.name)
            if taken:
                yield Import(name, target, tuple(taken), where, node.lineno)


def all_imports(src: Path = SRC) -> list[Import]:
    mods = modules(src)
    known = set(mods)
    return [imp for name, path in mods.items() for imp in imports_of(name, path, known, src)]


def unit(module: str) -> str:
    """The top-level module or subpackage a module belongs to (the package root for itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def layer_of(module: str) -> str | None:
    return next((name for name, units in LAYERS.items() if unit(module) in units), None)


# --- the checks -----------------------------------------------------------------------------


def unplaced(mods: Iterable[str]) -> list[str]:
    return sorted({unit(m) for m in mods if layer_of(m) is None})


def violations(found: Iterable[Import]) -> list[str]:
    out = []
    for imp in found:
        if imp.imported == ROOT:  # `from adk_observe import __version__`: the root's one fact
            continue
        a, b = layer_of(imp.importer), layer_of(imp.imported)
        for source, targets, reason in FORBIDDEN:
            if a == source and b in targets and a != b:
                out.append(
                    f"{imp.file}:{imp.line}: {a} imports {b} ({unit(imp.importer)} -> "
                    f"{unit(imp.imported)}: {reason})"
                )
    return sorted(out)


def cycles(found: Iterable[Import]) -> list[list[str]]:
    """Every strongly connected set of more than one module (Tarjan). Imports of the package
    root do not count: it holds `__version__` and names that resolve lazily."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        if imp.imported != ROOT and imp.importer != imp.imported:
            graph.setdefault(imp.importer, set()).add(imp.imported)
            graph.setdefault(imp.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(src: Path = SRC) -> list[str]:
    """`from m import _x` and `m._x` where `m` is another adk_observe module."""
    mods = modules(src)
    known = set(mods)
    out = []
    for name, path in mods.items():
        aliases: dict[str, str] = {}  # local name -> module
        for imp in imports_of(name, path, known, src):
            out.extend(
                f"{imp.file}:{imp.line}: imports {imp.imported}.{taken}"
                for taken in imp.names
                if _private(taken) and imp.imported != name
            )
        tree = ast.parse(path.read_text(), str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(node, package)
                for alias in node.names:
                    if f"{target}.{alias.name}" in known:
                        aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in known and alias.asname:
                        aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and _private(node.attr)
                and aliases[node.value.id] != name
            ):
                where = path.relative_to(src)
                out.append(f"{where}:{node.lineno}: uses {aliases[node.value.id]}.{node.attr}")
    return sorted(out)


DEMO_FORBIDDEN_NAMES = frozenset({"load_specs", "compile_service", "write_files"})


def demo_wiring(found: Iterable[Import]) -> list[str]:
    """The demo loads, compiles and writes through cli/ (the one wiring), not beside it."""
    return sorted(
        f"{imp.file}:{imp.line}: imports {name} from {imp.imported}"
        for imp in found
        if layer_of(imp.importer) == "demo"
        for name in imp.names
        if name in DEMO_FORBIDDEN_NAMES
    )


# --- the tree as it is ------------------------------------------------------------------------


def test_every_module_belongs_to_a_layer() -> None:
    assert unplaced(modules()) == []


def test_every_layer_holds_a_module() -> None:
    present = {unit(m) for m in modules()}
    assert {u for units in LAYERS.values() for u in units} - present == set()


def test_no_layer_imports_what_it_must_not() -> None:
    assert violations(all_imports()) == []


def test_no_import_cycle_between_modules() -> None:
    assert cycles(all_imports()) == []


def test_no_module_uses_another_modules_private_names() -> None:
    assert private_uses() == []


def test_the_demo_goes_through_the_cli_wiring() -> None:
    assert demo_wiring(all_imports()) == []


# --- each check fails on a planted violation ----------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for parent in path.parents:
            if parent == tmp_path:
                break
            (parent / "__init__.py").touch()
    return tmp_path


def test_a_planted_loader_import_from_render_is_reported(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "loader/load.py": "X = 1\n",
            "render/write.py": "from adk_observe.loader.load import X\n",
        },
    )
    assert violations(all_imports(src)) == [
        "adk_observe/render/write.py:1: render imports loader (render -> loader: render "
        "serialises and writes plain data; it loads and generates nothing)"
    ]


@pytest.mark.parametrize(
    ("importer", "imported", "reason"),
    [
        ("rules/x.py", "loader", "generators are pure: model in, objects out"),
        ("deploy/x.py", "render", "generators are pure: model in, objects out"),
        ("model.py", "deploy", "core modules sit below every layer"),
        ("instrument/x.py", "rules", "the runtime ships to agents and never needs the compiler"),
        ("checks/x.py", "loader", "checks read what the wiring hands them"),
        ("demo/x.py", "loader", "the demo loads and compiles through cli/, the only wiring"),
        ("cli/x.py", "instrument", "the CLI never needs the runtime"),
    ],
)
def test_a_planted_forbidden_import_is_reported(
    tmp_path: Path, importer: str, imported: str, reason: str
) -> None:
    src = _tree(
        tmp_path, {f"{imported}/y.py": "Y = 1\n", importer: f"from ..{imported}.y import Y\n"}
    )
    if importer.count("/") == 0:  # a top-level module: one dot less
        (src / ROOT / importer).write_text(f"from .{imported}.y import Y\n")
    found = violations(all_imports(src))
    assert len(found) == 1 and found[0].endswith(f": {reason})"), found


def test_a_planted_module_cycle_is_reported(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "loader/a.py": "from adk_observe.loader import b\n",
            "loader/b.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from adk_observe.loader.c import C\n",
            "loader/c.py": "def f():\n    from adk_observe.loader.a import f\n",
        },
    )
    assert cycles(all_imports(src)) == [
        ["adk_observe.loader.a", "adk_observe.loader.b", "adk_observe.loader.c"]
    ]


def test_a_planted_private_import_is_reported(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "loader/a.py": "_fail = 1\n_other = 2\n",
            "loader/b.py": "from adk_observe.loader.a import _fail\n",
            "loader/c.py": "from adk_observe.loader import a\nx = a._other\n",
            "loader/d.py": "from .a import __doc__\n_own = 1\nx = _own\n",
        },
    )
    assert private_uses(src) == [
        "adk_observe/loader/b.py:1: imports adk_observe.loader.a._fail",
        "adk_observe/loader/c.py:2: uses adk_observe.loader.a._other",
    ]


def test_a_planted_second_wiring_in_the_demo_is_reported(tmp_path: Path) -> None:
    src = _tree(
        tmp_path,
        {
            "rules/compile.py": "def compile_service(): ...\n",
            "demo/run.py": "from adk_observe.rules.compile import compile_service\n",
        },
    )
    assert demo_wiring(all_imports(src)) == [
        "adk_observe/demo/run.py:1: imports compile_service from adk_observe.rules.compile"
    ]


def test_a_new_module_outside_every_layer_is_reported(tmp_path: Path) -> None:
    src = _tree(tmp_path, {"model.py": "", "newthing.py": ""})
    assert unplaced(modules(src)) == ["newthing"]


def test_relative_and_submodule_imports_resolve(tmp_path: Path) -> None:
    pkg = tmp_path / "adk_observe" / "rules"
    pkg.mkdir(parents=True)
    (pkg / "x.py").write_text(
        "from adk_observe import conventions as c\n"
        "from ..loader import load\n"
        "import adk_observe.render\n"
        "from ..loader.load import load_specs, _private\n"
    )
    known = {"adk_observe.conventions", "adk_observe.loader.load", "adk_observe.loader"}
    got = [
        (i.imported, i.names, i.line)
        for i in imports_of("adk_observe.rules.x", pkg / "x.py", known, tmp_path)
    ]
    assert got == [
        ("adk_observe.conventions", (), 1),
        ("adk_observe.loader.load", (), 2),
        ("adk_observe.render", (), 3),
        ("adk_observe.loader.load", ("load_specs", "_private"), 4),
    ]
