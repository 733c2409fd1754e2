"""The Pod Security Standards "restricted" checker: the rendered pods pass, and every control
of the profile (baseline included) is caught when it is broken."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from tests.deploy.cases import CASES, case_objects

from adk_observe.checks.podsecurity import check_object, check_pod_spec


def _workload(case: str) -> dict[str, Any]:
    objs = case_objects(case)
    return objs.get("deployment.yaml") or objs["rollout.yaml"]


@pytest.mark.parametrize("case", CASES)
def test_every_rendered_pod_template_passes(case: str) -> None:
    workload = _workload(case)
    assert check_object(workload) == []


def test_rollout_templates_are_checked_too() -> None:
    rollout = copy.deepcopy(_workload("deploy-canary-alb"))
    assert rollout["kind"] == "Rollout"
    rollout["spec"]["template"]["spec"]["hostNetwork"] = True
    assert [v.rule for v in check_object(rollout) or []] == ["Host Namespaces"]


def test_objects_without_pods_are_not_checked() -> None:
    assert check_object({"kind": "Service", "spec": {}}) is None


def _pod() -> dict[str, Any]:
    return copy.deepcopy(_workload("deploy-rolling-nginx")["spec"]["template"]["spec"])


def _ctr(pod: dict[str, Any]) -> dict[str, Any]:
    return pod["containers"][0]  # type: ignore[no-any-return]


def _sc(pod: dict[str, Any]) -> dict[str, Any]:
    return _ctr(pod)["securityContext"]  # type: ignore[no-any-return]


def _drop_non_root(pod: dict[str, Any]) -> None:
    del pod["securityContext"]["runAsNonRoot"]
    del _sc(pod)["runAsNonRoot"]


def _drop_seccomp(pod: dict[str, Any]) -> None:
    del pod["securityContext"]["seccompProfile"]
    del _sc(pod)["seccompProfile"]


Mutation = Callable[[dict[str, Any]], None]

# (case, mutation of a passing pod, the violations it must produce: (rule, path))
VIOLATIONS: list[tuple[str, Mutation, list[tuple[str, str]]]] = [
    (
        "host network",
        lambda p: p.update(hostNetwork=True),
        [("Host Namespaces", "spec.hostNetwork")],
    ),
    ("host PID", lambda p: p.update(hostPID=True), [("Host Namespaces", "spec.hostPID")]),
    ("host IPC", lambda p: p.update(hostIPC=True), [("Host Namespaces", "spec.hostIPC")]),
    (
        "privileged container",
        lambda p: _sc(p).update(privileged=True),
        [("Privileged Containers", "spec.containers[0].securityContext.privileged")],
    ),
    (
        "added capability",
        lambda p: _sc(p)["capabilities"].update(add=["SYS_ADMIN"]),
        [("Capabilities", "spec.containers[0].securityContext.capabilities.add")],
    ),
    (
        "capabilities not dropped",
        lambda p: _sc(p)["capabilities"].update(drop=["NET_RAW"]),
        [("Capabilities", "spec.containers[0].securityContext.capabilities.drop")],
    ),
    (
        "hostPath volume",
        lambda p: p["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
        [("HostPath Volumes", "spec.volumes[3]")],
    ),
    (
        "disallowed volume type",
        lambda p: p["volumes"].append({"name": "n", "nfs": {}}),
        [("Volume Types", "spec.volumes[3]")],
    ),
    (
        "host port",
        lambda p: _ctr(p)["ports"][0].update(hostPort=8080),
        [("Host Ports", "spec.containers[0].ports[0].hostPort")],
    ),
    (
        "unmasked /proc",
        lambda p: _sc(p).update(procMount="Unmasked"),
        [("/proc Mount Type", "spec.containers[0].securityContext.procMount")],
    ),
    (
        "custom SELinux type",
        lambda p: _sc(p).update(seLinuxOptions={"type": "spc_t"}),
        [("SELinux", "spec.containers[0].securityContext.seLinuxOptions.type")],
    ),
    (
        "SELinux user",
        lambda p: p["securityContext"].update(seLinuxOptions={"user": "root"}),
        [("SELinux", "spec.securityContext.seLinuxOptions.user")],
    ),
    (
        "unconfined AppArmor",
        lambda p: _sc(p).update(appArmorProfile={"type": "Unconfined"}),
        [("AppArmor", "spec.containers[0].securityContext.appArmorProfile.type")],
    ),
    (
        "unsafe sysctl",
        lambda p: p["securityContext"].update(sysctls=[{"name": "kernel.msgmax", "value": "1"}]),
        [("Sysctls", "spec.securityContext.sysctls[0]")],
    ),
    (
        "Windows host process",
        lambda p: _sc(p).update(windowsOptions={"hostProcess": True}),
        [("HostProcess", "spec.containers[0].securityContext.windowsOptions.hostProcess")],
    ),
    (
        "privilege escalation allowed",
        lambda p: _sc(p).update(allowPrivilegeEscalation=True),
        [("Privilege Escalation", "spec.containers[0].securityContext.allowPrivilegeEscalation")],
    ),
    (
        "privilege escalation unset",
        lambda p: _sc(p).pop("allowPrivilegeEscalation"),
        [("Privilege Escalation", "spec.containers[0].securityContext.allowPrivilegeEscalation")],
    ),
    (
        "runAsNonRoot unset everywhere",
        _drop_non_root,
        [("Running as Non-root", "spec.containers[0].securityContext.runAsNonRoot")],
    ),
    (
        "container runs as UID 0",
        lambda p: _sc(p).update(runAsUser=0),
        [("Running as Non-root user", "spec.containers[0].securityContext.runAsUser")],
    ),
    (
        "pod runs as UID 0",
        lambda p: p["securityContext"].update(runAsUser=0),
        [("Running as Non-root user", "spec.securityContext.runAsUser")],
    ),
    (
        "no seccomp profile",
        _drop_seccomp,
        [("Seccomp", "spec.containers[0].securityContext.seccompProfile.type")],
    ),
    (
        "unconfined seccomp",
        lambda p: _sc(p).update(seccompProfile={"type": "Unconfined"}),
        [("Seccomp", "spec.containers[0].securityContext.seccompProfile.type")],
    ),
    (
        "init container without a security context",
        lambda p: p.update(initContainers=[{"name": "init", "image": "busybox"}]),
        [
            (
                "Privilege Escalation",
                "spec.initContainers[0].securityContext.allowPrivilegeEscalation",
            ),
            ("Capabilities", "spec.initContainers[0].securityContext.capabilities.drop"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [(m, e) for _, m, e in VIOLATIONS],
    ids=[name for name, _, _ in VIOLATIONS],
)
def test_each_restricted_violation_is_rejected(
    mutate: Mutation, expected: list[tuple[str, str]]
) -> None:
    pod = _pod()
    assert check_pod_spec(pod) == []
    mutate(pod)
    assert [(v.rule, v.path) for v in check_pod_spec(pod)] == expected


def test_pod_level_settings_satisfy_every_container() -> None:
    """runAsNonRoot and seccomp may be set once on the pod instead of on each container."""
    pod = _pod()
    for key in ("runAsNonRoot", "seccompProfile"):
        del _sc(pod)[key]
    assert check_pod_spec(pod) == []


def test_net_bind_service_is_the_one_capability_that_may_be_added() -> None:
    pod = _pod()
    _sc(pod)["capabilities"]["add"] = ["NET_BIND_SERVICE"]
    assert check_pod_spec(pod) == []
