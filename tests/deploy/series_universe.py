"""The series a cluster would hold for a rendered deploy, built from the rendered objects alone.

From the workload (namespace, pod template labels, container names and ports, the hash labels
Argo Rollouts or Kubernetes put on each ReplicaSet's pods, Flagger's `-primary` copy), the
Services and the ServiceMonitor (its selector, namespaceSelector, jobLabel, podTargetLabels and
endpoint port), or the plain scrape job (its relabelling, run here step by step), it builds the
label sets that:

- Prometheus attaches to the agent's own series (the metric catalogue) and to `up`;
- cAdvisor (the kubelet's /metrics/cadvisor) attaches to container CPU and memory series;
- kube-state-metrics attaches to container limits, restarts and last termination reasons.

`unmatched` then lists every selector of the given PromQL expressions on such a series that no
label set satisfies. Labels the series carry with values chosen at run time (status_code,
resource units, reasons...) are free: any matcher on them may hold. Recorded series and ALERTS
come from the rules themselves and are not checked here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import promql_parser

from adk_observe import conventions as c
from adk_observe.deploy.scrape import pod_annotation_meta, pod_label_meta, sd_label

WORKLOAD_KINDS = ("Deployment", "Rollout")
NODE = "node-a"
CADVISOR = {
    "job": "kubelet",
    "metrics_path": "/metrics/cadvisor",
    "service": "kubelet",
    "endpoint": "https-metrics",
    "node": NODE,
    "instance": "10.0.0.10:10250",
}
KSM = {"job": "kube-state-metrics", "instance": "10.0.1.5:8080", "node": NODE}
# kube-state-metrics' `resource` and `unit` for each limit a container sets.
KSM_RESOURCES = {"cpu": "core", "memory": "byte", "ephemeral-storage": "byte"}
HASHES = {
    "stable": "5a7e8b6c3",
    "canary": "6b8f9c7d4",
    "deployment": "7c9d8e6f5",
    "primary": "8d0e9f7a6",
}


@dataclass
class Series:
    names: frozenset[str]
    labels: dict[str, str]
    free: frozenset[str] = frozenset()


@dataclass
class Pod:
    name: str
    namespace: str
    labels: dict[str, str]
    annotations: dict[str, str]
    containers: list[dict[str, Any]]
    hash: str


@dataclass
class Universe:
    series: list[Series] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)

    def named(self, name: str) -> list[Series]:
        return [s for s in self.series if name in s.names]


def _workload(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] in WORKLOAD_KINDS]
    return found


def pods(objects: list[dict[str, Any]]) -> list[Pod]:
    """The pods of the workload: one per ReplicaSet a release has (Argo: stable and canary,
    with their ephemeral track labels; Flagger: the target and its -primary copy)."""
    workload = _workload(objects)
    name, namespace = workload["metadata"]["name"], workload["metadata"]["namespace"]
    template = workload["spec"]["template"]
    labels, spec = dict(template["metadata"]["labels"]), template["spec"]
    annotations = dict(template["metadata"].get("annotations") or {})
    containers = spec["containers"]

    def pod(prefix: str, hash_key: str, hash_value: str, extra: dict[str, str]) -> Pod:
        pod_labels = {**labels, hash_key: hash_value, **extra}
        return Pod(
            f"{prefix}-{hash_value}-x7k2p",
            namespace,
            pod_labels,
            annotations,
            containers,
            hash_value,
        )

    if workload["kind"] == "Rollout":
        canary = workload["spec"]["strategy"].get("canary") or {}
        out = []
        for side in ("stable", "canary"):
            extra = (canary.get(f"{side}Metadata") or {}).get("labels") or {}
            out.append(pod(name, c.POD_LABEL_POD_TEMPLATE_HASH, HASHES[side], extra))
        return out
    out = [pod(name, "pod-template-hash", HASHES["deployment"], {})]
    if any(o["kind"] == "Canary" for o in objects):  # Flagger's primary copy
        primary = f"{name}-primary"
        renamed = {
            k: (primary if v == name and k.endswith("/name") else v) for k, v in labels.items()
        }
        out.append(
            Pod(
                f"{primary}-{HASHES['primary']}-q9w3e",
                namespace,
                {**renamed, "pod-template-hash": HASHES["primary"]},
                annotations,
                containers,
                HASHES["primary"],
            )
        )
    return out


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _container_of(pod: Pod, port_name: str) -> tuple[str, int] | None:
    for ctr in pod.containers:
        for port in ctr.get("ports") or []:
            if port.get("name") == port_name:
                return ctr["name"], port["containerPort"]
    return None


def operator_targets(objects: list[dict[str, Any]], pod_list: list[Pod]) -> list[dict[str, str]]:
    """The target labels the Prometheus Operator gives each endpoint of a ServiceMonitor."""
    out = []
    for monitor in (o for o in objects if o["kind"] == "ServiceMonitor"):
        spec = monitor["spec"]
        namespaces = spec.get("namespaceSelector", {}).get("matchNames") or [
            monitor["metadata"]["namespace"]
        ]
        for service in (o for o in objects if o["kind"] == "Service"):
            meta = service["metadata"]
            if meta["namespace"] not in namespaces or not _selects(
                spec["selector"]["matchLabels"], meta.get("labels") or {}
            ):
                continue
            for endpoint in spec["endpoints"]:
                port = next(p for p in service["spec"]["ports"] if p["name"] == endpoint["port"])
                for pod in pod_list:
                    if pod.namespace != meta["namespace"] or not _selects(
                        service["spec"]["selector"], pod.labels
                    ):
                        continue
                    found = _container_of(pod, str(port["targetPort"]))
                    if found is None:
                        continue
                    job_label = spec.get("jobLabel")
                    labels = {
                        "job": (meta.get("labels") or {}).get(job_label, meta["name"])
                        if job_label
                        else meta["name"],
                        "namespace": pod.namespace,
                        "pod": pod.name,
                        "container": found[0],
                        "service": meta["name"],
                        "endpoint": endpoint["port"],
                        "instance": f"10.1.0.7:{found[1]}",
                    }
                    for key in spec.get("podTargetLabels") or []:
                        if key in pod.labels:
                            labels[sd_label(key)] = pod.labels[key]
                    out.append(labels)
    return out


def _relabel(labels: dict[str, str], rules: list[dict[str, Any]]) -> dict[str, str] | None:
    for rule in rules:
        source = rule.get("separator", ";").join(labels.get(s, "") for s in rule["source_labels"])
        regex = re.compile(rule.get("regex", "(.*)"))
        action = rule.get("action", "replace")
        match = regex.fullmatch(source)
        if action == "keep":
            if not match:
                return None
        elif action == "replace":
            if match:
                value = match.expand(rule.get("replacement", "$1").replace("$", "\\"))
                if value:
                    labels[rule["target_label"]] = value
                else:
                    labels.pop(rule["target_label"], None)
        else:
            raise AssertionError(f"relabel action {action} is not simulated")
    return labels


def plain_targets(job: dict[str, Any], pod_list: list[Pod]) -> list[dict[str, str]]:
    """The plain job's relabelling over the meta labels Kubernetes SD gives each pod port."""
    names = job["kubernetes_sd_configs"][0]["namespaces"]["names"]
    out = []
    for pod in pod_list:
        if pod.namespace not in names:
            continue
        for ctr in pod.containers:
            for port in ctr.get("ports") or []:
                meta = {pod_label_meta(k): v for k, v in pod.labels.items()}
                meta.update({pod_annotation_meta(k): v for k, v in pod.annotations.items()})
                meta.update(
                    {
                        "__address__": f"10.1.0.7:{port['containerPort']}",
                        "__meta_kubernetes_namespace": pod.namespace,
                        "__meta_kubernetes_pod_name": pod.name,
                        "__meta_kubernetes_pod_container_name": ctr["name"],
                        "__meta_kubernetes_pod_container_port_name": port.get("name", ""),
                        "job": job["job_name"],
                    }
                )
                relabelled = _relabel(meta, job["relabel_configs"])
                if relabelled is None:
                    continue
                relabelled.setdefault("instance", relabelled["__address__"])
                out.append({k: v for k, v in relabelled.items() if not k.startswith("__")})
    return out


def _cluster_series(pod_list: list[Pod]) -> Iterator[Series]:
    for pod in pod_list:
        base = {"namespace": pod.namespace, "pod": pod.name}
        # cAdvisor: each container, the pod's sandbox ("POD") and the pod's cgroup ("")
        for container in [*(ctr["name"] for ctr in pod.containers), "POD", ""]:
            yield Series(
                frozenset({c.CADVISOR_CPU_USAGE, c.CADVISOR_MEMORY_WORKING_SET}),
                {**CADVISOR, **base, "container": container},
                frozenset({"id", "image", "name", "cpu"}),
            )
        for ctr in pod.containers:
            own = {**KSM, **base, "container": ctr["name"], "uid": "3f1c"}
            yield Series(frozenset({c.KSM_CONTAINER_RESTARTS}), own)
            yield Series(frozenset({c.KSM_LAST_TERMINATED_REASON}), own, frozenset({"reason"}))
            for resource in (ctr.get("resources") or {}).get("limits") or {}:
                limit = {**own, "resource": sd_label(resource), "unit": KSM_RESOURCES[resource]}
                yield Series(frozenset({c.KSM_CONTAINER_LIMITS}), limit)


def universe(objects: list[dict[str, Any]], targets: list[dict[str, str]]) -> Universe:
    """The series of the agent's scrape `targets` and of the cluster's exporters."""
    pod_list = pods(objects)
    out = Universe(pods=pod_list)
    for labels in targets:
        out.series.append(Series(frozenset({c.METRIC_UP}), labels))
        for metric in c.CATALOGUE:
            free = set(metric.labels) | (
                {c.LABEL_LE} if metric.buckets or metric.type is c.MetricType.HISTOGRAM else set()
            )
            out.series.append(Series(frozenset(metric.series_names()), labels, frozenset(free)))
    out.series += list(_cluster_series(pod_list))
    return out


@dataclass(frozen=True)
class Selector:
    where: str
    name: str
    matchers: tuple[tuple[str, str, str], ...]  # (label, op, value)

    def __str__(self) -> str:
        inner = ",".join(f'{k}{op}"{v}"' for k, op, v in self.matchers)
        return f"{self.where}: {self.name}{{{inner}}}"


OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def selectors(where: str, expr: str) -> list[Selector]:
    found: list[Selector] = []

    def visit(node: Any, *_: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            matchers = tuple(
                (m.name, OPS[str(m.op)], m.value)
                for m in node.matchers.matchers
                if m.name != "__name__"
            )
            found.append(Selector(where, str(node.name or ""), matchers))
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def _holds(op: str, pattern: str, value: str) -> bool:
    if op == "=":
        return value == pattern
    if op == "!=":
        return value != pattern
    hit = re.fullmatch(pattern, value) is not None
    return hit if op == "=~" else not hit


def matches(sel: Selector, series: Series) -> bool:
    return all(
        k in series.free or _holds(op, v, series.labels.get(k, "")) for k, op, v in sel.matchers
    )


# Every series name the agent and the cluster produce, whether or not this deploy's scrape
# finds a target: a selector on one of them that nothing matches is a failure.
RAW_SERIES = frozenset(
    {name for metric in c.CATALOGUE for name in metric.series_names()}
    | {c.METRIC_UP, c.CADVISOR_CPU_USAGE, c.CADVISOR_MEMORY_WORKING_SET}
    | {c.KSM_CONTAINER_LIMITS, c.KSM_CONTAINER_RESTARTS, c.KSM_LAST_TERMINATED_REASON}
)


def unmatched(world: Universe, found: Iterable[Selector]) -> list[str]:
    """Every selector on a raw series that no label set of `world` satisfies."""
    return [
        str(sel)
        for sel in found
        if sel.name in RAW_SERIES and not any(matches(sel, s) for s in world.named(sel.name))
    ]
