"""A real Prometheus server on a free loopback port, for the demo and the end-to-end test.

    with PrometheusServer(rules={"svc.rules.yaml": text},
                          targets={"svc": "127.0.0.1:9464"}) as prom:
        prom.wait_until(lambda: prom.query('up{job="svc"} == 1'), timeout=30)
        prom.query("slo:current_burn_rate:ratio")

Everything lives in a temporary directory that is removed on exit; the process is terminated
(then killed) on exit even when the block raises. Nothing here sleeps blindly: waits poll a
condition with a deadline.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from adk_observe.render import dump_yaml

DEFAULT_BINARY = "prometheus"
LOOPBACK = "127.0.0.1"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
HTTP_TIMEOUT = 5.0
POLL_INTERVAL = 0.5
LOG_TAIL = 4000
# Short intervals so rates, rules and alerts move within seconds. The scrape gets a whole
# interval as its timeout: a Python agent busy on the GIL can take most of a second to answer,
# and a timed-out scrape would count against the uptime SLI.
SCRAPE_INTERVAL = "2s"
EVAL_INTERVAL = "1s"

T = TypeVar("T")


class PrometheusError(RuntimeError):
    """Prometheus could not start, answered with an error, or a wait timed out."""


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def find_binary(name: str = DEFAULT_BINARY) -> str | None:
    return shutil.which(name)


def config(
    targets: Mapping[str, str], rule_files: list[str], scrape_interval: str, eval_interval: str
) -> dict[str, Any]:
    """prometheus.yml: one scrape job per target (job name = service name), the rule files."""
    return {
        "global": {
            "scrape_interval": scrape_interval,
            "evaluation_interval": eval_interval,
            "scrape_timeout": scrape_interval,
        },
        "rule_files": rule_files,
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [address]}]}
            for job, address in sorted(targets.items())
        ],
    }


def terminate(proc: subprocess.Popen[Any]) -> None:
    """Stop a child process: SIGTERM, then SIGKILL if it is still there after STOP_TIMEOUT."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


def wait_until(
    condition: Callable[[], T],
    timeout: float,
    what: str = "condition",
    interval: float = POLL_INTERVAL,
) -> T:
    """Poll `condition` until it returns something truthy; PrometheusError after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except (PrometheusError, OSError) as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise PrometheusError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
        time.sleep(interval)


def is_ready(url: str) -> bool:
    """`GET <url>/-/ready` answers 200 (Prometheus and Alertmanager both serve it)."""
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=HTTP_TIMEOUT) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class PrometheusServer:
    """Context manager around a `prometheus` process (see the module docstring)."""

    def __init__(
        self,
        *,
        rules: Mapping[str, str],
        targets: Mapping[str, str],
        binary: str | None = None,
        scrape_interval: str = SCRAPE_INTERVAL,
        eval_interval: str = EVAL_INTERVAL,
        port: int | None = None,
        storage: Path | None = None,
        retention: str = "",
        extra_args: tuple[str, ...] = (),
        scrape_jobs: Sequence[Mapping[str, Any]] = (),
        alertmanagers: Sequence[str] = (),
        agent: bool = False,
        external_labels: Mapping[str, str] | None = None,
        remote_write: Sequence[Mapping[str, Any]] = (),
        remote_read: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.rules = dict(rules)
        self.targets = dict(targets)
        self.binary = binary or find_binary() or DEFAULT_BINARY
        self.scrape_interval = scrape_interval
        self.eval_interval = eval_interval
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None
        # An existing TSDB (e.g. blocks backfilled with promtool) to serve; it is not removed.
        self.storage = storage
        self.retention = retention
        self.extra_args = extra_args
        # Ready-made scrape_configs jobs (e.g. the generated plain-Prometheus job with its SD
        # swapped for static targets), scraped besides one static job per `targets` entry.
        self.scrape_jobs = [dict(j) for j in scrape_jobs]
        # host:port of Alertmanagers the alerts are sent to.
        self.alertmanagers = list(alertmanagers)
        # A fleet (docs/fleet.md): agent mode (scrape and remote-write only: no rules, no query
        # API), the external labels this server adds, where it remote-writes.
        self.agent = agent
        self.external_labels = dict(external_labels or {})
        self.remote_write = [dict(r) for r in remote_write]
        # Remote-read stores the queries also read: one that does not answer makes every
        # answer partial, with Prometheus `warnings` (tests of a partial answer).
        self.remote_read = [dict(r) for r in remote_read]

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> PrometheusServer:
        self._dir = tempfile.TemporaryDirectory(prefix="adk-observe-prometheus-")
        root = Path(self._dir.name)
        for name, text in self.rules.items():
            (root / name).write_text(text, encoding="utf-8")
        cfg = config(self.targets, sorted(self.rules), self.scrape_interval, self.eval_interval)
        cfg["scrape_configs"] += self.scrape_jobs
        if self.alertmanagers:
            targets = [{"targets": self.alertmanagers}]
            cfg["alerting"] = {"alertmanagers": [{"static_configs": targets}]}
        if self.external_labels:
            cfg["global"]["external_labels"] = self.external_labels
        if self.remote_write:
            cfg["remote_write"] = self.remote_write
        if self.remote_read:
            cfg["remote_read"] = self.remote_read
        (root / "prometheus.yml").write_text(dump_yaml(cfg), encoding="utf-8")
        self._log = root / "prometheus.log"
        storage = (
            ["--enable-feature=agent", f"--storage.agent.path={root / 'agent-data'}"]
            if self.agent
            else [f"--storage.tsdb.path={self.storage or root / 'data'}"]
        )
        args = [
            self.binary,
            f"--config.file={root / 'prometheus.yml'}",
            *storage,
            f"--web.listen-address={LOOPBACK}:{self.port}",
            "--web.enable-lifecycle",
            "--enable-feature=exemplar-storage",
            "--log.level=warn",
        ]
        if self.retention:  # backfilled history older than the default 15d must not be dropped
            args.append(f"--storage.tsdb.retention.time={self.retention}")
        args.extend(self.extra_args)
        try:
            with self._log.open("wb") as log:
                self._proc = subprocess.Popen(
                    args, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            wait_until(self._ready, READY_TIMEOUT, "Prometheus to become ready")
        except BaseException as exc:
            tail = self.log_tail()
            self.stop()
            if tail and isinstance(exc, Exception):
                message = f"Prometheus did not start ({exc}); its log ends with:\n{tail}"
                raise PrometheusError(message) from exc
            raise
        return self

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise PrometheusError(f"Prometheus exited with code {self._proc.returncode}")
        return is_ready(self.url)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            terminate(proc)
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def log_tail(self) -> str:
        if self._log is None or not self._log.exists():
            return ""
        return self._log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL:]

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- HTTP API --------------------------------------------------------------------------------

    def api(self, path: str, **params: str) -> Any:
        """GET /api/v1/<path>; the `data` of a successful answer, else PrometheusError."""
        query = urllib.parse.urlencode(params)
        url = f"{self.url}/api/v1/{path}" + (f"?{query}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as resp:
                body = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read() or b"{}")
            raise PrometheusError(f"{path} {params}: {body.get('error', exc)}") from None
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query: the result vector (an empty list when there is no data)."""
        data = self.api("query", query=expr)
        result = data["result"]
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": result}]
        return list(result)

    def query_range(self, expr: str, seconds: float, step: str = "2s") -> list[dict[str, Any]]:
        end = time.time()
        data = self.api(
            "query_range", query=expr, start=f"{end - seconds:.3f}", end=f"{end:.3f}", step=step
        )
        return list(data["result"])

    def exemplars(self, expr: str, seconds: float) -> list[dict[str, Any]]:
        """Exemplars of the series `expr` selects over the last `seconds`."""
        end = time.time()
        data = self.api(
            "query_exemplars", query=expr, start=f"{end - seconds:.3f}", end=f"{end:.3f}"
        )
        return [e for series in data for e in series.get("exemplars", [])]

    def value(self, expr: str) -> float | None:
        """The value of a single-series instant query, None when there is no data."""
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def alerts(self) -> list[dict[str, Any]]:
        return list(self.api("alerts")["alerts"])

    def rule_groups(self) -> list[dict[str, Any]]:
        return list(self.api("rules")["groups"])

    def wait_until(self, condition: Callable[[], T], timeout: float, what: str = "condition") -> T:
        def checked() -> T:
            if not self.running:
                raise PrometheusError(f"Prometheus is not running:\n{self.log_tail()}")
            return condition()

        return wait_until(checked, timeout, what)

    def wait_for_targets_up(self, timeout: float = READY_TIMEOUT) -> None:
        """Every configured job has been scraped successfully (`up == 1`)."""
        jobs = {*self.targets, *(str(j["job_name"]) for j in self.scrape_jobs)}
        for job in sorted(jobs):
            expr = f'up{{job="{job}"}} == 1'

            def scraped(expr: str = expr) -> list[dict[str, Any]]:
                return self.query(expr)

            self.wait_until(scraped, timeout, f"the first successful scrape of job {job!r}")
