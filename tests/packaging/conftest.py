"""The wheel, built once per session (helpers in wheel_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import wheel_support


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return wheel_support.build_wheel(
        tmp_path_factory.mktemp("sdist"), tmp_path_factory.mktemp("wheel")
    )
