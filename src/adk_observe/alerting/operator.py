"""The same routing as an `AlertmanagerConfig` (monitoring.coreos.com/v1alpha1), one per
service, for Prometheus Operator users.

The Operator nests each AlertmanagerConfig's route under its Alertmanager's root and, with its
default matcher strategy (`OnNamespace`), adds `namespace="<the CR's namespace>"` to it: alerts
then need a `namespace` label (`enforcedNamespaceLabel: namespace` on the Prometheus resource
gives every alert of a PrometheusRule its namespace), or the Alertmanager needs
`alertmanagerConfigMatcherStrategy: {type: None}`. docs/alerting.md says so. Receiver, interval
and rule names are the plain configuration's; the Operator prefixes them with
`<namespace>/<name>/`. Secrets are Secret references (receivers.py), texts inline.
"""

from __future__ import annotations

from typing import Any

from adk_observe import conventions as c
from adk_observe.alerting import intervals
from adk_observe.alerting import matchers as mt
from adk_observe.alerting.config import TIMING, group_by, leaves, receiver_names
from adk_observe.alerting.facts import service_facts
from adk_observe.alerting.inhibit import inhibit_rules
from adk_observe.alerting.receivers import operator_receiver
from adk_observe.alerting.templates import INLINE
from adk_observe.identifiers import object_name
from adk_observe.model import ServiceSpec
from adk_observe.rules.output import object_labels

API_VERSION = "monitoring.coreos.com/v1alpha1"
KIND = "AlertmanagerConfig"
_CAMEL = {"group_wait": "groupWait", "repeat_interval": "repeatInterval"}


def file_name(spec: ServiceSpec) -> str:
    return f"{spec.name}.alertmanagerconfig.yaml"


def alertmanager_config_cr(spec: ServiceSpec) -> dict[str, Any]:
    facts = service_facts(spec)
    labels = object_labels(spec, KIND)
    mutes = intervals.names(spec)
    muted = {"muteTimeIntervals": mutes} if mutes else {}
    # By service only: an SLO's own `team` label must not keep its alerts from this route.
    scope = [mt.equal(c.LABEL_SERVICE, spec.name)]
    page, ticket = receiver_names(spec.name)
    route = {
        "receiver": ticket,
        "matchers": mt.objects(scope),
        "groupBy": group_by(facts),
        "groupWait": TIMING.group_wait,
        "groupInterval": TIMING.group_interval,
        "repeatInterval": TIMING.repeat_interval,
        **muted,
        "routes": [
            {
                "receiver": leaf.receiver,
                "matchers": mt.objects([leaf.severity]),
                **{_CAMEL[k]: v for k, v in leaf.timing.items()},
                **muted,
            }
            for leaf in leaves(facts)
        ],
    }
    body: dict[str, Any] = {
        "route": route,
        "receivers": [
            operator_receiver(spec, page, spec.notify.page, True, INLINE),
            operator_receiver(spec, ticket, spec.notify.ticket, False, INLINE),
        ],
        "inhibitRules": [
            {
                "sourceMatch": mt.objects(rule.source),
                "targetMatch": mt.objects(rule.target),
                "equal": list(rule.equal),
            }
            for rule in inhibit_rules(facts)
        ],
    }
    if timed := intervals.mute_time_intervals(spec):
        body["muteTimeIntervals"] = timed
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": object_name(spec.name),
            "namespace": spec.namespace,
            "labels": labels,
        },
        "spec": body,
    }
