"""`adk-observe compile-rules`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

from adk_observe.cli import common
from adk_observe.cli.exits import EXIT_OK
from adk_observe.durations import parse_ms
from adk_observe.errors import OptionError, SpecError
from adk_observe.model import ServiceSpec
from adk_observe.render import dump_yaml, write_files
from adk_observe.rules.compile import compile_service
from adk_observe.rules.engines import MIMIR_GROUPS_PER_TENANT, MIMIR_RULES_PER_GROUP, Limits
from adk_observe.rules.output import rule_file_name
from adk_observe.rules.targets import (
    DEFAULT_TARGET,
    TARGETS,
    TargetOptions,
    TargetOutput,
    file_name,
    shape,
    target_of,
)
from adk_observe.rules.types import Alert

MAX_LIMIT = 100_000


def _duration(text: str) -> str:
    """A duration written into the rule file as given: so exactly a duration, nothing around
    it (parse_ms alone lets a trailing line break through)."""
    try:
        parse_ms(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not text.isascii() or not text.isalnum():
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a duration like 1m")
    return text


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"{value} must be between 1 and {MAX_LIMIT}")
    return value


def _engines() -> str:
    """Every row of rules/targets.py with its words: `a (..), b (..) or c (..)`."""
    *others, last = (f"{t.name} ({t.about})" for t in TARGETS.values())
    return f"{', '.join(others)} or {last}" if others else last


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
        "--target",
        choices=tuple(TARGETS),
        default=DEFAULT_TARGET,
        help=f"the rule engine that evaluates the rules: {_engines()}",
    )
    p.add_argument(
        "--query-offset",
        type=_duration,
        default=None,
        metavar="DURATION",
        help="mimir: evaluate every group this long in the past (query_offset), e.g. 1m "
        "for samples that arrive late through remote write",
    )
    p.add_argument(
        "--rules-per-group",
        type=_count,
        default=MIMIR_RULES_PER_GROUP,
        metavar="N",
        help=f"mimir: the tenant's -ruler.max-rules-per-rule-group (default "
        f"{MIMIR_RULES_PER_GROUP}); larger groups are split",
    )
    p.add_argument(
        "--groups-per-tenant",
        type=_count,
        default=MIMIR_GROUPS_PER_TENANT,
        metavar="N",
        help=f"mimir: the tenant's -ruler.max-rule-groups-per-tenant (default "
        f"{MIMIR_GROUPS_PER_TENANT}), checked per service",
    )
    p.add_argument(
        "--emit-tests",
        action="store_true",
        help="also write promtool unit tests proving each SLO's detection behaviour",
    )
    p.set_defaults(func=run)


def _options(args: argparse.Namespace) -> TargetOptions:
    target = target_of(args.target)
    given = {
        "--query-offset": args.query_offset is not None,
        "--rules-per-group": args.rules_per_group != MIMIR_RULES_PER_GROUP,
        "--groups-per-tenant": args.groups_per_tenant != MIMIR_GROUPS_PER_TENANT,
    }
    if "limits" not in target.options or "query_offset" not in target.options:
        for flag, set_ in given.items():
            if set_:
                raise OptionError(f"{flag} applies to --target mimir only")
    return TargetOptions(
        query_offset=args.query_offset or "",
        limits=Limits(args.rules_per_group, args.groups_per_tenant),
    )


def _checked(spec: ServiceSpec, out: TargetOutput) -> None:
    """An output its engine would refuse is bad input: one line, nothing written."""
    if out.problems:
        more = f" (and {len(out.problems) - 1} more)" if len(out.problems) > 1 else ""
        raise SpecError(
            f"the {out.target.name} rule file of {spec.name} would not load: "
            f"{out.problems[0]}{more}",
            file=spec.source.file,
        )


def _lag_notes(out: TargetOutput) -> list[str]:
    return [
        f"{out.target.name}: alert {read.reader} (group {read.group}) reads {read.recording} "
        f"from another group: one evaluation late"
        for read in out.lagged
        if read.alert
    ]


def _tests(spec: ServiceSpec, files: dict[str, str]) -> list[str]:
    """Adds the emitted promtool tests to `files`; returns what got none, and why."""
    from adk_observe.rules.agent_pack_tests import agent_pack_tests
    from adk_observe.rules.cluster_tests import cluster_tests
    from adk_observe.rules.unit_tests import test_files, untested

    source = spec.source.file
    for name, doc in test_files(spec, rule_file_name(spec)).items():
        files[name] = dump_yaml(doc, source=source)
    notes = list(untested(spec))
    pack_tests, pack_notes = agent_pack_tests(spec, rule_file_name(spec))
    if pack_tests is not None:
        files[f"{spec.name}.rules.agent-test.yaml"] = dump_yaml(pack_tests, source=source)
    notes.extend(f"no agent-pack test for {note}" for note in pack_notes)
    fleet, fleet_notes = cluster_tests(spec, rule_file_name(spec))  # spec.clusters only
    if fleet is not None:
        files[f"{spec.name}.rules.cluster-test.yaml"] = dump_yaml(fleet, source=source)
    notes.extend(fleet_notes)
    return notes


@dataclass(frozen=True)
class RuleOutput:
    files: dict[str, str]  # file name -> text
    notes: list[str]  # printed on stderr: what got no emitted test, and why
    summary: str  # printed on stdout: how many rules


def rule_files(
    spec: ServiceSpec,
    target: str = DEFAULT_TARGET,
    options: TargetOptions | None = None,
    operator: bool = False,
    emit_tests: bool = False,
) -> RuleOutput:
    """What `compile-rules` writes for one service (the demo compiles through this too)."""
    engine = target_of(target)
    out = shape(spec, compile_service(spec), engine, options or TargetOptions(), operator)
    _checked(spec, out)
    notes = _lag_notes(out)
    source = spec.source.file
    files = {file_name(spec, engine, operator): dump_yaml(out.document, source=source)}
    if emit_tests:
        notes.extend(_tests(spec, files))
        # promtool reads plain Prometheus rule files only: the same groups, in that form.
        files[rule_file_name(spec)] = dump_yaml(out.prometheus_form, source=source)
    rules = [r for g in out.groups for r in g.rules]
    alerts = sum(isinstance(r, Alert) for r in rules)
    split = f", {len(out.groups)} groups" if engine.split else ""
    summary = (
        f"{spec.name}: {len(spec.slos)} SLOs, {len(rules)} rules "
        f"({len(rules) - alerts} recordings, {alerts} alerts{split})"
    )
    return RuleOutput(files, notes, summary)


def run(args: argparse.Namespace) -> int:
    specs = common.with_runbooks(common.load(args.specs), args.runbook_base_url)
    options = _options(args)
    files: dict[str, str] = {}
    summary = []
    for spec in specs:
        out = rule_files(spec, args.target, options, args.format == "operator", args.emit_tests)
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
