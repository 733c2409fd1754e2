"""The check every hostile spec case makes: each command that reads the spec exits 2 with one
`error: FILE:LINE: KEY.PATH: reason` line, prints nothing on stdout and writes no output."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.test_corpus import run

COMMANDS = ("validate", "compile-rules", "lint", "alertmanager", "runbooks")
WITH_OUTPUT = {"compile-rules", "alertmanager", "runbooks"}


def assert_one_located_error(spec: Path, line: int, path: str, reason: str) -> list[str]:
    """Run every command on `spec`; returns their stderr lines for further checks."""
    prefix = f"error: {spec}:{line}: {path}: "
    errors = []
    for command in COMMANDS:
        out = spec.parent / command
        argv = [command, str(spec), *(["-o", str(out)] if command in WITH_OUTPUT else [])]
        code, stdout, stderr = run(*argv)
        assert (command, code, stdout) == (command, 2, ""), stderr
        assert stderr.startswith(prefix) and stderr.count("\n") == 1, stderr
        assert reason in stderr and len(stderr) < 400, stderr
        assert not out.exists()
        errors.append(stderr)
    return errors
