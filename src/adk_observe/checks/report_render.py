"""The report as JSON-ready data, plain text and Markdown (pure functions of the model)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from adk_observe import conventions as c
from adk_observe.checks.report import Firing, Report, SLOReport
from adk_observe.checks.report_fleet import GroupReport
from adk_observe.checks.report_summary import json_rows, markdown_lines, md, text_lines
from adk_observe.errors import printable
from adk_observe.promql import number

NO_DATA = "no data"


def timestamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _round(value: float | None, digits: int = 9) -> float | None:
    """JSON has no NaN or infinity: those are null, like a missing figure."""
    return None if value is None or not math.isfinite(value) else round(value, digits)


def human_duration(seconds: float) -> str:
    """12d 3h, 5h 20m, 45m, 30s: the two largest units, enough for a budget review."""
    s = int(seconds)
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if s >= size or (unit == "s" and not parts):
            parts.append(f"{s // size}{unit}")
            s %= size
    return " ".join(parts[:2])


def percent(value: float | None, digits: int = 3) -> str:
    return NO_DATA if value is None else f"{value * 100:.{digits}f}%"


def _firing(alerts: tuple[Firing, ...]) -> list[dict[str, str]]:
    return [
        {"alertname": f.alertname, "severity": f.severity, "windows": f.windows} for f in alerts
    ]


def slo_data(slo: SLOReport) -> dict[str, Any]:
    b = slo.budget
    return {
        "name": slo.name,
        "objective": slo.objective,
        "window": slo.window.label,
        "window_start": timestamp(slo.window.start),
        "window_end": timestamp(slo.window.end),
        "source": slo.source,
        "status": "ok" if slo.error_ratio is not None else NO_DATA,
        "sli": _round(slo.sli),
        "error_ratio": _round(slo.error_ratio),
        "budget_remaining": _round(slo.budget_remaining),
        "budget": None
        if b is None
        else {
            "unit": b.unit,
            "total": _round(b.total, 3),
            "spent": _round(b.spent, 3),
            "remaining": _round(b.remaining, 3),
        },
        "burn_rates": {w: _round(r) for w, r in slo.burn_rates},
        "alert_windows": [
            {
                "severity": p.severity,
                "windows": p.windows,
                "factor": p.factor,
                "long": _round(p.long),
                "short": _round(p.short),
                "over_threshold": p.over,
            }
            for p in slo.pairs
        ],
        "exhaustion_seconds": _round(slo.exhaustion_seconds, 0),
        "firing": _firing(slo.firing),
        **({"clusters": [_group_data(g) for g in slo.groups]} if slo.groups else {}),
    }


def _group_data(g: GroupReport) -> dict[str, Any]:
    return {
        "groups": dict(g.groups),
        "error_ratio": _round(g.error_ratio),
        "budget_remaining": _round(g.budget_remaining),
        "burn_1h": _round(g.burn_1h),
        "firing": [
            {"alertname": f.alertname, "severity": f.severity, "windows": f.windows}
            for f in g.firing
        ],
    }


def report_data(report: Report) -> dict[str, Any]:
    summary = json_rows(report)  # spec.clusters: one row per SLO, cluster and group
    return {
        "at": timestamp(report.at),
        "prometheus": report.prometheus,
        "calendar": report.calendar,
        **({"summary": summary} if summary else {}),
        "services": [
            {
                "name": svc.name,
                "firing": _firing(svc.firing),
                "slos": [slo_data(s) for s in svc.slos],
            }
            for svc in report.services
        ],
    }


def _budget_text(slo: SLOReport) -> str:
    b = slo.budget
    if b is None:
        return NO_DATA
    left = f"{b.fraction_remaining * 100:.1f}% left"
    return f"{left}: {b.spent:,.1f} of {b.total:,.1f} {b.unit} spent, {b.remaining:,.1f} remaining"


def _exhaustion_text(slo: SLOReport, service: str) -> str:
    if slo.budget is None:
        return NO_DATA
    if slo.exhaustion_seconds is None:
        return "never at the current 1h burn (not burning)"
    if slo.exhaustion_seconds == 0:
        alert = c.budget_exhausted_alert(service, slo.name)
        return f"now: the budget is spent: change freeze (alert {alert})"
    burn = slo.burn("1h")
    rate = "" if burn is None else f" ({burn:.2f}x)"
    return f"in {human_duration(slo.exhaustion_seconds)} at the current 1h burn{rate}"


def _sli_text(slo: SLOReport) -> str:
    if slo.error_ratio is None:
        return f"{NO_DATA} ({slo.no_data})" if slo.no_data else NO_DATA
    return f"{percent(slo.sli)}  (error ratio {percent(slo.error_ratio)})"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _firing_text(alerts: tuple[Firing, ...]) -> str:
    if not alerts:
        return "none"
    return ", ".join(f"{f.alertname} {f.severity} {f.windows}".strip() for f in alerts)


def render_text(report: Report) -> str:
    scope = "the calendar month" if report.calendar else "each SLO's window"
    lines = [
        f"Error budgets at {timestamp(report.at)} over {scope} (Prometheus {report.prometheus})",
        *text_lines(report),  # spec.clusters: the summary first
    ]
    for svc in report.services:
        lines.append("")
        lines.append(printable(svc.name))
        for slo in svc.slos:
            pairs = "  ".join(
                f"{p.severity} {p.windows} {_rate(p.long)}/{_rate(p.short)} of {number(p.factor)}x"
                + (" OVER" if p.over else "")
                for p in slo.pairs
            )
            lines += [
                f"  {printable(slo.name)}: {number(slo.objective)}% over {slo.window.label} "
                f"({slo.source} series)",
                f"    SLI            {_sli_text(slo)}",
                f"    budget         {_budget_text(slo)}",
                "    burn rates     " + "  ".join(f"{w} {_rate(r)}" for w, r in slo.burn_rates),
                f"    alert windows  {pairs or 'none'}",
                f"    exhausted      {_exhaustion_text(slo, svc.name)}",
                f"    firing         {_firing_text(slo.firing)}",
                *(_group_line(g) for g in slo.groups),
            ]
        if svc.firing:
            lines.append(f"  other alerts firing: {_firing_text(svc.firing)}")
    return "\n".join(lines) + "\n"


def _group_line(g: GroupReport) -> str:
    where = ", ".join(f"{k}={v}" for k, v in g.groups)
    return (
        f"    {where}: budget {percent(g.budget_remaining, 1)} left, error ratio "
        f"{percent(g.error_ratio)}, 1h burn {_rate(g.burn_1h)}, firing {_firing_text(g.firing)}"
    )


def render_markdown(report: Report) -> str:
    lines = [f"## Error budgets at {timestamp(report.at)}", "", *markdown_lines(report)]
    for svc in report.services:
        lines += [
            f"### {md(svc.name)}",
            "",
            "| SLO | objective | window | SLI | budget left | budget | 1h burn | exhausted "
            "| firing | source |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for slo in svc.slos:
            b = slo.budget
            budget_text = (
                NO_DATA if b is None else f"{b.spent:,.1f} of {b.total:,.1f} {b.unit} spent"
            )
            exhausted = (
                "-"
                if slo.budget is None or slo.exhaustion_seconds is None
                else (
                    "spent"
                    if slo.exhaustion_seconds == 0
                    else f"in {human_duration(slo.exhaustion_seconds)}"
                )
            )
            lines.append(
                f"| {md(slo.name)} | {number(slo.objective)}% | {md(slo.window.label)} "
                f"| {percent(slo.sli)} | {percent(slo.budget_remaining, 1)} | {budget_text} "
                f"| {_rate(slo.burn('1h'))} | {exhausted} | {md(_firing_text(slo.firing))} "
                f"| {slo.source} |"
            )
        lines.append("")
    return "\n".join(lines)
