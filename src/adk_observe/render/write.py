"""Atomic output: every file is staged first, then renamed into place, so a failure (or bad
input found late) never leaves a half-written output directory."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from adk_observe.errors import OutputError


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_files(out_dir: str | Path, files: Mapping[str, str]) -> list[Path]:
    """Write `files` (relative path -> text) under `out_dir`; returns the paths written."""
    root = Path(out_dir)
    staged: list[tuple[Path, Path]] = []
    mode = 0o666 & ~_umask()  # read once: reading it means setting it, which is process-wide
    try:
        root.mkdir(parents=True, exist_ok=True)
        for rel in sorted(files):
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(files[rel])
            # mkstemp makes 0600 files; generated artifacts are ordinary readable files.
            os.chmod(tmp_name, mode)
            staged.append((Path(tmp_name), target))
        for tmp, target in staged:
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write to {root}: {exc}") from None
    return [target for _, target in staged]
