"""The error-budget policy behind `adk-observe gate`: may we release?

An SLO passes when at least `min_budget` percent of its budget is left and, when `max_burn` is
set, its 1h burn rate is at most that. An SLO without data can neither pass nor fail: the
gate is then inconclusive unless another SLO already failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe.checks.report import Report, SLOReport
from adk_observe.checks.report_render import human_duration
from adk_observe.promql import number

PASS, FAIL, NO_DATA = "pass", "fail", "no data"
BURN_WINDOW = "1h"


@dataclass(frozen=True)
class Verdict:
    service: str
    slo: str
    outcome: str
    line: str


def _figures(slo: SLOReport) -> str:
    left = slo.budget_remaining
    burn = slo.burn(BURN_WINDOW)
    parts = [
        f"{left * 100:.2f}% of the {slo.window.label} budget left" if left is not None else "",
        f"1h burn {burn:.2f}x" if burn is not None else "1h burn: no data",
    ]
    if slo.exhaustion_seconds:
        parts.append(f"exhausted in {human_duration(slo.exhaustion_seconds)}")
    return ", ".join(p for p in parts if p)


def freeze(service: str, slo: str) -> str:
    """What a spent budget means for a release: the rules' change-freeze alert, by name."""
    return f"budget exhausted: change freeze (alert {c.budget_exhausted_alert(service, slo)})"


def judge(service: str, slo: SLOReport, min_budget: float, max_burn: float | None) -> Verdict:
    name = f"{service}/{slo.name}"
    left = slo.budget_remaining
    if left is None:
        return Verdict(service, slo.name, NO_DATA, f"NO DATA {name}: no traffic in the window")
    reasons = []
    if left * 100 < min_budget:
        reasons.append(f"below the {number(min_budget)}% minimum")
    if left <= 0:
        reasons.append(freeze(service, slo.name))
    burn = slo.burn(BURN_WINDOW)
    if max_burn is not None and burn is not None and burn > max_burn:
        reasons.append(f"burning above the {number(max_burn)}x maximum")
    outcome = FAIL if reasons else PASS
    why = f" ({'; '.join(reasons)})" if reasons else ""
    return Verdict(service, slo.name, outcome, f"{outcome.upper()} {name}: {_figures(slo)}{why}")


def evaluate(report: Report, min_budget: float, max_burn: float | None) -> list[Verdict]:
    return [
        judge(svc.name, slo, min_budget, max_burn) for svc in report.services for slo in svc.slos
    ]
