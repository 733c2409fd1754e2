"""A real Alertmanager (Debian's prometheus-alertmanager 0.25) on a free loopback port, with
its HTTP API for the test's waits. Everything lives in a temporary directory removed on exit;
the process is terminated (then killed) on exit even when the block raises."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from adk_observe.demo.prometheus import LOOPBACK, free_port, is_ready, terminate, wait_until

BINARY = "prometheus-alertmanager"


def find_binary() -> str | None:
    return shutil.which(BINARY) or shutil.which("alertmanager")


class AlertmanagerServer:
    def __init__(self, binary: str, config_dir: Path, port: int | None = None) -> None:
        self.binary = binary
        self.config_dir = config_dir
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    def __enter__(self) -> AlertmanagerServer:
        self._dir = tempfile.TemporaryDirectory(prefix="adk-observe-alertmanager-")
        root = Path(self._dir.name)
        self._log = root / "alertmanager.log"
        args = [
            self.binary,
            f"--config.file={self.config_dir / 'alertmanager.yml'}",
            f"--storage.path={root / 'data'}",
            f"--web.listen-address={LOOPBACK}:{self.port}",
            "--cluster.listen-address=",  # one instance: no gossip, no peer wait
            "--log.level=debug",
        ]
        with self._log.open("wb") as log:
            self._proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_until(self._ready, 30, "Alertmanager to become ready")
        except BaseException:
            self.__exit__()
            raise
        return self

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise RuntimeError(f"Alertmanager exited:\n{self.log_tail()}")
        return is_ready(self.url)

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            terminate(proc)
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def log_tail(self, size: int = 4000) -> str:
        if self._log is None or not self._log.exists():
            return ""
        return self._log.read_text(errors="replace")[-size:]

    def alerts(self) -> list[dict[str, Any]]:
        """GET /api/v2/alerts: every alert it holds, with `status.state` (active, suppressed)
        and `status.inhibitedBy`."""
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=5) as resp:
            alerts: list[dict[str, Any]] = json.loads(resp.read())
        return alerts
