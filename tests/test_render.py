"""The one serialiser's writer: readable files, nothing staged left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from adk_observe.render import write_files


def test_written_files_follow_the_umask_and_leave_no_temp_files(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        written = write_files(tmp_path, {"a.yaml": "a: 1\n", "sub/b.yaml": "b: 2\n"})
    finally:
        os.umask(old)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == ["a.yaml", "sub/b.yaml"]
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.yaml", "b.yaml"]
    assert (tmp_path / "sub" / "b.yaml").read_text() == "b: 2\n"
