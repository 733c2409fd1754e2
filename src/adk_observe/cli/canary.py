"""`adk-observe canary-check`: measure every metric of the generated analysis once."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from adk_observe.cli.exits import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_UNREACHABLE,
)


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
    p.add_argument(
        "--prometheus",
        required=True,
        metavar="URL",
        help="Prometheus base URL (the templates' in-cluster address is not used)",
    )
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
        metavar="WHEN",
        help="evaluate at this moment (RFC 3339, e.g. 2026-11-24T14:30:00Z, or Unix seconds) "
        "instead of now: would the gate have stopped that release?",
    )
    p.set_defaults(func=run)


def parse_time(text: str | None) -> float | None:
    from adk_observe.checks.canary import CanaryCheckError

    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CanaryCheckError(
            f"--at {text!r} is neither RFC 3339 (2026-11-24T14:30:00Z) nor Unix seconds"
        ) from None
    if moment.tzinfo is None:
        raise CanaryCheckError(f"--at {text!r} needs a time zone (Z or +HH:MM)")
    return moment.timestamp()


def run(args: argparse.Namespace) -> int:
    from adk_observe.checks import canary as cc

    given = {
        "canary-hash": cc.check_hash("--canary-hash", args.canary_hash),
        "stable-hash": cc.check_hash("--stable-hash", args.stable_hash),
    }
    at = parse_time(args.at)
    metrics = cc.metrics(cc.templates(Path(args.dir)), given)
    phases = []
    for metric in metrics:
        try:
            m = cc.measure(metric, args.prometheus, at)
        except cc.PrometheusUnreachable as exc:
            print(f"error: Prometheus unreachable: {exc}", file=sys.stderr)
            return EXIT_UNREACHABLE
        phases.append(m.phase)
        detail = f"result {m.value}" if m.value else m.message
        condition = {
            cc.Phase.SUCCESSFUL: metric.success,
            cc.Phase.FAILED: metric.failure or f"not ({metric.success})",
        }.get(m.phase, "")
        why = f"  [{condition}]" if condition else ""
        print(f"{m.phase.value:<12} {metric.template}/{metric.name}: {detail}{why}")
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
