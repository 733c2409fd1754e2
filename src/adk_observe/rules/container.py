"""The container signals of the agent alert pack, from cAdvisor and kube-state-metrics.

The alerts (agent_pack.py) compare these expressions with their thresholds and the overview
dashboard plots the same expressions, so a panel shows exactly what an alert evaluates.
"""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.model import ServiceSpec
from adk_observe.promql import eq, selector

RATE = "5m"
CONTAINER_LABELS = (c.LABEL_NAMESPACE, c.LABEL_POD, c.LABEL_CONTAINER)


def container_labels(spec: ServiceSpec) -> tuple[str, ...]:
    """Per container; under spec.clusters per cluster too (two clusters have a pod of the
    same name in the same namespace)."""
    if spec.clusters is None:
        return CONTAINER_LABELS
    return (spec.clusters.label, *CONTAINER_LABELS)


def _sum(spec: ServiceSpec) -> str:
    return f"sum by ({', '.join(container_labels(spec))})"


def _max(spec: ServiceSpec) -> str:
    return f"max by ({', '.join(container_labels(spec))})"


def _pod(spec: ServiceSpec) -> tuple[str, str]:
    return eq(c.LABEL_NAMESPACE, spec.namespace), eq(c.LABEL_CONTAINER, spec.name)


def cpu_of_limit(spec: ServiceSpec) -> str:
    """CPU used over the CPU limit, per container (1 = at the limit: throttled)."""
    cpu = selector(c.CADVISOR_CPU_USAGE, *_pod(spec))
    limits = selector(c.KSM_CONTAINER_LIMITS, *_pod(spec), eq(c.LABEL_RESOURCE, c.RESOURCE_CPU))
    return f"{_sum(spec)} (rate({cpu}[{RATE}]))\n/\n{_sum(spec)} ({limits})"


def memory_of_limit(spec: ServiceSpec) -> str:
    """Working set over the memory limit, per container (1 = the OOM killer's line)."""
    working_set = selector(c.CADVISOR_MEMORY_WORKING_SET, *_pod(spec))
    limit = selector(c.KSM_CONTAINER_LIMITS, *_pod(spec), eq(c.LABEL_RESOURCE, c.RESOURCE_MEMORY))
    return f"{_sum(spec)} ({working_set})\n/\n{_sum(spec)} ({limit})"


def restarts(spec: ServiceSpec) -> str:
    """Restarts within the spec's restart window, per container."""
    window = format_seconds(spec.agent_alerts.restarts_window)
    series = selector(c.KSM_CONTAINER_RESTARTS, *_pod(spec))
    return f"{_max(spec)} (increase({series}[{window}]))"


def oom_killed(spec: ServiceSpec) -> str:
    """1 per container restarted within the OOM window whose last termination was an OOM kill."""
    window = format_seconds(spec.agent_alerts.oom_window)
    series = selector(c.KSM_CONTAINER_RESTARTS, *_pod(spec))
    reason = selector(
        c.KSM_LAST_TERMINATED_REASON, *_pod(spec), eq(c.LABEL_REASON, c.KSM_REASON_OOM_KILLED)
    )
    return (
        f"{_max(spec)} (increase({series}[{window}])) > 0\n"
        f"and on ({', '.join(container_labels(spec))})\n{_max(spec)} ({reason}) == 1"
    )
