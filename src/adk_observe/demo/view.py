"""What the demo shows: a snapshot of each SLO read back from Prometheus, and its text rendering.

`collect()` runs the same recorded series the SLO dashboard plots; `render()` is a pure function
of a snapshot, so the layout is tested without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from adk_observe import conventions as c
from adk_observe.durations import format_seconds
from adk_observe.model import ServiceSpec
from adk_observe.promql import number, regex, selector, service_selector
from adk_observe.rules.alerts import enabled_windows
from adk_observe.rules.recordings import slo_matchers

TRAFFIC_WINDOW = "30s"
FIRING = c.ALERT_STATE_FIRING
ALERT_NAME_LABEL = c.LABEL_ALERTNAME


class Queryable(Protocol):
    def value(self, expr: str) -> float | None: ...

    def alerts(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Burn:
    severity: str
    windows: str  # "2m/30s"
    long: float | None
    short: float | None
    factor: float


@dataclass(frozen=True)
class SLOStatus:
    name: str
    objective: float  # percent
    period: str
    sli_short: float | None
    sli_period: float | None
    budget_left: float | None
    burns: tuple[Burn, ...]


@dataclass(frozen=True)
class AlertStatus:
    alertname: str
    slo: str
    severity: str
    windows: str
    state: str
    dashboard_url: str = ""  # the alert's link to its Grafana dashboard (spec.grafana_url)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.alertname, self.slo, self.severity, self.windows)

    def describe(self) -> str:
        what = f"SLO {self.slo} {self.windows}" if self.slo else self.alertname
        return f"{self.severity} alert {self.alertname} ({what})"


@dataclass(frozen=True)
class Snapshot:
    requests_per_second: float | None
    error_share: float | None
    slos: tuple[SLOStatus, ...]
    alerts: tuple[AlertStatus, ...]


def _ratio(spec: ServiceSpec, slo_name: str, window: int) -> str:
    slo = spec.slo(slo_name)
    assert slo is not None
    return selector(c.record_sli_error_ratio(format_seconds(window)), slo_matchers(spec, slo))


def collect(prom: Queryable, spec: ServiceSpec) -> Snapshot:
    sel = service_selector(spec)
    requests = f"sum(rate({selector(c.REQUESTS.name, sel)}[{TRAFFIC_WINDOW}]))"
    failed = selector(c.REQUESTS.name, sel, regex(c.LABEL_STATUS_CODE, c.SERVER_ERROR_REGEX))
    errors = f"(sum(rate({failed}[{TRAFFIC_WINDOW}])) or vector(0)) / ({requests} > 0)"
    slos = []
    for slo in spec.slos:
        match = slo_matchers(spec, slo)
        budget = number(slo.error_budget)
        burns = tuple(
            Burn(
                w.severity.value,
                f"{format_seconds(w.long)}/{format_seconds(w.short)}",
                prom.value(f"{_ratio(spec, slo.name, w.long)} / {budget}"),
                prom.value(f"{_ratio(spec, slo.name, w.short)} / {budget}"),
                w.factor(slo.period),
            )
            for w in enabled_windows(slo)  # the pairs that have an alert rule
        )
        short = prom.value(f"1 - {_ratio(spec, slo.name, 300)}")
        slos.append(
            SLOStatus(
                slo.name,
                slo.objective,
                format_seconds(slo.period),
                short,
                prom.value(f"1 - {_ratio(spec, slo.name, slo.period)}"),
                prom.value(selector(c.RECORD_BUDGET_REMAINING, match)),
                burns,
            )
        )
    return Snapshot(prom.value(requests), prom.value(errors), tuple(slos), alerts_of(prom, spec))


def alerts_of(prom: Queryable, spec: ServiceSpec) -> tuple[AlertStatus, ...]:
    found = []
    for alert in prom.alerts():
        labels = alert.get("labels", {})
        if labels.get(c.LABEL_SERVICE) != spec.name:
            continue
        found.append(
            AlertStatus(
                labels.get(ALERT_NAME_LABEL, ""),
                labels.get(c.LABEL_SLO, ""),
                labels.get(c.LABEL_SEVERITY, ""),
                labels.get(c.LABEL_WINDOWS, ""),
                str(alert.get("state", "")),
                alert.get("annotations", {}).get(c.ANNOTATION_DASHBOARD_URL, ""),
            )
        )
    return tuple(sorted(found, key=lambda a: (a.state != FIRING, *a.key)))


# --- rendering ------------------------------------------------------------------------------


def pct(value: float | None, digits: int = 2) -> str:
    return "   n/a" if value is None else f"{value * 100:.{digits}f}%"


def times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


def clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _burn_line(burn: Burn, firing: set[tuple[str, str]]) -> str:
    state = "FIRING" if (burn.severity, burn.windows) in firing else ""
    return (
        f"    {burn.severity:<6} {burn.windows:<8} burn {times(burn.long):>8} long "
        f"{times(burn.short):>8} short   fires above {number(burn.factor)}x  {state}"
    ).rstrip()


def render_slos(snapshot: Snapshot) -> list[str]:
    lines = []
    for slo in snapshot.slos:
        firing = {
            (a.severity, a.windows)
            for a in snapshot.alerts
            if a.slo == slo.name and a.state == FIRING
        }
        lines.append(
            f"  {slo.name:<13} objective {number(slo.objective)}%   SLI 5m {pct(slo.sli_short)}"
            f"   SLI {slo.period} {pct(slo.sli_period)}   budget left {pct(slo.budget_left, 1)}"
        )
        lines.extend(_burn_line(b, firing) for b in slo.burns)
    return lines


def render(snapshot: Snapshot, header: list[str], events: list[str]) -> str:
    traffic = (
        f"  traffic {snapshot.requests_per_second or 0:.1f} req/s, "
        f"5xx {pct(snapshot.error_share, 1).strip()} (last {TRAFFIC_WINDOW})"
    )
    alerts = [f"  {a.state.upper():<8} {a.describe()}" for a in snapshot.alerts] or ["  none"]
    lines = [*header, traffic, "", "SLOs (read from the recorded slo:* series)"]
    lines += render_slos(snapshot)
    lines += ["", "Alerts (Prometheus /api/v1/alerts)", *alerts]
    lines += ["", "Events", *(events or ["  none yet"])]
    return "\n".join(lines) + "\n"
