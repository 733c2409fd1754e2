"""The one assertion of the generated hostile spec cases: for every command that reads specs,
exit 2, one `error: FILE:LINE: KEY.PATH: ...` line naming `path` and saying `message`, nothing on
stdout, no output folder, and never `secret` (a credential the case planted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.hostile.test_corpus import SPEC_COMMANDS, command_line, run

from adk_observe.render import dump_yaml


def _every_command(file: Path, head: str, path: str, message: str, secret: str = "") -> list[str]:
    """Run every spec command on `file`; returns their stderr lines for further checks."""
    errors = []
    for command in SPEC_COMMANDS:
        out = file.parent / command
        code, stdout, stderr = run(*command_line(command, file, out))
        assert (command, code, stdout) == (command, 2, ""), stderr
        assert stderr.count("\n") == 1 and stderr.startswith(head), stderr
        assert f" {path}:" in stderr, (path, stderr)
        assert message in stderr
        assert not secret or secret not in stderr  # never echoes a credential
        assert len(stderr) < 400 and "Traceback" not in stderr
        assert not out.exists()
        errors.append(stderr)
    return errors


def assert_one_located_error(
    spec: dict[str, Any], tmp_path: Path, path: str, message: str, secret: str = ""
) -> None:
    """`spec` written as YAML; the error names its file and `path`."""
    file = tmp_path / "spec.yaml"
    file.write_text(dump_yaml(spec, with_header=False))
    _every_command(file, f"error: {file}:", path, message, secret)


def assert_located_at(spec: Path, line: int, path: str, message: str) -> list[str]:
    """A spec file written by hand: the error names exactly its `line` and `path`."""
    return _every_command(spec, f"error: {spec}:{line}: {path}: ", path, message)
