"""`adk-observe lint`: the spec, its rules and its dashboards agree on every name.

Checks, for every rule expression and every dashboard query (panel targets and variables):

- it parses as PromQL (dashboard queries after Grafana's variables are substituted);
- every series it selects is emitted by the instrumentation (`conventions.CATALOGUE`), comes
  from the cluster (`conventions.EXTERNAL_SERIES`), is recorded by the generated rules, or is
  named by the spec's own custom SLI queries;
- every label it matches on or groups by exists on the catalogue metrics it selects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import promql_parser

from adk_observe import conventions as c
from adk_observe.dashboards.queries import substitute
from adk_observe.model import BuiltinSLI, EventsSLI, LatencySLI, RawSLI, ServiceSpec
from adk_observe.promql import fill
from adk_observe.rules.types import Recording, RuleGroup

SCRAPE_LABELS = frozenset(c.SCRAPE_LABELS)  # on every scraped series, wherever it runs
NAME_LABEL = "__name__"
Metrics = tuple[c.MetricDef, ...]  # metrics beyond the catalogue that the spec's SLIs read
_LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>\w+)\)$")


@dataclass(frozen=True)
class Finding:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Selected:
    name: str
    labels: tuple[str, ...]


def _name(node: Any) -> str:
    if node.name:
        return str(node.name)
    for m in node.matchers.matchers:
        if m.name == NAME_LABEL and str(m.op).endswith("Equal"):
            return str(m.value)
    return ""


def _selectors(expr: Any) -> list[Selected]:
    found: list[Selected] = []

    def visit(node: Any, *_: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            labels = tuple(m.name for m in node.matchers.matchers if m.name != NAME_LABEL)
            found.append(Selected(_name(node), labels))
        return True

    promql_parser.walk(expr, visit)
    return found


def _groupings(expr: Any) -> list[tuple[tuple[str, ...], list[Selected]]]:
    """(labels of `by (...)`, the selectors aggregated) of every aggregation."""
    found: list[tuple[tuple[str, ...], list[Selected]]] = []

    def visit(node: Any, *_: Any) -> bool:
        if (
            isinstance(node, promql_parser.AggregateExpr)
            and node.modifier is not None
            and str(node.modifier.type).endswith("By")
        ):
            found.append((tuple(node.modifier.labels), _selectors(node.expr)))
        return True

    promql_parser.walk(expr, visit)
    return found


def allowed_labels(
    name: str, target: frozenset[str] = SCRAPE_LABELS, metrics: Metrics = ()
) -> frozenset[str] | None:
    """Labels a catalogue series (or one of `metrics`) may carry: its own plus the scrape
    target's; None for series outside them."""
    metric = c.metric_by_name(name) or next(
        (m for m in metrics if name == m.name or name in m.series_names()), None
    )
    if metric is None:
        return None
    extra = {c.LABEL_LE} if name.endswith("_bucket") else set()
    return frozenset(metric.labels) | target | extra


def target_labels(spec: ServiceSpec) -> frozenset[str]:
    """Labels a scrape adds: job and instance; namespace and pod for a Kubernetes deploy (its
    generated scrape config copies them) and `track` on a canary one; the clusters' external
    label (spec.clusters); and whatever the spec's selector matches on (relabelled target
    labels)."""
    base = SCRAPE_LABELS
    if spec.deploy is not None:
        base = base | set(c.POD_TARGET_LABELS)
        if spec.deploy.tracks:
            base = base | {c.LABEL_TRACK}
    if spec.clusters is not None:  # each cluster's Prometheus adds it as an external label
        base = base | {spec.clusters.label}
    if not spec.selector:
        return base
    tree = promql_parser.parse("{" + spec.selector + "}")
    return base | {label for s in _selectors(tree) for label in s.labels}


def check_expr(
    expr: str,
    where: str,
    known: frozenset[str],
    target: frozenset[str] = SCRAPE_LABELS,
    metrics: Metrics = (),
) -> list[Finding]:
    try:
        tree = promql_parser.parse(expr)
    except Exception as exc:  # the Rust binding raises its own exception type
        first = str(exc).splitlines()[0] if str(exc) else "parse error"
        return [Finding(where, f"does not parse as PromQL: {first}")]
    findings: list[Finding] = []
    for sel in _selectors(tree):
        if not sel.name:
            findings.append(Finding(where, "selects series without a metric name"))
        elif sel.name not in known:
            findings.append(
                Finding(
                    where,
                    f"queries {sel.name}, which the instrumentation does not emit and the "
                    "generated rules do not record",
                )
            )
            continue
        allowed = allowed_labels(sel.name, target, metrics)
        for label in sel.labels:
            if allowed is not None and label not in allowed:
                findings.append(Finding(where, f"{sel.name} has no label {label!r}"))
    for labels, selected in _groupings(tree):
        sets = [allowed_labels(s.name, target, metrics) for s in selected]
        if not sets or any(s is None for s in sets):
            continue
        union = frozenset().union(*(s for s in sets if s is not None))
        for label in labels:
            if label not in union:
                names = ", ".join(sorted({s.name for s in selected}))
                findings.append(Finding(where, f"groups by {label!r}, a label {names} lacks"))
    return findings


def spec_series(spec: ServiceSpec) -> frozenset[str]:
    """Series named by the spec's own (custom) SLI queries: the spec author vouches for them."""
    names: set[str] = set()
    for slo in spec.slos:
        sli = slo.sli
        templates: tuple[str | None, ...] = ()
        if isinstance(sli, EventsSLI):
            templates = (sli.total, sli.errors, sli.good)
        elif isinstance(sli, RawSLI):
            templates = (sli.error_ratio,)
        elif isinstance(sli, LatencySLI):
            names.update((sli.metric, f"{sli.metric}_bucket", f"{sli.metric}_count"))
        for template in templates:
            if template:
                tree = promql_parser.parse(fill(template, c.SHORT_RATE_WINDOW))
                names.update(s.name for s in _selectors(tree) if s.name)
    return frozenset(names)


def kind_metrics(spec: ServiceSpec) -> Metrics:
    """The metrics the spec's built-in SLIs read, from their kinds' rows (sli_kinds.py)."""
    found = (slo.sli.kind.metric for slo in spec.slos if isinstance(slo.sli, BuiltinSLI))
    return tuple(dict.fromkeys(m for m in found if m is not None))


def known_series(spec: ServiceSpec, groups: tuple[RuleGroup, ...]) -> frozenset[str]:
    catalogue = {name for metric in c.CATALOGUE for name in metric.series_names()}
    kinds = {name for metric in kind_metrics(spec) for name in metric.series_names()}
    recorded = {r.record for g in groups for r in g.rules if isinstance(r, Recording)}
    return frozenset(catalogue | kinds | set(c.EXTERNAL_SERIES) | recorded | spec_series(spec))


def rule_expressions(groups: tuple[RuleGroup, ...]) -> Iterator[tuple[str, str]]:
    for group in groups:
        for rule in group.rules:
            name = rule.record if isinstance(rule, Recording) else rule.alert
            yield f"rule group {group.name}: {name}", rule.expr


def _panels(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in data.get("panels") or []:
        yield panel
        yield from panel.get("panels") or []


def dashboard_queries(
    name: str, data: dict[str, Any], values: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every query of a dashboard's JSON, variables substituted (`values`:
    variable name -> value, stand-ins for the rest)."""
    for panel in _panels(data):
        for target in panel.get("targets") or []:
            where = f"{name} panel {panel.get('id')} {panel.get('title')!r} {target.get('refId')}"
            yield where, substitute(str(target.get("expr", "")), values)
    for variable in (data.get("templating") or {}).get("list") or []:
        query = variable.get("query")
        if variable.get("type") == "query" and isinstance(query, str):
            match = _LABEL_VALUES.match(query)
            where = f"{name} variable {variable.get('name')!r}"
            yield where, substitute(match["selector"] if match else query)


def check_dashboard(
    name: str,
    data: dict[str, Any],
    known: frozenset[str],
    target: frozenset[str] = SCRAPE_LABELS,
    metrics: Metrics = (),
) -> list[Finding]:
    findings: list[Finding] = []
    for where, expr in dashboard_queries(name, data):
        if "$" in expr:
            findings.append(Finding(where, "uses a Grafana variable the lint cannot substitute"))
            continue
        findings.extend(check_expr(expr, where, known, target, metrics))
    return findings


def lint_service(
    spec: ServiceSpec, groups: tuple[RuleGroup, ...], dashboards: dict[str, dict[str, Any]]
) -> list[Finding]:
    known = known_series(spec, groups)
    target = target_labels(spec)
    metrics = kind_metrics(spec)
    findings = [
        f
        for where, expr in rule_expressions(groups)
        for f in check_expr(expr, where, known, target, metrics)
    ]
    for name in sorted(dashboards):
        findings.extend(check_dashboard(name, dashboards[name], known, target, metrics))
    return findings
