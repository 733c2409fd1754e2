"""Maintenance windows -> Alertmanager time intervals, in both spellings.

The configuration file (Alertmanager 0.24+) defines them under `time_intervals` and a route
mutes on them by name (`mute_time_intervals`, which child routes do NOT inherit: 0.25's
dispatch/route.go copies it from each route's own config, so every route of the service lists
it). Names are `<service>-<window>`, unique across the services of one configuration.

The AlertmanagerConfig CR (monitoring.coreos.com/v1alpha1) has no `location` for its time
intervals: a window in any zone but UTC cannot be written there, and is an error rather than a
window that mutes at the wrong hours.
"""

from __future__ import annotations

from typing import Any

from adk_observe.errors import SpecError
from adk_observe.model import ServiceSpec
from adk_observe.notify_model import Maintenance

UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "Universal"})


def interval_name(spec: ServiceSpec, window: Maintenance) -> str:
    return f"{spec.name}-{window.name}"


def names(spec: ServiceSpec) -> list[str]:
    return [interval_name(spec, w) for w in spec.maintenance]


def _plain(window: Maintenance) -> dict[str, Any]:
    out: dict[str, Any] = {
        "times": [{"start_time": start, "end_time": end} for start, end in window.times],
        "weekdays": list(window.weekdays),
    }
    for key, values in (
        ("days_of_month", window.days_of_month),
        ("months", window.months),
        ("years", window.years),
    ):
        if values:
            out[key] = list(values)
    out["location"] = window.location
    return out


def time_intervals(spec: ServiceSpec) -> list[dict[str, Any]]:
    """The configuration file's `time_intervals` entries of one service."""
    return [
        {"name": interval_name(spec, w), "time_intervals": [_plain(w)]} for w in spec.maintenance
    ]


def _day_range(text: str) -> dict[str, int]:
    start, _, end = text.partition(":")
    return {"start": int(start), "end": int(end or start)}


def _operator(spec: ServiceSpec, window: Maintenance) -> dict[str, Any]:
    if window.location not in UTC_NAMES:
        raise SpecError(
            f"maintenance window {window.name!r} is in {window.location}: the "
            "AlertmanagerConfig CR (v1alpha1) has no time zone for its intervals, only UTC; "
            "give this window location: UTC (its times converted), or use the plain "
            "configuration (--format alertmanager)",
            file=spec.source.file,
            line=window.at.line,
            path=window.at.path,
        )
    out: dict[str, Any] = {
        "times": [{"startTime": start, "endTime": end} for start, end in window.times],
        "weekdays": list(window.weekdays),
    }
    if window.days_of_month:
        out["daysOfMonth"] = [_day_range(d) for d in window.days_of_month]
    if window.months:
        out["months"] = list(window.months)
    if window.years:
        out["years"] = list(window.years)
    return out


def mute_time_intervals(spec: ServiceSpec) -> list[dict[str, Any]]:
    """The CR's `muteTimeIntervals` of one service."""
    return [
        {"name": interval_name(spec, w), "timeIntervals": [_operator(spec, w)]}
        for w in spec.maintenance
    ]
