"""`adk-observe report` and `adk-observe gate`: error budgets read from a live Prometheus."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adk_observe.cli import common
from adk_observe.cli.exits import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_UNREACHABLE,
)
from adk_observe.errors import PrometheusUnavailableError

if TYPE_CHECKING:
    from adk_observe.checks.prometheus import PrometheusClient

FORMATS = ("text", "json", "markdown", "html")


def parse_time(text: str) -> float:
    """RFC 3339 (2026-12-01T00:00:00Z) or Unix seconds, as the Prometheus API takes them."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time like 2026-12-01T00:00:00Z or Unix seconds"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone, e.g. a trailing Z")
    return moment.timestamp()


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than zero")
    return value


def _percent(text: str) -> float:
    value = text.removesuffix("%")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage") from None
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 100")
    return number


def _common(p: argparse.ArgumentParser) -> None:
    common.add_specs(p)
    p.add_argument(
        "--prometheus",
        required=True,
        metavar="URL",
        help="Prometheus base URL, e.g. http://prometheus:9090",
    )
    p.add_argument(
        "--at",
        type=parse_time,
        default=None,
        metavar="TIME",
        help="evaluate at this instant (RFC 3339 or Unix seconds; default now)",
    )
    p.add_argument(
        "--calendar",
        choices=("month",),
        default=None,
        help="report the current calendar month (UTC) instead of each SLO's rolling window",
    )
    p.add_argument(
        "--timeout",
        type=_positive,
        default=10.0,
        metavar="SECONDS",
        help="timeout of each Prometheus query (default 10)",
    )


def register(sub: Any) -> None:
    r = sub.add_parser(
        "report",
        help="error budget of every SLO, read from a live Prometheus",
        description="For every SLO: SLI over its window, error budget left, burn rates, "
        "time to exhaustion and the alerts firing now.",
    )
    _common(r)
    r.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    r.add_argument("-o", "--output", metavar="FILE", help="write the report here (default stdout)")
    r.set_defaults(func=run_report)
    g = sub.add_parser(
        "gate",
        help="error-budget policy check for CI/CD: exit 1 when an SLO has too little budget",
        description="Exit 0 when every selected SLO keeps at least --min-budget percent of its "
        "error budget (and burns at most --max-burn over 1h), 1 when one does not, 2 on bad "
        "input, 3 when Prometheus is unreachable, 4 when an SLO has no data.",
    )
    _common(g)
    g.add_argument(
        "--slo",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME",
        help="only these SLOs (default every SLO)",
    )
    g.add_argument(
        "--min-budget",
        type=_percent,
        required=True,
        metavar="PERCENT",
        help="least share of the error budget that must be left, in percent",
    )
    g.add_argument(
        "--max-burn",
        type=_positive,
        default=None,
        metavar="X",
        help="highest 1h burn rate allowed (1 = exactly sustainable)",
    )
    g.set_defaults(func=run_gate)


def _client(args: argparse.Namespace) -> PrometheusClient:
    from adk_observe.checks.prometheus import PrometheusClient

    return PrometheusClient(args.prometheus, timeout=args.timeout)


def run_report(args: argparse.Namespace) -> int:
    from adk_observe.checks import report_render as rr
    from adk_observe.checks.report import build_report
    from adk_observe.render import dump_json

    specs = common.load(args.specs)
    at = args.at if args.at is not None else time.time()
    html = args.format == "html"
    try:
        report = build_report(
            _client(args), specs, at, calendar=args.calendar == "month", history=html
        )
    except PrometheusUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    if html:
        from adk_observe.checks.report_html import render_html

        text = render_html(report)
    elif args.format == "json":
        text = dump_json(rr.report_data(report))
    elif args.format == "markdown":
        text = rr.render_markdown(report)
    else:
        text = rr.render_text(report)
    if args.output:
        target = Path(args.output)
        common.write_file(target, text)
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def run_gate(args: argparse.Namespace) -> int:
    from adk_observe.checks.gate import FAIL, NO_DATA, evaluate
    from adk_observe.checks.report import build_report

    specs = common.load(args.specs)
    known = {slo.name for spec in specs for slo in spec.slos}
    unknown = sorted(set(args.slo) - known)
    if unknown:
        print(
            f"error: --slo {', '.join(unknown)}: no such SLO (the specs have: "
            f"{', '.join(sorted(known))})",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    at = args.at if args.at is not None else time.time()
    try:
        report = build_report(
            _client(args), specs, at, calendar=args.calendar == "month", slos=args.slo
        )
    except PrometheusUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    verdicts = evaluate(report, args.min_budget, args.max_burn)
    for v in verdicts:
        print(v.line)
    outcomes = {v.outcome for v in verdicts}
    if FAIL in outcomes:
        return EXIT_FAILED
    if NO_DATA in outcomes:
        return EXIT_INCONCLUSIVE
    return EXIT_OK
