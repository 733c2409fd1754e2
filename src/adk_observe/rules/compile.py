"""ServiceSpec -> rule groups. Pure: no I/O, deterministic order."""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.gcpause import paused_gc
from adk_observe.model import ServiceSpec
from adk_observe.rules.agent_pack import agent_alerts
from adk_observe.rules.alerts import slo_alerts
from adk_observe.rules.budgets import budget_groups
from adk_observe.rules.fleet import fleet_recordings
from adk_observe.rules.metadata import meta_recordings
from adk_observe.rules.recordings import sli_recordings
from adk_observe.rules.types import RuleGroup


def compile_service(spec: ServiceSpec) -> tuple[RuleGroup, ...]:
    """One group per SLO (SLI recordings, metadata, then burn-rate alerts), one per spend budget,
    then the agent pack.

    Prometheus evaluates the rules of one group in order and groups independently, so keeping an
    SLO's recordings and alerts together means an alert never reads the previous evaluation's
    ratios, and a slow SLO never delays another. The cyclic collector is paused meanwhile (a
    10,000-SLO service is 175,000 rules: 1.4x linear time with it scanning them).
    """
    with paused_gc():
        return _compile(spec)


def _compile(spec: ServiceSpec) -> tuple[RuleGroup, ...]:
    groups = [
        RuleGroup(
            c.group_slo(spec.name, slo.name),
            (
                *sli_recordings(spec, slo),
                *meta_recordings(spec, slo),
                *fleet_recordings(spec, slo),  # spec.clusters: the fleet-wide view
                *slo_alerts(spec, slo),
            ),
        )
        for slo in spec.slos
    ]
    groups.extend(budget_groups(spec))
    pack = agent_alerts(spec)
    if pack:
        groups.append(RuleGroup(c.group_agent_pack(spec.name), pack))
    return tuple(g for g in groups if g.rules)
