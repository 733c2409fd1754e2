"""Fixtures for the instrument tests (the helpers live in instrument_support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import instrument_support
import otlp_receiver
import pytest


@pytest.fixture(autouse=True)
def _reset_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from instrument_support._reset_state(monkeypatch)


@pytest.fixture
def telemetry() -> instrument_support.Telemetry:
    return instrument_support.telemetry()


@pytest.fixture
def receiver() -> Iterator[otlp_receiver.Received]:
    """A real OTLP/HTTP traces receiver on a free loopback port."""
    yield from otlp_receiver.serve()
