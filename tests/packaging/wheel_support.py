"""Helpers of the packaging tests: the built wheel, installed into fresh virtualenvs (how users
meet the package).

The wheel is built once per session from a copy of the sources (so the build leaves nothing in
the worktree). Each venv is created empty and gets the wheel from PyPI's dependency graph through
pip's cache. Commands run with a clean environment (no PYTHONPATH) from an unrelated folder, so
nothing from this checkout can be imported by accident.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clean_env(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell with only `venv` activated."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("ADK_OBSERVE")
    }
    env["PATH"] = f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"
    env["VIRTUAL_ENV"] = str(venv)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def run(
    args: list[str], cwd: Path, env: dict[str, str], expect: int | None = 0
) -> subprocess.CompletedProcess[str]:
    """Run `args`; its exit code must be `expect` (None: the caller checks it)."""
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert expect is None or proc.returncode == expect, (
        f"{' '.join(args)} exited {proc.returncode}, expected {expect}\n"
        f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    )
    return proc


def build_wheel(workdir: Path, out: Path, catalog: Path) -> Path:
    """Build the wheel from a copy of pyproject.toml, setup.py, README.md and src/ in
    `workdir`; setup.py copies the CR schemas of the `catalog` folder into it."""
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, workdir / name)
    shutil.copytree(ROOT / "src", workdir / "src", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["ADK_OBSERVE_CRD_CATALOG"] = str(catalog)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(workdir)],
        cwd=workdir, env=env)
    (built,) = out.glob("adk_observe-*.whl")
    return built


def make_venv(where: Path, wheel: Path, extras: str = "") -> Path:
    """A fresh venv (no system site-packages) with the wheel installed, `[extras]` if given."""
    venv = where / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    run([base, "-m", "venv", str(venv)], cwd=where, env=clean_env(venv))
    target = f"adk-observe{'[' + extras + ']' if extras else ''} @ {wheel.as_uri()}"
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", target], cwd=where,
        env=clean_env(venv))
    return venv


def checkov_dir() -> Path | None:
    """The folder holding a checkov executable: $ADK_OBSERVE_CHECKOV's, or the project's venv."""
    explicit = os.environ.get("ADK_OBSERVE_CHECKOV")
    candidate = Path(explicit) if explicit else ROOT / ".venv-checkov" / "bin" / "checkov"
    return candidate.parent if candidate.is_file() else None
