"""Rule groups -> the documents Prometheus (and Thanos, Mimir) and the Prometheus Operator load."""

from __future__ import annotations

from typing import Any

from adk_observe import kube
from adk_observe.durations import format_seconds
from adk_observe.errors import SpecError, quote
from adk_observe.identifiers import name_label, object_name
from adk_observe.model import ServiceSpec
from adk_observe.rules.types import Alert, Recording, Rule, RuleGroup

OPERATOR_API_VERSION = "monitoring.coreos.com/v1"
OPERATOR_KIND = "PrometheusRule"


def _rule(rule: Rule) -> dict[str, Any]:
    if isinstance(rule, Recording):
        out: dict[str, Any] = {"record": rule.record, "expr": rule.expr}
        if rule.labels:
            out["labels"] = dict(rule.labels)
        return out
    assert isinstance(rule, Alert)
    out = {"alert": rule.alert, "expr": rule.expr}
    if rule.for_seconds:
        out["for"] = format_seconds(rule.for_seconds)
    if rule.labels:
        out["labels"] = dict(rule.labels)
    if rule.annotations:
        out["annotations"] = dict(rule.annotations)
    return out


def rule_file(
    groups: tuple[RuleGroup, ...], group_fields: dict[str, str] | None = None
) -> dict[str, Any]:
    """The plain rule-file document (`promtool check rules`, `rule_files:`); `group_fields` are
    an engine's own group fields (rules/targets.py), after the name and interval."""
    out = []
    for group in groups:
        doc: dict[str, Any] = {"name": group.name}
        if group.interval:
            doc["interval"] = group.interval
        doc.update(group_fields or {})
        doc["rules"] = [_rule(r) for r in group.rules]
        out.append(doc)
    return {"groups": out}


def prometheus_rule(
    spec: ServiceSpec, groups: tuple[RuleGroup, ...], group_fields: dict[str, str] | None = None
) -> dict[str, Any]:
    """The same groups as a Prometheus Operator custom resource."""
    return {
        "apiVersion": OPERATOR_API_VERSION,
        "kind": OPERATOR_KIND,
        "metadata": {
            "name": object_name(spec.name, "-slos"),
            "namespace": spec.namespace,
            "labels": object_labels(spec, OPERATOR_KIND),
        },
        "spec": rule_file(groups, group_fields),
    }


def object_labels(spec: ServiceSpec, kind: str) -> dict[str, str]:
    """The labels of a Prometheus Operator object (`kind`) written for `spec`: ours, then the
    spec's object labels (`ServiceSpec.object_labels`, which an importer checked where they
    are spelled), or its service labels, which must then follow Kubernetes' syntax."""
    labels = {
        "app.kubernetes.io/name": name_label(spec.name),
        "app.kubernetes.io/managed-by": "adk-observe",
    }
    if spec.object_labels is None:
        check_kube_labels(spec, f"--format operator puts it on the {kind}")
        labels.update(dict(spec.labels))
    else:
        labels.update(dict(spec.object_labels))
    return dict(sorted(labels.items()))


def check_kube_labels(spec: ServiceSpec, where: str) -> None:
    """A PrometheusRule (or AlertmanagerConfig) is a Kubernetes object: its labels must follow
    Kubernetes' syntax, which is narrower than Prometheus' (a plain rule file takes any label
    value). `where` says which output carries them, for the message."""
    base = spec.source.name_key.rpartition(".")[0]
    for key, value in spec.labels:
        if not (kube.label_key_ok(key) and kube.label_value_ok(value)):
            raise SpecError(
                f"{quote(value)} is not a valid Kubernetes label value ({kube.LABEL_VALUE_RULE}), "
                f"and {where}",
                file=spec.source.file,
                line=spec.source.line,
                path=f"{base}.labels.{key}" if base else f"labels.{key}",
            )


def rule_file_name(spec: ServiceSpec, operator: bool = False) -> str:
    return f"{spec.name}.prometheusrule.yaml" if operator else f"{spec.name}.rules.yaml"
