"""promtool scenarios of a fleet (`spec.clusters`, `compile-rules --emit-tests`): the rules keep
every cluster apart, written to `<svc>.rules.cluster-test.yaml`.

For every SLO whose SLI reads the metric catalogue (uptime aside: its errors are whole targets
down, not failing turns), two clusters: `a` serves all but a share `s` of the traffic and never
fails; `b` serves `s` (1%, or the SLO's error budget when that is smaller) and, after an hour of
healthy traffic, fails half of its turns. The fleet's ratio is then s/2, at most half the budget,
while b burns 0.5/budget times too fast. What must hold:

1. b's quickest page pair fires, with cluster="b", by the time its windows reach the threshold
   (both windows of a raw-window pair read 0.5 * t / window after t seconds of errors);
2. nothing of the SLO, in any state, ever carries cluster="a";
3. the fleet-wide view stays inside the budget (`fleet:error_budget_remaining:ratio` > 0);
4. every `slo:` recording of the SLO exists once per cluster, each with its cluster label (a
   label-less series would be a third row), and no alert of the SLO lacks the label.

The input series are the ones the unit tests use (rules/series.py), scaled to each cluster's
share of the traffic and labelled with the cluster, as the cluster's Prometheus adds it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from adk_observe import conventions as c
from adk_observe.durations import format_seconds, parse_seconds
from adk_observe.model import SLO, AlertWindow, BuiltinSLI, ServiceSpec, Severity
from adk_observe.promql import eq, number, selector
from adk_observe.rules.compile import compile_service
from adk_observe.rules.kinds import kind_of
from adk_observe.rules.recordings import slo_matchers
from adk_observe.rules.series import Phase
from adk_observe.rules.types import Recording
from adk_observe.windows import RAW_WINDOW_MAX

HEALTHY, FAILING = "a", "b"
FAILING_SHARE = 0.01  # of the traffic, at most (the SLO's budget when that is smaller)
FAILING_RATIO = 0.5
_TOKEN = re.compile(r"^([0-9.]+)(?:\+([0-9.]+)x([0-9]+))?$")


def _share(slo: SLO) -> float:
    return min(FAILING_SHARE, slo.error_budget)


def _scaled(values: str, factor: float) -> str:
    """A counter's promtool values (`0 60+60x9 ...`) times `factor`."""
    out = []
    for token in values.split():
        match = _TOKEN.match(token)
        if match is None:
            raise ValueError(f"unexpected series values {values!r}")
        start, step, count = match.groups()
        text = number(float(start) * factor)
        if step is not None:
            text += f"+{number(float(step) * factor)}x{count}"
        out.append(text)
    return " ".join(out)


def _labelled(series: str, label: str, cluster: str) -> str:
    """`metric{a="b"}` with the cluster's external label added."""
    return series[:-1] + ("," if not series.endswith("{}") else "") + eq(label, cluster) + "}"


def _input(spec: ServiceSpec, slo: SLO, history: int, failing: int) -> list[dict[str, str]]:
    assert spec.clusters is not None
    kind = kind_of(slo.sli)
    if kind.series is None:
        return []
    share = _share(slo)
    out = []
    for cluster, factor, ratio in ((HEALTHY, 1 - share, 0.0), (FAILING, share, FAILING_RATIO)):
        phases = [Phase(history, 0.0), Phase(failing, ratio)]
        for s in kind.series(spec, slo.sli, phases):
            out.append(
                {
                    "series": _labelled(s["series"], spec.clusters.label, cluster),
                    "values": _scaled(s["values"], factor * 100),
                }
            )
    return out


def _quickest(slo: SLO) -> AlertWindow | None:
    """The page pair b's burn fires first (raw windows only: exact timing)."""
    threshold = {w: w.factor(slo.period) * slo.error_budget for w in slo.windows}
    pages = [
        w
        for w in slo.windows
        if w.severity is Severity.PAGE and threshold[w] < FAILING_RATIO and w.long <= RAW_WINDOW_MAX
    ]
    if not pages or not slo.alerting.page.enabled:
        return None
    return min(pages, key=lambda w: (threshold[w] * w.long, w.long))


def _alerts(spec: ServiceSpec, slo: SLO, *matchers: str) -> str:
    return selector(
        c.ALERTS_SERIES,
        eq(c.LABEL_ALERTNAME, slo.alerting.name),
        slo_matchers(spec, slo),
        *matchers,
    )


def _per_cluster_names(spec: ServiceSpec, slo: SLO) -> int:
    group = next(g for g in compile_service(spec) if g.name == c.group_slo(spec.name, slo.name))
    return len(
        {
            r.record
            for r in group.rules
            if isinstance(r, Recording) and r.record.startswith(c.RECORDED_SERIES_PREFIX)
        }
    )


def cluster_case(spec: ServiceSpec, slo: SLO) -> dict[str, Any] | None:
    """The scenario of one SLO; None when it cannot be synthesised or cannot page."""
    if spec.clusters is None:
        return None
    if isinstance(slo.sli, BuiltinSLI) and slo.sli.kind.counts_time:
        return None
    pair = _quickest(slo)
    if pair is None:
        return None
    label = spec.clusters.label
    interval = 60 if min(w.short for w in slo.windows) >= 300 else max(1, pair.short // 5)
    steps = math.ceil(pair.long / interval)
    pending = math.ceil(slo.alerting.page.for_seconds / interval)
    fire = math.ceil(2 * pair.factor(slo.period) * slo.error_budget * pair.long / interval)
    fire += 2 + pending
    series = _input(spec, slo, steps, fire + 2)
    if not series:
        return None
    end = format_seconds((steps + fire) * interval)
    windows = f"{format_seconds(pair.long)}/{format_seconds(pair.short)}"
    return {
        "name": f"{slo.name}: cluster {FAILING} with {number(_share(slo) * 100)}% of the traffic "
        f"failing half its turns pages ({windows}) for itself alone; the fleet stays in budget",
        "interval": format_seconds(interval),
        "input_series": series,
        "promql_expr_test": _checks(spec, slo, label, windows, end),
    }


def _checks(
    spec: ServiceSpec, slo: SLO, label: str, windows: str, end: str
) -> list[dict[str, Any]]:
    """At `end`: the failing cluster's page fires on `windows`, the healthy cluster and series
    without a cluster (`label`) never alert, the fleet keeps budget, each cluster records every
    series."""
    own = dict(slo.alerting.page.labels).get(c.LABEL_SEVERITY, Severity.PAGE.value)
    page = _alerts(
        spec,
        slo,
        eq(c.LABEL_ALERT_STATE, c.ALERT_STATE_FIRING),
        eq(c.LABEL_SEVERITY, own),
        eq(c.LABEL_WINDOWS, windows),
        eq(label, FAILING),
    )
    healthy = _alerts(spec, slo, eq(label, HEALTHY))
    unlabelled = selector(c.ALERTS_SERIES, slo_matchers(spec, slo), eq(label, ""))
    recorded = (
        f'{{{c.LABEL_NAME}=~"{re.escape(c.RECORDED_SERIES_PREFIX)}.+",{slo_matchers(spec, slo)}}}'
    )
    remaining = selector(c.fleet_record(c.RECORD_BUDGET_REMAINING), slo_matchers(spec, slo))
    names = _per_cluster_names(spec, slo)
    return [
        {
            "expr": f"count({page})",
            "eval_time": end,
            "exp_samples": [{"labels": "{}", "value": 1}],
        },
        {
            "expr": f"count(count_over_time({healthy}[{end}]))",
            "eval_time": end,
            "exp_samples": [],
        },
        {
            "expr": f"count(count_over_time({unlabelled}[{end}]))",
            "eval_time": end,
            "exp_samples": [],
        },
        {
            "expr": f"count({remaining} > 0)",
            "eval_time": end,
            "exp_samples": [{"labels": "{}", "value": 1}],
        },
        {
            "expr": f"count by ({label}) ({recorded})",
            "eval_time": end,
            "exp_samples": [
                {"labels": f"{{{eq(label, x)}}}", "value": names} for x in (HEALTHY, FAILING)
            ],
        },
    ]


def cluster_tests(
    spec: ServiceSpec, rule_file_name: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """The test file (None without a scenario) and a note per SLO left without one."""
    if spec.clusters is None:
        return None, []
    cases, notes = [], []
    for slo in spec.slos:
        case = cluster_case(spec, slo)
        if case is None:
            notes.append(
                f"SLO {slo.name!r}: no cluster scenario (its SLI cannot be synthesised "
                "as failing turns, or no page pair can fire at a 50% error ratio)"
            )
        else:
            cases.append(case)
    if not cases:
        return None, notes
    interval = min(parse_seconds(case["interval"]) for case in cases)
    return {
        "rule_files": [rule_file_name],
        "evaluation_interval": format_seconds(interval),
        "tests": cases,
    }, notes
