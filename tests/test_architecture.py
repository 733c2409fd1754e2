"""The import graph keeps the layers of DESIGN.md: read every module's imports (ast, so imports
inside functions and under TYPE_CHECKING count too) and check who may import whom.

Layers: core modules (the model and the facts every layer shares), the loader (loader/), the pure
generators (rules/, dashboards/, deploy/), render/ (the only serialiser), checks/, cli/ (the only
wiring) and the runtime (instrument/, adk/), which ships to agents and never needs the compiler.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "adk_observe"

CORE = frozenset(
    {
        "conventions",
        "deploy_model",
        "durations",
        "environment",
        "errors",
        "kube",
        "load_balancers",
        "model",
        "notify_model",
        "promql",
        "runbook_links",
        "windows",
    }
)
GENERATORS = frozenset({"rules", "dashboards", "deploy", "alerting"})
LOADER = "loader"
RENDER = "render"
RUNTIME = frozenset({"instrument", "adk"})
COMPILER = GENERATORS | {LOADER, RENDER, "checks", "cli"}

# Who may not import what, with the reason a failure message gives.
FORBIDDEN: tuple[tuple[frozenset[str], frozenset[str], str], ...] = (
    (
        GENERATORS,
        frozenset({LOADER, RENDER, "cli", "checks"}),
        "generators are pure: model in, objects out",
    ),
    (
        CORE,
        GENERATORS | {LOADER, RENDER, "checks", "cli", "demo"} | RUNTIME,
        "core modules sit below every layer",
    ),
    (RUNTIME, COMPILER, "the runtime ships to agents and never needs the compiler"),
    (
        frozenset({LOADER}),
        GENERATORS | {RENDER, "checks", "cli"},
        "the loader only builds the model",
    ),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((SRC / ROOT).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """(imported adk_observe module, line) for every import statement in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == ROOT:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != ROOT:
                continue
            for alias in node.names:
                # `from adk_observe import conventions` imports the module, not the package.
                sub = f"{target}.{alias.name}"
                yield (sub if sub in known else target), node.lineno


def layer(module: str) -> str:
    """The unit the rules talk about: a subpackage, a top-level module, or the package root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def edges(mods: dict[str, Path]) -> list[tuple[str, str, str, int]]:
    """(importer layer, imported layer, importer file, line), for imports across layers."""
    known = set(mods)
    out = []
    for name, path in mods.items():
        for target, line in imports_of(name, path, known):
            a, b = layer(name), layer(target)
            if a != b and b != ROOT:  # the root only holds __version__ and the lazy public API
                out.append((a, b, str(path.relative_to(SRC)), line))
    return out


def violations(found: list[tuple[str, str, str, int]]) -> list[str]:
    out = []
    for importer, imported, where, line in found:
        for sources, targets, reason in FORBIDDEN:
            if importer in sources and imported in targets:
                out.append(f"{where}:{line}: {importer} imports {imported} ({reason})")
    return sorted(out)


def cycles(found: list[tuple[str, str, str, int]]) -> list[list[str]]:
    """Every strongly connected set of more than one layer (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for a, b, _, _ in found:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
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


def test_every_layer_named_in_the_rules_exists() -> None:
    present = {layer(m) for m in modules()}
    assert CORE | GENERATORS | RUNTIME | {LOADER, RENDER, "checks", "cli"} <= present


def test_no_layer_imports_what_it_must_not() -> None:
    assert violations(edges(modules())) == []


def test_no_import_cycle_between_layers() -> None:
    assert cycles(edges(modules())) == []


@pytest.mark.parametrize(
    ("importer", "imported", "expected"),
    [
        ("rules", "loader", "rules imports loader (generators are pure: model in, objects out)"),
        ("deploy", "render", "deploy imports render (generators are pure: model in, objects out)"),
        ("model", "deploy", "model imports deploy (core modules sit below every layer)"),
        (
            "instrument",
            "rules",
            "instrument imports rules (the runtime ships to agents and never needs the compiler)",
        ),
    ],
)
def test_a_forbidden_import_is_reported(importer: str, imported: str, expected: str) -> None:
    # The checker itself must be able to fail: one added edge of each kind is caught.
    assert violations([(importer, imported, "x.py", 1)]) == [f"x.py:1: {expected}"]


def test_a_cycle_between_layers_is_reported() -> None:
    found = [*edges(modules()), ("model", "rules", "x.py", 1)]
    assert any({"model", "rules"} <= set(group) for group in cycles(found))


def test_relative_and_submodule_imports_resolve(tmp_path: Path) -> None:
    pkg = tmp_path / "adk_observe" / "rules"
    pkg.mkdir(parents=True)
    (pkg / "x.py").write_text(
        "from adk_observe import conventions as c\n"
        "from ..loader import load\n"
        "import adk_observe.render\n"
    )
    known = {"adk_observe.conventions", "adk_observe.loader.load", "adk_observe.loader"}
    got = list(imports_of("adk_observe.rules.x", pkg / "x.py", known))
    assert got == [
        ("adk_observe.conventions", 1),
        ("adk_observe.loader.load", 2),
        ("adk_observe.render", 3),
    ]
