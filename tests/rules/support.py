"""Helpers of the rules tests: run the CLI in-process and promtool as a subprocess."""

from __future__ import annotations

import subprocess
from pathlib import Path

from adk_observe.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


def compile_rules(spec: Path, out: Path, *extra: str) -> int:
    return main(["compile-rules", str(spec), "-o", str(out), *extra])


def run_promtool(
    tool: str, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool, *args], cwd=cwd, capture_output=True, text=True, check=False)


def run_parallel(tool: str, jobs: list[tuple[Path, list[str]]]) -> list[tuple[int, str]]:
    """promtool test files are independent and slow: run two at a time (two cores here)."""
    results: list[tuple[int, str]] = []
    for i in range(0, len(jobs), 2):
        procs = [subprocess.Popen([tool, *args], cwd=cwd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
                 for cwd, args in jobs[i:i + 2]]
        results.extend((p.wait(), p.stdout.read() if p.stdout else "") for p in procs)
    return results


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}
