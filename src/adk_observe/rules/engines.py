"""Offline checks of a rule file against each engine's own fields and limits.

None of promtool's siblings installs here (mimirtool, thanos, cortextool), so what they would
refuse is stated as data from their parsers and checked in Python:

- Prometheus 2.42 (`promtool check rules`, `rule_files:`): rulefmt's group fields `name`,
  `interval`, `limit`, `rules`; it rejects `query_offset`, group `labels`,
  `partial_response_strategy`, `source_tenants` and a top-level `namespace` (yaml.v3 with known
  fields only).
- Thanos Ruler: Prometheus' rulefmt group plus `partial_response_strategy` (`warn` or `abort`,
  any case; pkg/rules `RuleGroup.UnmarshalYAML`); no namespace.
- Grafana Mimir (`mimirtool rules load`, pkg/mimirtool/rules `RuleNamespace`): a file is one
  namespace (`namespace:`, else the file name) of rulefmt groups, which Mimir's Prometheus fork
  extends with `query_offset` (formerly `evaluation_delay`), `source_tenants` and
  `align_evaluation_time_on_interval`; mimirtool adds `remote_write`. Per-tenant limits
  (pkg/util/validation/limits.go defaults): 20 rules per group
  (`-ruler.max-rules-per-rule-group`), 70 groups per tenant (`-ruler.max-rule-groups-per-tenant`).

Every check also holds for all engines: group names present and unique in the file, rule keys
known, exactly one of `record`/`alert`, expressions that parse, recording names that are metric
names, and no rule reading a recording that the file records only later (a later group, or
further down its own group).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import promql_parser

from adk_observe.durations import parse_ms
from adk_observe.rules.split import selected_names

RULE_FIELDS = frozenset(
    {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
)
PROMETHEUS_GROUP_FIELDS = frozenset({"name", "interval", "limit", "rules"})
THANOS_GROUP_FIELDS = PROMETHEUS_GROUP_FIELDS | {"query_offset", "partial_response_strategy"}
THANOS_STRATEGIES = frozenset({"warn", "abort"})
MIMIR_GROUP_FIELDS = PROMETHEUS_GROUP_FIELDS | {
    "query_offset",
    "evaluation_delay",
    "source_tenants",
    "align_evaluation_time_on_interval",
    "remote_write",
}
MIMIR_RULES_PER_GROUP = 20  # -ruler.max-rules-per-rule-group
MIMIR_GROUPS_PER_TENANT = 70  # -ruler.max-rule-groups-per-tenant
MIMIR_EVALUATION_DELAY = "1m"  # -ruler.evaluation-delay-duration, now a group's query_offset
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class Limits:
    """The per-tenant limits a Mimir file is checked against (the defaults unless told)."""

    rules_per_group: int = MIMIR_RULES_PER_GROUP
    groups_per_tenant: int = MIMIR_GROUPS_PER_TENANT


def _keys(where: str, found: Iterable[str], allowed: frozenset[str], engine: str) -> list[str]:
    return [f"{where}: {engine} does not accept the field {k!r}" for k in found if k not in allowed]


def _rule(where: str, rule: Any) -> list[str]:
    if not isinstance(rule, dict):
        return [f"{where}: a rule must be a mapping"]
    problems = _keys(where, rule, RULE_FIELDS, "a rule file")
    if ("record" in rule) == ("alert" in rule):
        problems.append(f"{where}: exactly one of record or alert")
    record = rule.get("record")
    if record is not None and not (isinstance(record, str) and METRIC_NAME.fullmatch(record)):
        problems.append(f"{where}: {record!r} is not a metric name")
    if record is not None and ("annotations" in rule or "for" in rule):
        problems.append(f"{where}: a recording rule takes no for or annotations")
    for key in (rule.get("labels") or {}, rule.get("annotations") or {}):
        problems += [
            f"{where}: {k!r} is not a label name" for k in key if not LABEL_NAME.fullmatch(k)
        ]
    expr = rule.get("expr")
    try:
        promql_parser.parse(expr if isinstance(expr, str) else "")
    except (ValueError, TypeError) as exc:
        problems.append(f"{where}: expr does not parse: {exc}")
    return problems


def _order(groups: list[Any]) -> list[str]:
    """A rule may read what an earlier rule of the file records, never what a later one does."""
    later: dict[str, str] = {}
    for g in groups:
        for r in g.get("rules") or []:
            if isinstance(r, dict) and isinstance(r.get("record"), str):
                later.setdefault(r["record"], str(g.get("name")))
    problems = []
    for g in groups:
        for i, r in enumerate(g.get("rules") or []):
            if not isinstance(r, dict) or not isinstance(r.get("expr"), str):
                continue
            try:
                reads = selected_names(r["expr"])
            except ValueError:
                continue  # reported by _rule
            name = r.get("record") or r.get("alert")
            for used in sorted(reads & set(later)):
                problems.append(
                    f"group {g.get('name')!r} rule {i + 1} ({name}) reads {used}, which is "
                    f"recorded only later (group {later[used]!r})"
                )
            if isinstance(r.get("record"), str):
                later.pop(r["record"], None)
    return problems


def check_common(
    doc: Any, top: frozenset[str], group_fields: frozenset[str], engine: str
) -> list[str]:
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        return [f"{engine}: a rule file is a mapping with a groups list"]
    problems = _keys("file", doc, top, engine)
    names: set[str] = set()
    for gi, group in enumerate(doc["groups"]):
        where = f"group {gi + 1}"
        if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
            problems.append(f"{where}: a group is a mapping with a rules list")
            continue
        name = group.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"{where}: a group needs a name")
        elif name in names:
            problems.append(f"{where}: group name {name!r} is repeated in the file")
        names.add(str(name))
        problems += _keys(f"group {name!r}", group, group_fields, engine)
        for ri, rule in enumerate(group["rules"]):
            problems += _rule(f"group {name!r} rule {ri + 1}", rule)
    groups = [g for g in doc["groups"] if isinstance(g, dict)]
    return problems + _order(groups)


def check_prometheus(doc: Any, limits: Limits = Limits()) -> list[str]:
    return check_common(doc, frozenset({"groups"}), PROMETHEUS_GROUP_FIELDS, "Prometheus 2.42")


def check_thanos(doc: Any, limits: Limits = Limits()) -> list[str]:
    problems = check_common(doc, frozenset({"groups"}), THANOS_GROUP_FIELDS, "Thanos Ruler")
    for group in doc.get("groups") or [] if isinstance(doc, dict) else []:
        if not isinstance(group, dict):
            continue
        strategy = group.get("partial_response_strategy")
        if strategy is None:
            problems.append(f"group {group.get('name')!r}: no partial_response_strategy")
        elif str(strategy).lower() not in THANOS_STRATEGIES:
            problems.append(
                f"group {group.get('name')!r}: partial_response_strategy {strategy!r} is "
                f"neither warn nor abort"
            )
    return problems


def check_mimir(doc: Any, limits: Limits = Limits()) -> list[str]:
    problems = check_common(doc, frozenset({"namespace", "groups"}), MIMIR_GROUP_FIELDS, "Mimir")
    if not isinstance(doc, dict):
        return problems
    namespace = doc.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        problems.append("file: no namespace (mimirtool would name it after the file)")
    groups = [g for g in doc.get("groups") or [] if isinstance(g, dict)]
    if len(groups) > limits.groups_per_tenant:
        problems.append(
            f"namespace {namespace!r}: {len(groups)} groups, over the {limits.groups_per_tenant} "
            f"a tenant may hold (-ruler.max-rule-groups-per-tenant)"
        )
    for group in groups:
        count = len(group.get("rules") or [])
        if count > limits.rules_per_group:
            problems.append(
                f"group {group.get('name')!r}: {count} rules, over the {limits.rules_per_group} "
                f"a group may hold (-ruler.max-rules-per-rule-group)"
            )
        for key in ("query_offset", "evaluation_delay", "interval"):
            if key in group:
                try:
                    parse_ms(str(group[key]))
                except ValueError as exc:
                    problems.append(f"group {group.get('name')!r}: {key}: {exc}")
    return problems


Check = Callable[[Any, Limits], list[str]]
