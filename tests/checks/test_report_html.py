"""The HTML report, opened in a real headless Chromium (Debian's `chromium`)."""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from tests.conftest import require_tool

from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer

AT = "2026-11-03T00:00:00Z"
SERVICES = ("steady", "incident", "quiet")


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    binary = require_tool("chromium", package="chromium")
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,  # a hung browser must not hang the suite (not a performance limit)
    )


def _console(stderr: str) -> list[str]:
    """What the page wrote to its console (Chromium logs each message as INFO:CONSOLE)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _distinct_pixels(png: bytes) -> int:
    """Distinct byte values in the decoded image rows: 1-2 for a blank page."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data = 8, b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        if kind == b"IDAT":
            data += png[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(data)))


@pytest.fixture(scope="module")
def page(
    backfilled: PrometheusServer, specs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    argv = [
        "report",
        *(str(specs[s]) for s in SERVICES),
        "--prometheus",
        backfilled.url,
        "--at",
        AT,
        "--format",
        "html",
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    return out


def test_the_page_is_self_contained(page: Path) -> None:
    text = page.read_text()
    # No script, stylesheet, image or font is fetched: nothing refers to another resource.
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import", text)


def test_chromium_renders_every_slo_without_console_errors(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    run = _chromium(f"--screenshot={shot}", "--window-size=1400,2400", page.as_uri())
    assert _console(run.stderr) == []
    assert _distinct_pixels(shot.read_bytes()) > 20  # text, charts and colours, not a blank
    dom = _chromium("--dump-dom", page.as_uri()).stdout
    sections = re.findall(r'<section class="slo" data-service="([^"]+)" data-slo="([^"]+)"', dom)
    assert sections == [(s, slo) for s in SERVICES for slo in ("success", "availability")]
    # Two charts per SLO with data (budget burn-down, burn rates); quiet/success has none.
    assert dom.count("<svg") == 2 * 5
    assert "no data: no traffic in the window." in dom
    # The incident's page alert is drawn where it fired.
    assert 'class="alert"' in dom


def test_the_console_check_sees_a_failing_script(tmp_path: Path) -> None:
    """The check above can fail: a page that logs and throws is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); nope();</script>")
    run = _chromium("--dump-dom", bad.as_uri())
    messages = _console(run.stderr)
    assert any("boom" in m for m in messages)
    assert any("nope is not defined" in m for m in messages)
