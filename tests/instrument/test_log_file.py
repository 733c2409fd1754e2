"""A log file that cannot be written never floods stderr: one counted error per retry period,
records dropped and counted, and the file used again once it can be opened."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from instrument_support import make_telemetry

from adk_observe import agent_turn
from adk_observe import conventions as c
from adk_observe.instrument.log_sinks import SafeFileHandler


def _file_handler(telemetry_handle: object) -> SafeFileHandler:
    setup = telemetry_handle.logging  # type: ignore[attr-defined]
    (handler,) = [h for h in setup.handlers if isinstance(h, SafeFileHandler)]
    return handler


def test_an_unwritable_log_file_costs_one_counted_error_not_a_traceback_per_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "not-yet"  # missing folder: opening the file fails, as on a read-only fs
    target = folder / "agent.log"
    telemetry = make_telemetry(log_file=str(target), background_recording=False)
    log = logging.getLogger("billing-agent")
    for i in range(50):
        with agent_turn():
            log.warning("record %d", i)
    telemetry.handle.force_flush()
    captured = capsys.readouterr()
    assert "Logging error" not in captured.err and "Traceback" not in captured.err
    assert telemetry.value(c.INTERNAL_ERRORS.name, component=c.COMPONENT_LOGGING) == 1.0
    dropped = telemetry.value(c.TELEMETRY_DROPPED.name, sink=c.SINK_LOG_FILE)
    assert dropped == 100.0  # 50 user lines + 50 turn lines, all for the file that is down
    # The folder appears (the volume is mounted, the disk freed): the next retry writes again.
    folder.mkdir()
    _file_handler(telemetry.handle).down_until = 1.0  # the retry period has passed
    log.warning("back")
    telemetry.handle.force_flush()
    assert '"message": "back"' in target.read_text() or '"message":"back"' in target.read_text()
    assert telemetry.value(c.INTERNAL_ERRORS.name, component=c.COMPONENT_LOGGING) == 1.0
