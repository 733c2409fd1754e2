"""The error-budget policy behind `adk-observe gate`: may we release?

An SLO passes when at least `min_budget` percent of its budget is left (exactly that much
passes) and, when `max_burn` is set, its 1h burn rate is at most that (exactly that passes).
An SLO without data (no traffic, or values that are not data: NaN, negative, missing) can
neither pass nor fail: the gate is then inconclusive unless another SLO failed. Nor can one
whose 1h burn is not data, or has no series at all, pass a `max_burn` (no traffic in the last
hour, its counters still scraped, burns nothing: that passes).
"""

from __future__ import annotations

from dataclasses import dataclass

from adk_observe import conventions as c
from adk_observe.checks.budget import NO_TRAFFIC
from adk_observe.checks.prometheus import warned_text
from adk_observe.checks.report import Report, SLOReport
from adk_observe.checks.report_render import human_duration
from adk_observe.errors import printable
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


def judge(
    service: str, slo: SLOReport, min_budget: float, max_burn: float | None, warned: str = ""
) -> Verdict:
    """`warned`: what Prometheus warned of (the answers may be partial): no pass, then."""
    name = printable(f"{service}/{slo.name}", 200)
    left = slo.budget_remaining
    if left is None:
        why = slo.no_data or NO_TRAFFIC
        return Verdict(service, slo.name, NO_DATA, f"NO DATA {name}: {why}")
    reasons = []
    if left < min_budget / 100:  # not left * 100: 0.29 * 100 is 28.999999999999996
        reasons.append(f"below the {number(min_budget)}% minimum")

    burn = slo.burn(BURN_WINDOW)
    if max_burn is not None and burn is not None and burn > max_burn:
        reasons.append(f"burning above the {number(max_burn)}x maximum")
    if not reasons and max_burn is not None and slo.burn_no_data:
        # A burn that is not data (NaN, negative...) or has no series at all (the service is
        # gone, or no longer scraped) cannot be shown to be at most max_burn.
        return Verdict(service, slo.name, NO_DATA, f"NO DATA {name}: 1h burn: {slo.burn_no_data}")
    outcome = FAIL if reasons else PASS
    # A spent budget is the rules' change-freeze alert firing: named, whatever the policy says.
    notes = [*reasons, freeze(service, slo.name)] if left <= 0 else reasons
    why = f" ({'; '.join(notes)})" if notes else ""
    line = f"{name}: {_figures(slo)}{why}"
    if outcome == PASS and warned:
        partial = f"NO DATA {line} (from a partial answer): {warned}"
        return Verdict(service, slo.name, NO_DATA, partial)
    return Verdict(service, slo.name, outcome, f"{outcome.upper()} {line}")


def evaluate(report: Report, min_budget: float, max_burn: float | None) -> list[Verdict]:
    """Each SLO's verdict. When Prometheus warned that an answer may be partial (a remote-read
    or Thanos store did not answer), no SLO passes on it: a pass is no data, naming the
    warning; a failure stays one."""
    warned = warned_text(report.warnings)
    return [
        judge(svc.name, slo, min_budget, max_burn, warned)
        for svc in report.services
        for slo in svc.slos
    ]


def overall(verdicts: list[Verdict]) -> str:
    """FAIL when any SLO fails (even beside one without data), else NO_DATA when any has no
    data, else PASS."""
    outcomes = {v.outcome for v in verdicts}
    return FAIL if FAIL in outcomes else NO_DATA if NO_DATA in outcomes else PASS
