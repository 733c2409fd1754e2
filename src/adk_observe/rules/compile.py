"""ServiceSpec -> rule groups. Pure: no I/O, deterministic order."""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe.model import ServiceSpec
from adk_observe.rules.agent_pack import agent_alerts
from adk_observe.rules.alerts import slo_alerts
from adk_observe.rules.metadata import meta_recordings
from adk_observe.rules.recordings import sli_recordings
from adk_observe.rules.types import RuleGroup


def compile_service(spec: ServiceSpec) -> tuple[RuleGroup, ...]:
    """SLI recordings first (alerts read them), then metadata, SLO alerts and the agent pack.

    Prometheus evaluates the rules of one group in order, so a long-window ratio sees the
    short-window rates recorded in the same evaluation.
    """
    groups = [
        RuleGroup(
            c.group_sli(spec.name), tuple(r for slo in spec.slos for r in sli_recordings(spec, slo))
        ),
        RuleGroup(
            c.group_meta(spec.name),
            tuple(r for slo in spec.slos for r in meta_recordings(spec, slo)),
        ),
        RuleGroup(
            c.group_alerts(spec.name), tuple(r for slo in spec.slos for r in slo_alerts(spec, slo))
        ),
    ]
    pack = agent_alerts(spec)
    if pack:
        groups.append(RuleGroup(c.group_agent_pack(spec.name), pack))
    return tuple(g for g in groups if g.rules)
