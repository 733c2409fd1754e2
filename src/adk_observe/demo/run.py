"""`python -m adk_observe.demo`: the live demo (what `make demo` runs).

Starts the instrumented demo agent with its traffic, a real Prometheus on a free loopback port
loaded with the rules compiled from the spec, then refreshes a terminal view of every SLO and
alert. After `--outage-at` seconds every model call fails for `--outage-for` seconds: the
success SLO's page alert fires, then resolves once the fault is gone. Ctrl-C or `--duration`
stops it; the agent, its MCP server and Prometheus are stopped and their files removed.
Exit status: 0 when the page alert fired and resolved (or the run was interrupted), 1 when it
did not, 2 when Prometheus is missing or the spec is bad.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from adk_observe.cli.common import load
from adk_observe.cli.rules import rule_files
from adk_observe.demo.prometheus import (
    SCRAPE_INTERVAL,
    PrometheusError,
    PrometheusServer,
    find_binary,
)
from adk_observe.demo.view import FIRING, AlertStatus, Snapshot, clock, collect, render
from adk_observe.errors import AdkObserveError
from adk_observe.model import ServiceSpec, Severity
from adk_observe.render import write_file

if TYPE_CHECKING:
    from adk_observe.demo.agent import DemoAgent

DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "examples" / "demo-agent.yaml"
DEFAULT_REPORT = "build/demo-report.html"
WATCHED_SLO = "success"
CLEAR_SCREEN = "\x1b[H\x1b[2J"
QUIET_LOGGERS = ("google_adk", "google", "adk_observe", "mcp", "httpx", "asyncio")
PLAIN_STATUS_EVERY = 10.0  # seconds between status blocks when the output is not a terminal
DASHBOARD_INDENT = " " * 9  # under the alert, past the clock
RESOLVE_MARGIN = 60.0  # seconds the slower page pair (1m short window) needs after the fix
INSTALL_HINT = "Prometheus is not installed: run `sudo apt-get install -y prometheus` (Debian)."


@dataclass
class Timeline:
    """When the demo injects the outage and what it saw happen."""

    outage_at: float
    outage_for: float
    events: list[str] = field(default_factory=list)
    fired_at: float | None = None
    resolved_at: float | None = None
    _active: dict[tuple[str, str, str, str, str], AlertStatus] = field(default_factory=dict)

    @property
    def outage_end(self) -> float:
        return self.outage_at + self.outage_for

    def outage(self, elapsed: float) -> bool:
        return self.outage_at <= elapsed < self.outage_end

    def phase(self, elapsed: float) -> str:
        if elapsed < self.outage_at:
            return f"healthy; outage injected at {clock(self.outage_at)}"
        if self.outage(elapsed):
            return f"OUTAGE: every model call fails until {clock(self.outage_end)}"
        return f"recovered at {clock(self.outage_end)}; watching the alerts resolve"

    def note(self, elapsed: float, text: str) -> None:
        self.events.append(f"  {clock(elapsed)}  {text}")

    def update(self, elapsed: float, alerts: Sequence[AlertStatus]) -> None:
        """Record alerts that started firing or stopped firing since the last update."""
        firing = {a.key: a for a in alerts if a.state == FIRING}
        for key, alert in sorted(firing.items()):
            if key not in self._active:
                self.note(elapsed, f"FIRING   {alert.describe()}")
                if alert.dashboard_url:
                    self.events.append(f"{DASHBOARD_INDENT}dashboard: {alert.dashboard_url}")
        for key, alert in sorted(self._active.items()):
            if key not in firing:
                self.note(elapsed, f"RESOLVED {alert.describe()}")
        was_paging = any(self._watched(a) for a in self._active.values())
        paging = any(self._watched(a) for a in firing.values())
        if paging and self.fired_at is None:
            self.fired_at = elapsed
        if paging:
            self.resolved_at = None
        elif was_paging:  # the last page of the watched SLO stopped firing
            self.resolved_at = elapsed
        self._active = firing

    @staticmethod
    def _watched(alert: AlertStatus) -> bool:
        return alert.slo == WATCHED_SLO and alert.severity == Severity.PAGE.value

    def summary(self) -> str:
        if self.fired_at is None:
            return f"The {WATCHED_SLO} SLO's page alert did not fire."
        fired = (
            f"The {WATCHED_SLO} SLO paged at {clock(self.fired_at)}, "
            f"{self.fired_at - self.outage_at:.0f}s after the outage began"
        )
        if self.resolved_at is None:
            return fired + ", and had not resolved when the demo ended."
        return (
            fired + f", and resolved at {clock(self.resolved_at)}, "
            f"{self.resolved_at - self.outage_end:.0f}s after the fault was removed."
        )

    @property
    def succeeded(self) -> bool:
        return self.fired_at is not None and self.resolved_at is not None


def compiled_rules(spec: ServiceSpec) -> dict[str, str]:
    """The rule file `compile-rules` writes (the CLI's own wiring, not a second one)."""
    return rule_files(spec).files


def quiet_logging() -> None:
    """ADK logs every failed run with a traceback; during an injected outage that is noise."""
    logging.getLogger().addHandler(logging.NullHandler())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m adk_observe.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--spec", default=str(DEFAULT_SPEC), help="service spec (default: %(default)s)")
    p.add_argument("--duration", type=float, default=180.0, help="seconds to run (default 180)")
    p.add_argument("--outage-at", type=float, default=40.0, help="seconds until the outage")
    p.add_argument("--outage-for", type=float, default=45.0, help="seconds the outage lasts")
    p.add_argument("--rate", type=float, default=5.0, help="agent turns per second")
    p.add_argument("--refresh", type=float, default=2.0, help="seconds between view updates")
    p.add_argument("--prometheus", default=None, help="the prometheus binary (default: on PATH)")
    p.add_argument(
        "--report",
        default=DEFAULT_REPORT,
        help="where the HTML error-budget report is written at the end (default %(default)s)",
    )
    p.add_argument(
        "--plain", action="store_true", help="append status blocks instead of redrawing the screen"
    )
    return p


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def watch(
    prom: PrometheusServer,
    agent: DemoAgent,
    spec: ServiceSpec,
    args: argparse.Namespace,
    timeline: Timeline,
    out: TextIO,
    redraw: bool,
) -> None:
    start = time.monotonic()
    outage = False
    last_plain = -PLAIN_STATUS_EVERY
    while (elapsed := time.monotonic() - start) < args.duration:
        if timeline.outage(elapsed) != outage:
            outage = not outage
            agent.set_outage(outage)
            timeline.note(
                elapsed,
                "fault injected: every model call fails"
                if outage
                else "fault removed: the model answers again",
            )
        snapshot: Snapshot = collect(prom, spec)
        timeline.update(elapsed, snapshot.alerts)
        header = [
            f"adk-observe live demo: {spec.name}   {clock(elapsed)} / {clock(args.duration)}"
            f"   {timeline.phase(elapsed)}",
            f"  Prometheus {prom.url}   agent metrics http://{agent.target}/metrics   "
            f"turns {agent.turns} ({agent.failed_turns} failed)",
        ]
        if redraw:
            out.write(CLEAR_SCREEN + render(snapshot, header, timeline.events[-12:]))
        elif elapsed - last_plain >= PLAIN_STATUS_EVERY:
            out.write(render(snapshot, header, timeline.events[-6:]) + "\n")
            last_plain = elapsed
        out.flush()
        # Pacing of the view, not a wait for a condition.
        time.sleep(max(0.0, args.refresh - (time.monotonic() - start - elapsed)))


def plain_scrape_job(spec: ServiceSpec, target: str, pod_hash: str = "") -> dict[str, Any]:
    """The generated plain-Prometheus job (the one a cluster without the Operator pastes),
    its Kubernetes SD swapped for a static target carrying the pod's meta labels: the demo's
    Prometheus runs the generated relabelling unchanged."""
    from adk_observe import conventions as c
    from adk_observe.deploy.meta import pod_group
    from adk_observe.deploy.scrape import scrape_job, static_stand_in

    pod = pod_group(spec)
    if pod_hash:
        pod[c.POD_LABEL_POD_TEMPLATE_HASH] = pod_hash
    return static_stand_in(spec, scrape_job(spec, SCRAPE_INTERVAL), {target: pod})


def write_report(prom: PrometheusServer, spec: ServiceSpec, started: float, path: Path) -> str:
    """The `adk-observe report --format html` page of the run, charted from its start."""
    from adk_observe.checks.prometheus import PrometheusClient
    from adk_observe.checks.report import build_report
    from adk_observe.checks.report_html import render_html
    from adk_observe.errors import OutputError, PrometheusUnavailableError

    try:
        report = build_report(
            PrometheusClient(prom.url), [spec], time.time(), history=True, chart_from=started
        )
        written = write_file(str(path), render_html(report)) or path
    except (PrometheusUnavailableError, OutputError) as exc:
        return f"The error-budget report could not be written: {exc}\n"
    return f"Error-budget report: {written.resolve()}\n"


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if min(args.duration, args.outage_for, args.rate, args.refresh) <= 0 or args.outage_at < 0:
        parser.error("--duration, --outage-for, --rate and --refresh must be positive")
    if args.outage_at + args.outage_for + RESOLVE_MARGIN > args.duration:
        out.write(
            f"note: the page needs about {RESOLVE_MARGIN:.0f}s after the outage to resolve; "
            f"--duration {args.duration:.0f} may end the demo before that.\n"
        )
    binary = args.prometheus or find_binary()
    if binary is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    try:
        spec = next(s for s in load([args.spec]))
    except AdkObserveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if spec.slo(WATCHED_SLO) is None:
        print(f"error: {args.spec} has no {WATCHED_SLO!r} SLO to page on", file=sys.stderr)
        return 2
    quiet_logging()
    signal.signal(signal.SIGTERM, _terminate)
    from adk_observe.demo.agent import DemoAgent  # imports google.adk: only when it runs

    timeline = Timeline(args.outage_at, args.outage_for)
    redraw = out.isatty() and not args.plain
    try:
        with (
            DemoAgent(spec, rate=args.rate) as agent,
            PrometheusServer(
                rules=compiled_rules(spec),
                targets={},
                scrape_jobs=[plain_scrape_job(spec, agent.target)],
                binary=binary,
            ) as prom,
        ):
            out.write(
                f"Prometheus {prom.url} (pid {prom.pid}) scrapes {agent.target}; "
                "waiting for the first scrape...\n"
            )
            out.flush()
            prom.wait_for_targets_up()
            started = time.time()
            watch(prom, agent, spec, args, timeline, out, redraw)
            report = write_report(prom, spec, started, Path(args.report))
    except KeyboardInterrupt:
        out.write("\ninterrupted; stopping the agent and Prometheus\n")
        out.write(timeline.summary() + "\n")
        return 0
    except PrometheusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out.write("\nEvents\n" + "\n".join(timeline.events) + "\n\n" + report)
    out.write(
        timeline.summary() + "\nEverything stopped: the agent, its MCP server and "
        "Prometheus (its temporary directory is removed).\n"
    )
    return 0 if timeline.succeeded else 1
