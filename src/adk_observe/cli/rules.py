"""`adk-observe compile-rules`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from adk_observe.cli import common
from adk_observe.cli.exits import EXIT_OK
from adk_observe.render import dump_yaml, write_files
from adk_observe.rules.compile import compile_service
from adk_observe.rules.output import prometheus_rule, rule_file, rule_file_name
from adk_observe.rules.types import Alert


def register(sub: Any) -> None:
    p = sub.add_parser(
        "compile-rules",
        help="compile SLOs to Prometheus recording rules and alerts",
        description="Compile each service's SLOs into one Prometheus rule file "
        "(or PrometheusRule) with SLI recordings, burn-rate alerts and the agent alert pack.",
    )
    common.add_specs(p)
    common.add_output(p)
    common.add_runbook_base(p)
    p.add_argument(
        "--format",
        choices=("prometheus", "operator"),
        default="prometheus",
        help="plain rule file (default) or monitoring.coreos.com/v1 PrometheusRule",
    )
    p.add_argument(
        "--emit-tests",
        action="store_true",
        help="also write promtool unit tests proving each SLO's detection behaviour",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adk_observe.rules.agent_pack_tests import agent_pack_tests
    from adk_observe.rules.unit_tests import test_files, untested

    specs = common.with_runbooks(common.load(args.specs), args.runbook_base_url)
    operator = args.format == "operator"
    files: dict[str, str] = {}
    summary = []
    for spec in specs:
        groups = compile_service(spec)
        source = spec.source.file
        doc = prometheus_rule(spec, groups) if operator else rule_file(groups)
        files[rule_file_name(spec, operator)] = dump_yaml(doc, source=source)
        if args.emit_tests:
            for name, doc in test_files(spec, rule_file_name(spec)).items():
                files[name] = dump_yaml(doc, source=source)
            for note in untested(spec):
                print(f"note: {source}: {note}", file=sys.stderr)
            pack_tests, notes = agent_pack_tests(spec, rule_file_name(spec))
            if pack_tests is not None:
                files[f"{spec.name}.rules.agent-test.yaml"] = dump_yaml(pack_tests, source=source)
            for note in notes:
                print(f"note: {source}: no agent-pack test for {note}", file=sys.stderr)
            if operator:  # promtool reads plain rule files only
                files[rule_file_name(spec)] = dump_yaml(rule_file(groups), source=source)
        rules = [r for g in groups for r in g.rules]
        alerts = sum(isinstance(r, Alert) for r in rules)
        summary.append(
            f"{spec.name}: {len(spec.slos)} SLOs, {len(rules)} rules "
            f"({len(rules) - alerts} recordings, {alerts} alerts)"
        )
    written = write_files(args.output, files)
    for line in summary:
        print(line)
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK
