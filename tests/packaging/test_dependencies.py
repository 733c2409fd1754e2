"""pyproject's dependencies are exactly the distributions src/ imports: the runtime list holds
what the CLI and the instrumentation import, the extras what `adk` and the deploy gates add."""

from __future__ import annotations

import ast
import importlib.metadata as md
import importlib.util
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "adk_observe"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(reqs: list[str]) -> set[str]:
    return {_norm(re.split(r"[ <>=!~;\[@]", r, maxsplit=1)[0]) for r in reqs}


def _imports(path: Path) -> set[str]:
    """Every absolute module name `path` imports (top level and inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from opentelemetry import trace`: the namespace package has no file of its own
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n.split(".")[0] not in sys.stdlib_module_names
            and n.split(".")[0] != "adk_observe"}


def _file_owners() -> dict[Path, str]:
    owners: dict[Path, str] = {}
    for dist in md.distributions():
        for f in dist.files or ():
            if f.suffix == ".py":
                owners[Path(str(dist.locate_file(f))).resolve()] = _norm(dist.metadata["Name"])
    return owners


def _distribution(module: str, owners: dict[Path, str]) -> str:
    """The distribution that installed `module` (or, for `pkg.name` where name is not a module,
    the one that installed `pkg`)."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.origin:
        parent = module.rpartition(".")[0]
        assert parent, f"{module} is not importable in the dev venv"
        return _distribution(parent, owners)
    return owners[Path(spec.origin).resolve()]


def test_declared_dependencies_are_exactly_the_imported_distributions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _requirement_names(project["dependencies"])
    extras = project["optional-dependencies"]
    owners = _file_owners()
    by_dist: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for module in _imports(path):
            dist = _distribution(module, owners)
            by_dist.setdefault(dist, set()).add(str(path.relative_to(SRC)))
    declared = (runtime | _requirement_names(extras["adk"]) | _requirement_names(extras["deploy"])
                | _requirement_names(extras["grpc"]))
    assert set(by_dist) == declared, (
        f"imported but not declared: {sorted(set(by_dist) - declared)}; "
        f"declared but never imported: {sorted(declared - set(by_dist))}"
    )
    # The optional integrations stay in extras: only the ADK modules and the deploy gates use them.
    # adk/ (the plugin, the guardrail wrapper, ADK's evaluation results: `adk_observe.adk` loads
    # each on first use), the scripted model and the demo.
    adk_users = {"testing.py", "demo/agent.py", "demo/mcp_server.py"}
    for dist in _requirement_names(extras["adk"]):
        outside = {p for p in by_dist[dist] if not p.startswith("adk/")}
        assert outside <= adk_users, (dist, by_dist[dist])
    for dist in _requirement_names(extras["deploy"]):
        assert by_dist[dist] == {"checks/deploy_gates.py"}, (dist, by_dist[dist])
    for dist in _requirement_names(extras["grpc"]):  # imported only when grpc is asked for
        assert by_dist[dist] == {"instrument/otlp_export.py"}, (dist, by_dist[dist])
    assert "promql-parser" in runtime  # checks/lint.py and spec/ import it at top level
