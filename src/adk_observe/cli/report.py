"""`adk-observe report` and `adk-observe gate`: error budgets read from a live Prometheus."""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import TYPE_CHECKING, Any

from adk_observe.cli import common, connect
from adk_observe.cli.exits import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_UNREACHABLE,
)
from adk_observe.errors import CommandOptionError, PrometheusUnavailableError, printable, quote

if TYPE_CHECKING:
    from adk_observe.checks.report import Report
    from adk_observe.model import ServiceSpec

FORMATS = ("text", "json", "markdown", "html")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{quote(text)} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{quote(text)} must be a finite number above zero")
    return value


def _percent(text: str) -> float:
    try:
        number = float(text.removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{quote(text)} is not a percentage") from None
    if not 0 <= number <= 100:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"{quote(text)} must be between 0 and 100")
    return number


def _common(p: argparse.ArgumentParser) -> None:
    common.add_specs(p)
    connect.add_options(p)
    p.add_argument(
        "--at",
        type=connect.parse_time,
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


def register(sub: Any) -> None:
    r = sub.add_parser(
        "report",
        help="error budget of every SLO, read from a live Prometheus",
        description="For every SLO: SLI over its window, error budget left, burn rates, "
        "time to exhaustion and the alerts firing now.",
    )
    _common(r)
    r.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    r.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the report here: a file (replaced atomically), a FIFO or character device "
        "(streamed), or - (default: standard output)",
    )
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


def _read(args: argparse.Namespace, specs: list[ServiceSpec], **options: Any) -> Report | None:
    """The report the options ask for; None (after one line on stderr) when Prometheus gave
    no usable answer."""
    from adk_observe.checks.report import build_report

    client = connect.client(args)
    at = args.at if args.at is not None else time.time()
    try:
        return build_report(client, specs, at, calendar=args.calendar == "month", **options)
    except PrometheusUnavailableError as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return None


def run_report(args: argparse.Namespace) -> int:
    from adk_observe.checks import report_render as rr
    from adk_observe.render import dump_json, file_target, write_file

    if args.output is not None:
        file_target(args.output)  # refused now (exit 2), not after the queries
    html = args.format == "html"
    report = _read(args, common.load(args.specs), history=html)
    if report is None:
        return EXIT_UNREACHABLE
    for warning in report.warnings:  # the figures may rest on partial data
        print(f"warning: Prometheus warned: {warning}", file=sys.stderr)
    if html:
        from adk_observe.checks.report_html import render_html

        text = render_html(report)
    elif args.format == "json":
        text = dump_json(rr.report_data(report))
    elif args.format == "markdown":
        text = rr.render_markdown(report)
    else:
        text = rr.render_text(report)
    if args.output is None:
        sys.stdout.write(text)
    elif (written := write_file(args.output, text)) is not None:
        print(f"wrote {written}")
    return EXIT_OK


def run_gate(args: argparse.Namespace) -> int:
    from adk_observe.checks.gate import FAIL, NO_DATA, PASS, evaluate, overall

    specs = common.load(args.specs)
    known = {slo.name for spec in specs for slo in spec.slos}
    unknown = sorted(set(args.slo) - known)
    if unknown:
        raise CommandOptionError(
            f"--slo {', '.join(unknown)}: no such SLO (the specs have: {', '.join(sorted(known))})"
        )
    report = _read(args, specs, slos=args.slo)
    if report is None:
        return EXIT_UNREACHABLE
    verdicts = evaluate(report, args.min_budget, args.max_burn)
    for v in verdicts:
        print(v.line)
    return {FAIL: EXIT_FAILED, NO_DATA: EXIT_INCONCLUSIVE, PASS: EXIT_OK}[overall(verdicts)]
