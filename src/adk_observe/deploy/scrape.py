"""For a Prometheus without the Operator: the pod annotations and a `scrape_configs` job.

The job discovers the service's pods (Kubernetes SD, role pod), keeps those annotated
`prometheus.io/scrape: "true"`, scrapes the annotated port and path, and names itself after the
service: every series gets job=<service name>, exactly what the SLO rules select on. It copies
the pod's `rollouts-pod-template-hash` label (Kubernetes SD exposes it sanitised as
`__meta_kubernetes_pod_label_rollouts_pod_template_hash`) onto the series as
`rollouts_pod_template_hash`, the label every canary analysis query selects the canary by.
"""

from __future__ import annotations

from typing import Any

from adk_observe import conventions as c
from adk_observe.deploy.meta import INSTANCE_LABEL, METRICS_PORT_NAME
from adk_observe.model import ServiceSpec

METRICS_PATH = c.METRICS_PATH
SCRAPE_ANNOTATION = "prometheus.io/scrape"
PORT_ANNOTATION = "prometheus.io/port"
PATH_ANNOTATION = "prometheus.io/path"
# Not a Kubernetes object: in a subfolder, outside the kustomization and its listing gate.
SCRAPE_CONFIG_FILE = "prometheus/scrape-config.yaml"
META = "__meta_kubernetes_"


def sd_label(name: str) -> str:
    """How Prometheus' Kubernetes SD names a pod label or annotation: non [a-zA-Z0-9_] -> _."""
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


def pod_label_meta(label: str) -> str:
    return f"{META}pod_label_{sd_label(label)}"


def pod_annotation_meta(annotation: str) -> str:
    return f"{META}pod_annotation_{sd_label(annotation)}"


def pod_annotations(spec: ServiceSpec) -> dict[str, str]:
    return {
        PATH_ANNOTATION: METRICS_PATH,
        PORT_ANNOTATION: str(spec.telemetry.metrics_port),
        SCRAPE_ANNOTATION: "true",
    }


def _copy(source: str, target: str) -> dict[str, Any]:
    return {"source_labels": [source], "target_label": target, "action": "replace"}


def relabel_configs(spec: ServiceSpec) -> list[dict[str, Any]]:
    return [
        {
            "source_labels": [pod_annotation_meta(SCRAPE_ANNOTATION)],
            "regex": "true",
            "action": "keep",
        },
        # Every pod of the service, Flagger's -primary copies included (meta.pod_group).
        {"source_labels": [pod_label_meta(INSTANCE_LABEL)], "regex": spec.name, "action": "keep"},
        # Role pod yields one target per container port: keep the metrics port's only.
        {
            "source_labels": [f"{META}pod_container_port_name"],
            "regex": METRICS_PORT_NAME,
            "action": "keep",
        },
        {
            "source_labels": [pod_annotation_meta(PATH_ANNOTATION)],
            "regex": "(.+)",
            "target_label": "__metrics_path__",
            "action": "replace",
        },
        {
            "source_labels": ["__address__", pod_annotation_meta(PORT_ANNOTATION)],
            "regex": r"([^:]+)(?::\d+)?;(\d+)",
            "replacement": "$1:$2",
            "target_label": "__address__",
            "action": "replace",
        },
        _copy(pod_label_meta(c.POD_LABEL_POD_TEMPLATE_HASH), c.LABEL_POD_TEMPLATE_HASH),
        _copy(f"{META}namespace", c.LABEL_NAMESPACE),
        _copy(f"{META}pod_name", c.LABEL_POD),
    ]


def scrape_job(spec: ServiceSpec, interval: str) -> dict[str, Any]:
    return {
        "job_name": spec.name,
        "scrape_interval": interval,
        "metrics_path": METRICS_PATH,
        "kubernetes_sd_configs": [{"role": "pod", "namespaces": {"names": [spec.namespace]}}],
        "relabel_configs": relabel_configs(spec),
    }


def scrape_config(spec: ServiceSpec, interval: str) -> dict[str, Any]:
    """Paste the job under `scrape_configs:`, or list the file in `scrape_config_files`
    (Prometheus 2.43+), which reads exactly this shape."""
    return {"scrape_configs": [scrape_job(spec, interval)]}


def static_stand_in(
    spec: ServiceSpec, job: dict[str, Any], pods: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """The job with Kubernetes SD replaced by static targets carrying the meta labels SD would
    give each pod ({"host:port": the pod's own labels}; the pod is named after its address and
    annotated as `pod_annotations` would annotate it, with the port it listens on). Outside a
    cluster (the demo, the end-to-end test) the generated relabelling then runs unchanged in a
    real Prometheus."""
    out = {k: v for k, v in job.items() if k != "kubernetes_sd_configs"}
    static = []
    for address, pod in sorted(pods.items()):
        port = address.rsplit(":", 1)[1]
        annotations = {**pod_annotations(spec), PORT_ANNOTATION: port}
        labels = {pod_label_meta(k): v for k, v in pod.items()}
        labels.update({pod_annotation_meta(k): v for k, v in annotations.items()})
        labels[f"{META}namespace"] = spec.namespace
        labels[f"{META}pod_name"] = f"{spec.name}-{address.replace(':', '-').replace('.', '-')}"
        labels[f"{META}pod_container_port_name"] = METRICS_PORT_NAME
        static.append({"targets": [address], "labels": dict(sorted(labels.items()))})
    out["static_configs"] = static
    return out
