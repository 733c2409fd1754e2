"""The one serialiser's writer: readable files, nothing staged left behind."""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

import pytest

from adk_observe.render import dump_json, write_files


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


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_json_is_strict_a_non_finite_number_is_an_error_never_nan_text(value: float) -> None:
    # JSON has no NaN or Infinity; Python's json writes them unless told not to.
    with pytest.raises(ValueError, match="not JSON compliant"):
        dump_json({"x": [1.0, value]})
    assert dump_json({"x": None}) == '{\n  "x": null\n}\n'
