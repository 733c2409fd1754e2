"""`deploy.compliance` and `deploy.egress`: the seed's compliance controls as far as the deploy
renders them (docs/compliance.md). Confidential and restricted data tighten the rest of the
spec: an egress allow-list, no debug logs, audit logging on."""

from __future__ import annotations

import ipaddress

from adk_observe import deploy_model as d
from adk_observe.loader.deploy_facts import Locator, ServiceFacts
from adk_observe.loader.deploy_v1 import DeploySpecV1, EgressV1, ExternalV1

DAY = 86400
# Log levels whose records carry request and tool payloads (ADK, httpx and the agent's own
# debug logs): refused for confidential and restricted data.
PAYLOAD_LEVELS = ("DEBUG",)


def external(spec: ExternalV1 | None) -> d.ExternalSource | None:
    if spec is None:
        return None
    return d.ExternalSource(store=spec.store, store_kind=spec.kind, key=spec.key)


def egress(
    rules: list[EgressV1] | None,
    classification: d.DataClassification,
    at: Locator,
) -> tuple[d.EgressRule, ...] | None:
    if rules is None:
        if classification.tightened:
            raise at.fail(
                ("egress",),
                f"{classification.value} data needs an egress allow-list (egress: [{{cidrs: "
                "[...], ports: [443]}]): without it the pods may send to any address on 443",
            )
        return None
    out = []
    for i, rule in enumerate(rules):
        where = ("egress", i)
        if bool(rule.cidrs) == (rule.namespace is not None):
            raise at.fail(where, "set exactly one of cidrs or namespace")
        for j, cidr in enumerate(rule.cidrs):
            try:
                network = ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise at.fail(
                    (*where, "cidrs", j),
                    f"{cidr!r} is not a CIDR (network address/prefix, host bits zero)",
                ) from None
            if network.prefixlen == 0:
                raise at.fail(
                    (*where, "cidrs", j),
                    f"{cidr} is every address: an allow-list names its destinations",
                )
        for j, port in enumerate(rule.ports):
            if not 1 <= port <= 65535:
                raise at.fail((*where, "ports", j), f"port {port} is not within 1..65535")
        ports = tuple(sorted(set(rule.ports)))
        out.append(d.EgressRule(ports, tuple(rule.cidrs), rule.namespace or ""))
    return tuple(out)


def compliance(spec: DeploySpecV1, facts: ServiceFacts, at: Locator) -> d.Compliance:
    c = spec.compliance
    classification = d.DataClassification(c.data_classification)
    if c.secret_refresh > c.secret_rotation_days * DAY or c.secret_refresh < 60:
        raise at.fail(
            ("compliance", "secret_refresh"),
            f"must be within 1m..{c.secret_rotation_days}d (secret_rotation_days): a rotated "
            "secret must reach the pods within the rotation period",
        )
    if classification.tightened:
        for path, level in facts.log_levels:
            if level in PAYLOAD_LEVELS:
                raise at.fail(
                    ("spec", "telemetry", "logging", *path),
                    f"{level} logs carry request and tool payloads: not for "
                    f"{classification.value} data (compliance.data_classification)",
                    absolute=True,
                )
    audit = classification.tightened if c.audit_log is None else c.audit_log
    if audit and facts.console == d.AUDIT_STREAM:
        raise at.fail(
            ("spec", "telemetry", "logging", "console"),
            f"the audit log has {d.AUDIT_STREAM} to itself (compliance.audit_log): log to stdout",
            absolute=True,
        )
    return d.Compliance(
        data_classification=classification,
        secret_rotation_days=c.secret_rotation_days,
        secret_refresh_seconds=c.secret_refresh,
        audit_log=audit,
        audit_retention_days=c.audit_retention_days,
    )
