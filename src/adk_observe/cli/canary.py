"""`adk-observe canary-check`: measure every metric of the generated analysis once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from adk_observe.cli import connect
from adk_observe.cli.exits import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_UNREACHABLE,
)
from adk_observe.errors import PrometheusUnavailableError, printable

LINE_LIMIT = 1000


def register(sub: Any) -> None:
    p = sub.add_parser(
        "canary-check",
        help="measure the generated canary analysis once against a Prometheus (a dry run)",
        description="Evaluate every metric of the AnalysisTemplates under DIR once, with Argo "
        "Rollouts' semantics (successCondition, failureCondition, inconclusive when neither "
        "holds, empty results), for the given canary and stable pod template hashes. Prints one "
        "line per metric. Exit 0 all successful, 1 any failed, 4 inconclusive, 2 bad input, "
        "3 Prometheus unreachable (or a query it rejects).",
    )
    p.add_argument("dir", metavar="DIR", help="folder written by render-deploy")
    connect.add_options(p)
    p.add_argument(
        "--canary-hash",
        required=True,
        metavar="HASH",
        help="the canary pods' rollouts-pod-template-hash label",
    )
    p.add_argument(
        "--stable-hash",
        required=True,
        metavar="HASH",
        help="the stable pods' rollouts-pod-template-hash label",
    )
    p.add_argument(
        "--at",
        type=connect.parse_time,
        metavar="WHEN",
        help="evaluate at this moment (RFC 3339, e.g. 2026-11-24T14:30:00Z, or Unix seconds) "
        "instead of now: would the gate have stopped that release?",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adk_observe.checks import canary as cc
    from adk_observe.checks import canary_load

    given = {
        "canary-hash": cc.check_hash("--canary-hash", args.canary_hash),
        "stable-hash": cc.check_hash("--stable-hash", args.stable_hash),
    }
    metrics = canary_load.metrics(canary_load.templates(Path(args.dir)), given)
    client = connect.client(args)
    phases = []
    for metric in metrics:
        try:
            m = cc.measure(metric, client, args.at)
        except PrometheusUnavailableError as exc:
            print(f"error: {printable(str(exc))}", file=sys.stderr)
            return EXIT_UNREACHABLE
        phases.append(m.phase)
        detail = "; ".join(d for d in (f"result {m.value}" if m.value else "", m.message) if d)
        condition = {
            cc.Phase.SUCCESSFUL: metric.success,
            cc.Phase.FAILED: metric.failure or f"not ({metric.success})",
        }.get(m.phase, "")
        why = f"  [{condition}]" if condition else ""
        line = f"{m.phase.value:<12} {metric.template}/{metric.name}: {detail}{why}"
        print(printable(line, LINE_LIMIT))
    overall = cc.run_phase(phases)
    counts = ", ".join(
        f"{sum(p is phase for p in phases)} {phase.value.lower()}"
        for phase in (cc.Phase.SUCCESSFUL, cc.Phase.FAILED, cc.Phase.INCONCLUSIVE, cc.Phase.ERROR)
    )
    print(f"canary-check: {overall.value} ({counts})")
    return {
        cc.Phase.SUCCESSFUL: EXIT_OK,
        cc.Phase.FAILED: EXIT_FAILED,
        cc.Phase.INCONCLUSIVE: EXIT_INCONCLUSIVE,
        cc.Phase.ERROR: EXIT_UNREACHABLE,
    }[overall]
