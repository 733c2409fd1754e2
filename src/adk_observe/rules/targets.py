"""Rule engines as a table: for each `compile-rules --target`, how the groups are shaped for it,
which fields its groups carry, what its file is called and which offline check proves it loads
(rules/engines.py). A new engine is a row here and its test.

- prometheus: today's rule file, unchanged (promtool 2.42 refuses every field the others add).
- thanos: every group says `partial_response_strategy: abort`: a rule evaluated on a partial
  answer (one store or cluster unreachable) would read a healthy fleet as failing or the other
  way round; abort makes it an evaluation error that Thanos reports, never a wrong page.
- mimir: one namespace per service (the file `mimirtool rules load` reads), groups split to the
  tenant's rules-per-group limit (rules/split.py says what a split costs and avoids it where it
  can), and an optional `query_offset` per group.

Whatever the target, the groups it holds are written in their Prometheus form too when tests
are emitted, so the same promtool scenarios prove every target's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adk_observe.model import ServiceSpec
from adk_observe.rules import engines
from adk_observe.rules.engines import Limits
from adk_observe.rules.output import prometheus_rule, rule_file
from adk_observe.rules.split import LaggedRead, split_groups
from adk_observe.rules.types import RuleGroup

THANOS_STRATEGY = "abort"


@dataclass(frozen=True)
class TargetOptions:
    query_offset: str = ""  # a duration; mimir only
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Target:
    name: str
    check: engines.Check
    # What it is, in `compile-rules --help`'s words: `--target <name> (<about>)`.
    about: str
    # The engine's own fields on every group.
    group_fields: Callable[[TargetOptions], dict[str, str]] = lambda options: {}
    # Groups are split to `limits.rules_per_group` (the engine caps the rules per group).
    split: bool = False
    # The file names its namespace: the service (mimirtool's RuleNamespace).
    namespace: bool = False
    # What `--format operator` makes of it: a PrometheusRule (the Operator, Thanos Ruler via
    # the Operator, or Grafana Alloy's mimir.rules.kubernetes read it).
    operator: bool = True
    # The options that mean something for this target (the CLI refuses the others).
    options: frozenset[str] = frozenset()


def _mimir_fields(options: TargetOptions) -> dict[str, str]:
    return {"query_offset": options.query_offset} if options.query_offset else {}


TARGETS: dict[str, Target] = {
    "prometheus": Target("prometheus", engines.check_prometheus, "default"),
    "thanos": Target(
        "thanos",
        engines.check_thanos,
        "Thanos Ruler: partial_response_strategy abort",
        group_fields=lambda options: {"partial_response_strategy": THANOS_STRATEGY},
    ),
    "mimir": Target(
        "mimir",
        engines.check_mimir,
        "one namespace per service, groups within the tenant's rules-per-group limit",
        group_fields=_mimir_fields,
        split=True,
        namespace=True,
        options=frozenset({"query_offset", "limits"}),
    ),
}
DEFAULT_TARGET = "prometheus"


@dataclass(frozen=True)
class TargetOutput:
    """One service's rules for one engine."""

    target: Target
    groups: tuple[RuleGroup, ...]  # as the engine holds them (split when it caps groups)
    lagged: tuple[LaggedRead, ...]  # reads across the groups of a split
    document: dict[str, Any]  # the target's rule file
    prometheus_form: dict[str, Any]  # the same groups as a plain Prometheus rule file
    problems: tuple[str, ...]  # what the engine's offline check says (empty: it loads)


def target_of(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise ValueError(f"no rule-engine row for {name!r} in rules/targets.py") from None


def shape(
    spec: ServiceSpec,
    groups: tuple[RuleGroup, ...],
    target: Target,
    options: TargetOptions = TargetOptions(),
    operator: bool = False,
) -> TargetOutput:
    """The compiled groups as `target` loads them, checked offline."""
    split = split_groups(groups, options.limits.rules_per_group) if target.split else None
    held = split.groups if split else groups
    fields = target.group_fields(options)
    document = rule_file(held, fields)
    if target.namespace:
        document = {"namespace": spec.name, **document}
    problems = tuple(target.check(document, options.limits))
    if operator:
        document = prometheus_rule(spec, held, fields)
    return TargetOutput(
        target,
        held,
        split.lagged if split else (),
        document,
        rule_file(held),
        problems,
    )


def file_name(spec: ServiceSpec, target: Target, operator: bool = False) -> str:
    """`<svc>.rules.yaml` (prometheus), `<svc>.<target>.rules.yaml` for the others, so the
    Prometheus form written beside it for promtool keeps its usual name; a PrometheusRule is
    `<svc>.prometheusrule.yaml` whatever the target (one object per service)."""
    if operator:
        return f"{spec.name}.prometheusrule.yaml"
    if target.name == DEFAULT_TARGET:
        return f"{spec.name}.rules.yaml"
    return f"{spec.name}.{target.name}.rules.yaml"
