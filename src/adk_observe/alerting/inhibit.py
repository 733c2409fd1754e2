"""Inhibit rules derived from the label sets the rules use (Alertmanager 0.25 semantics).

An inhibited alert is left out of its notification: the receiver hears about a problem once.

1. A page silences the tickets of the same SLO (or the same spend budget), group and cluster:
   `equal` holds the SLO (budget) label, every group_by label and the cluster label, so a page
   for agent A never silences the ticket of agent B (Alertmanager compares each `equal` label's
   value, a label missing on both sides counting as equal). The exhausted-budget ticket of a
   paging SLO waits too, and is sent when the page resolves.
2. A burn-rate tier silences the slower tiers of the same severity and SLO group: an outage
   fires page-fast and then page-slow, and the second adds nothing (pyrra#1883). Tiers are
   ordered by (long, short) window.

The agent pack (no `slo` or `budget` label) is never inhibited: each alert is its own signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe.alerting import matchers as mt
from adk_observe.alerting.facts import ServiceFacts, Tier
from adk_observe.alerting.matchers import Matcher
from adk_observe.model import Severity


@dataclass(frozen=True)
class InhibitRule:
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]


def _slower(tiers: tuple[Tier, ...], tier: Tier, severity: Severity) -> list[str]:
    return [t.name for t in tiers[tiers.index(tier) + 1 :] if severity in t.severities]


def inhibit_rules(facts: ServiceFacts) -> tuple[InhibitRule, ...]:
    service = mt.equal(c.LABEL_SERVICE, facts.name)
    page, ticket = (
        mt.one_of(c.LABEL_SEVERITY, facts.page),
        mt.one_of(c.LABEL_SEVERITY, facts.ticket),
    )
    rules = [
        InhibitRule(
            (service, page, mt.present(owner)),
            (service, ticket, mt.present(owner)),
            (owner, *facts.group_labels),
        )
        for owner in (c.LABEL_SLO, c.LABEL_BUDGET)
    ]
    # Both SLOs and budgets carry tiers; `slo` and `budget` in `equal` keep them apart.
    same = (c.LABEL_SLO, c.LABEL_BUDGET, *facts.group_labels)
    for severity, values in ((Severity.PAGE, facts.page), (Severity.TICKET, facts.ticket)):
        level = mt.one_of(c.LABEL_SEVERITY, values)
        for tier in facts.tiers:
            slower = _slower(facts.tiers, tier, severity)
            if severity in tier.severities and slower:
                rules.append(
                    InhibitRule(
                        (service, mt.equal(c.LABEL_TIER, tier.name), level),
                        (service, mt.one_of(c.LABEL_TIER, slower), level),
                        same,
                    )
                )
    return tuple(rules)
