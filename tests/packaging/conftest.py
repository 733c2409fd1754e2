"""The wheel, built once per session (helpers in wheel_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import wheel_support
from tests.conftest import SHARED, in_ci


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    catalog = SHARED / "crd-schemas"
    if not catalog.is_dir():
        message = f"CRD catalogue folder {catalog} is missing (the wheel build copies it in)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return wheel_support.build_wheel(
        tmp_path_factory.mktemp("sdist"), tmp_path_factory.mktemp("wheel"), catalog
    )
