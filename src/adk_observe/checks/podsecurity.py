"""A Pod Security Standards checker for the "restricted" profile (which includes "baseline").

Reads the pod spec of Pods and of the templates of workloads (Deployment, Rollout, ...), the
way the Pod Security Admission controller does, and lists every violation with its path.
Reference: https://kubernetes.io/docs/concepts/security/pod-security-standards/
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Kinds whose pod spec sits at spec.template.spec (CronJob one level deeper).
TEMPLATE_KINDS = frozenset(
    {
        "Deployment",
        "Rollout",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "ReplicationController",
    }
)
ALLOWED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
ALLOWED_ADD_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})
ALLOWED_SECCOMP = frozenset({"RuntimeDefault", "Localhost"})
ALLOWED_SELINUX_TYPES = frozenset(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class Violation:
    rule: str  # the control's name in the Pod Security Standards
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.path}: {self.message}"


def pod_spec_of(obj: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(path, pod spec) of a Pod or workload, None for kinds without pods."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return "spec", spec
    if kind in TEMPLATE_KINDS:
        return "spec.template.spec", (spec.get("template") or {}).get("spec") or {}
    if kind == "CronJob":
        job = (spec.get("jobTemplate") or {}).get("spec") or {}
        return "spec.jobTemplate.spec.template.spec", (job.get("template") or {}).get("spec") or {}
    return None


def _containers(pod: dict[str, Any], base: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for key in CONTAINER_LISTS:
        for i, ctr in enumerate(pod.get(key) or []):
            yield f"{base}.{key}[{i}]", ctr


def _baseline_pod(pod: dict[str, Any], base: str) -> Iterator[Violation]:
    for key, rule in (
        ("hostNetwork", "Host Namespaces"),
        ("hostPID", "Host Namespaces"),
        ("hostIPC", "Host Namespaces"),
    ):
        if pod.get(key):
            yield Violation(rule, f"{base}.{key}", "must be false or unset")
    sc = pod.get("securityContext") or {}
    yield from _selinux(sc, f"{base}.securityContext")
    if (sc.get("windowsOptions") or {}).get("hostProcess"):
        yield Violation(
            "HostProcess",
            f"{base}.securityContext.windowsOptions.hostProcess",
            "must be false or unset",
        )
    for i, sysctl in enumerate(sc.get("sysctls") or []):
        if sysctl.get("name") not in SAFE_SYSCTLS:
            yield Violation(
                "Sysctls",
                f"{base}.securityContext.sysctls[{i}]",
                f"{sysctl.get('name')!r} is not a safe sysctl",
            )
    for i, vol in enumerate(pod.get("volumes") or []):
        types = set(vol) - {"name"}
        if "hostPath" in types:
            yield Violation("HostPath Volumes", f"{base}.volumes[{i}]", "hostPath is forbidden")
        elif types - ALLOWED_VOLUME_TYPES:
            yield Violation(
                "Volume Types",
                f"{base}.volumes[{i}]",
                f"volume type {', '.join(sorted(types))} is not allowed",
            )


def _selinux(sc: dict[str, Any], path: str) -> Iterator[Violation]:
    opts = sc.get("seLinuxOptions") or {}
    if opts.get("type", "") not in ALLOWED_SELINUX_TYPES:
        yield Violation("SELinux", f"{path}.seLinuxOptions.type", f"{opts['type']!r} not allowed")
    for key in ("user", "role"):
        if opts.get(key):
            yield Violation("SELinux", f"{path}.seLinuxOptions.{key}", "must be unset")


def _baseline_container(ctr: dict[str, Any], path: str) -> Iterator[Violation]:
    sc = ctr.get("securityContext") or {}
    scp = f"{path}.securityContext"
    if sc.get("privileged"):
        yield Violation("Privileged Containers", f"{scp}.privileged", "must be false or unset")
    if (sc.get("windowsOptions") or {}).get("hostProcess"):
        yield Violation("HostProcess", f"{scp}.windowsOptions.hostProcess", "must be false")
    for i, port in enumerate(ctr.get("ports") or []):
        if port.get("hostPort"):
            yield Violation("Host Ports", f"{path}.ports[{i}].hostPort", "must be 0 or unset")
    if sc.get("procMount", "Default") != "Default":
        yield Violation("/proc Mount Type", f"{scp}.procMount", "must be Default")
    yield from _selinux(sc, scp)
    apparmor = (sc.get("appArmorProfile") or {}).get("type", "RuntimeDefault")
    if apparmor not in ("RuntimeDefault", "Localhost"):
        yield Violation("AppArmor", f"{scp}.appArmorProfile.type", f"{apparmor!r} not allowed")


def _restricted_container(
    ctr: dict[str, Any], path: str, pod_sc: dict[str, Any]
) -> Iterator[Violation]:
    sc = ctr.get("securityContext") or {}
    scp = f"{path}.securityContext"
    if sc.get("allowPrivilegeEscalation") is not False:
        yield Violation(
            "Privilege Escalation", f"{scp}.allowPrivilegeEscalation", "must be set to false"
        )
    non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
    if non_root is not True:
        yield Violation(
            "Running as Non-root",
            f"{scp}.runAsNonRoot",
            "must be true (on the container or the pod)",
        )
    if sc.get("runAsUser") == 0:
        yield Violation("Running as Non-root user", f"{scp}.runAsUser", "must not be 0")
    seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
    if seccomp not in ALLOWED_SECCOMP:
        yield Violation(
            "Seccomp",
            f"{scp}.seccompProfile.type",
            "must be RuntimeDefault or Localhost (on the container or the pod)",
        )
    caps = sc.get("capabilities") or {}
    if "ALL" not in (caps.get("drop") or []):
        yield Violation("Capabilities", f"{scp}.capabilities.drop", "must include ALL")
    for cap in caps.get("add") or []:
        if cap not in ALLOWED_ADD_CAPABILITIES:
            yield Violation(
                "Capabilities",
                f"{scp}.capabilities.add",
                f"{cap} may not be added (only NET_BIND_SERVICE)",
            )


def check_pod_spec(pod: dict[str, Any], base: str = "spec") -> list[Violation]:
    out = list(_baseline_pod(pod, base))
    pod_sc = pod.get("securityContext") or {}
    if pod_sc.get("runAsUser") == 0:
        out.append(
            Violation(
                "Running as Non-root user", f"{base}.securityContext.runAsUser", "must not be 0"
            )
        )
    if (pod_sc.get("seccompProfile") or {}).get("type") == "Unconfined":
        out.append(
            Violation(
                "Seccomp",
                f"{base}.securityContext.seccompProfile.type",
                "Unconfined is not allowed",
            )
        )
    for path, ctr in _containers(pod, base):
        out += _baseline_container(ctr, path)
        out += _restricted_container(ctr, path, pod_sc)
    return out


def check_object(obj: dict[str, Any]) -> list[Violation] | None:
    """Violations of a Pod or workload; None if the object has no pod template."""
    found = pod_spec_of(obj)
    if found is None:
        return None
    base, pod = found
    return check_pod_spec(pod, base)
