"""`adk-observe compile-rules`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

from adk_observe.cli import common
from adk_observe.cli.exits import EXIT_OK
from adk_observe.model import ServiceSpec
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


@dataclass(frozen=True)
class RuleOutput:
    files: dict[str, str]  # file name -> text
    notes: list[str]  # printed on stderr: what got no emitted test, and why
    summary: str  # printed on stdout: how many rules


def rule_files(spec: ServiceSpec, operator: bool = False, emit_tests: bool = False) -> RuleOutput:
    """What `compile-rules` writes for one service (the demo compiles through this too)."""
    from adk_observe.rules.agent_pack_tests import agent_pack_tests
    from adk_observe.rules.unit_tests import test_files, untested

    groups = compile_service(spec)
    source = spec.source.file
    doc = prometheus_rule(spec, groups) if operator else rule_file(groups)
    files = {rule_file_name(spec, operator): dump_yaml(doc, source=source)}
    notes: list[str] = []
    if emit_tests:
        for name, doc in test_files(spec, rule_file_name(spec)).items():
            files[name] = dump_yaml(doc, source=source)
        notes.extend(untested(spec))
        pack_tests, pack_notes = agent_pack_tests(spec, rule_file_name(spec))
        if pack_tests is not None:
            files[f"{spec.name}.rules.agent-test.yaml"] = dump_yaml(pack_tests, source=source)
        notes.extend(f"no agent-pack test for {note}" for note in pack_notes)
        if operator:  # promtool reads plain rule files only
            files[rule_file_name(spec)] = dump_yaml(rule_file(groups), source=source)
    rules = [r for g in groups for r in g.rules]
    alerts = sum(isinstance(r, Alert) for r in rules)
    summary = (
        f"{spec.name}: {len(spec.slos)} SLOs, {len(rules)} rules "
        f"({len(rules) - alerts} recordings, {alerts} alerts)"
    )
    return RuleOutput(files, notes, summary)


def run(args: argparse.Namespace) -> int:
    specs = common.load(args.specs)
    files: dict[str, str] = {}
    summary = []
    for spec in specs:
        out = rule_files(spec, args.format == "operator", args.emit_tests)
        files.update(out.files)
        for note in out.notes:
            print(f"note: {spec.source.file}: {note}", file=sys.stderr)
        summary.append(out.summary)
    written = write_files(args.output, files)
    for line in summary:
        print(line)
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK
