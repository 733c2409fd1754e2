"""Multi-window multi-burn-rate alerts, one rule per window pair so the on-call person sees
which pair fired and how fast the budget burns."""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe import runbook_links as rb
from adk_observe.durations import format_seconds
from adk_observe.links import slo_alert_url
from adk_observe.model import SLO, AlertWindow, BuiltinSLI, ServiceSpec, Severity, SeverityAlerting
from adk_observe.promql import number, selector
from adk_observe.rules.kinds import sli_query
from adk_observe.rules.recordings import ratio_series, slo_labels, slo_matchers
from adk_observe.rules.types import Alert, merge


def _severity(slo: SLO, severity: Severity) -> SeverityAlerting:
    return slo.alerting.page if severity is Severity.PAGE else slo.alerting.ticket


def enabled_windows(slo: SLO) -> tuple[AlertWindow, ...]:
    """The pairs that get an alert rule (neither their tier nor their severity is switched
    off); the dashboards draw thresholds for these only."""
    return tuple(
        pair for pair in slo.windows if pair.enabled and _severity(slo, pair.severity).enabled
    )


def tier_label(pair: AlertWindow) -> dict[str, str]:
    """`burn_tier: <tier>` (none for a pair built without a tier, e.g. by a library caller)."""
    return {c.LABEL_TIER: pair.tier} if pair.tier else {}


def _exhaustion(period: int, factor: float) -> str:
    """How long the whole budget lasts at `factor` times the sustainable burn."""
    seconds = max(60, int(period / factor) // 60 * 60)
    return format_seconds(seconds)


def group_text(labels: tuple[str, ...]) -> str:
    """`agent_id={{ $labels.agent_id }}`: which group an alert of a grouped SLO or budget is
    about, filled in by Prometheus from the alert's own labels."""
    return ", ".join(f"{label}={{{{ $labels.{label} }}}}" for label in labels)


def literal(text: str) -> str:
    """`text` as an alert template that Prometheus prints as written. An annotation is a Go
    template, so plain text (an SLO description, from any spec format) writes its `{{` as the
    action `{{ "{{" }}`; nothing else in literal text is special to the template."""
    return text.replace("{{", '{{ "{{" }}')


def _what(slo: SLO) -> str:
    """The SLO's own description first, so the on-call person reads what it protects. It is
    text, not a template: printed as written, whatever it holds."""
    text = " ".join(slo.description.split())
    if not text:
        return ""
    return literal(text) + ("" if text.endswith((".", "!", "?")) else ".") + " "


def burn_alert(spec: ServiceSpec, slo: SLO, pair: AlertWindow) -> Alert:
    factor = pair.factor(slo.period)
    budget = number(slo.error_budget)
    threshold = f"({number(factor)} * {budget})"
    long_text, short_text = format_seconds(pair.long), format_seconds(pair.short)
    expr = (
        f"{ratio_series(spec, slo, pair.long)} > {threshold}\n"
        f"and\n"
        f"{ratio_series(spec, slo, pair.short)} > {threshold}"
    )
    severity = _severity(slo, pair.severity)
    objective = f"{number(slo.objective)}%"
    period = format_seconds(slo.period)
    labels = merge(
        spec.labels,
        slo_labels(spec, slo),
        slo.alerting.labels,
        {
            c.LABEL_SEVERITY: pair.severity.value,
            c.LABEL_WINDOWS: f"{long_text}/{short_text}",
            c.LABEL_BURN_FACTOR: number(factor),
        },
        tier_label(pair),
        severity.labels,
    )
    group = f" ({group_text(slo.group_by)})" if slo.group_by else ""
    annotations: dict[str, str] = {
        "summary": f"{spec.name}: SLO {slo.name}{group} is burning its error budget "
        f"{number(factor)}x too fast ({long_text}/{short_text})",
        "description": _what(slo)
        + (
            f"The {slo.name} SLO of {spec.name}{group} ({objective} over {period}) has an "
            f"error ratio "
            f"of {{{{ $value | humanizePercentage }}}} over the last {long_text}, and over "
            f"{number(factor)}x its {number(slo.error_budget * 100)}% budget over {short_text} "
            f"too. At this rate the {period} error budget is gone in "
            f"{_exhaustion(slo.period, factor)}."
        ),
    }
    _runbook(annotations, rb.slo_url(spec, slo, rb.KIND_BURN))
    if spec.grafana_url:
        annotations[c.ANNOTATION_DASHBOARD_URL] = slo_alert_url(spec, slo, pair)
    return Alert(
        alert=slo.alerting.name,
        expr=expr,
        for_seconds=severity.for_seconds,
        labels=labels,
        annotations=merge(annotations, slo.alerting.annotations, severity.annotations),
    )


def _named_groups(spec: ServiceSpec, slo: SLO, events: bool) -> tuple[str, ...]:
    """The `group_by` labels a no-data alert watches and names besides the cluster: only for a
    kind whose events stopping is no data (`no_events`). Other kinds are not watched per group:
    a group of requests going quiet (an agent nobody calls now) is no traffic, not a fault."""
    if not events:
        return ()
    cluster = spec.clusters.label if spec.clusters is not None else ""
    return tuple(g for g in slo.group_by if g != cluster)


def _absent(spec: ServiceSpec, slo: SLO, series: str, events: bool) -> str:
    """`absent()` has no labels to keep: per cluster, the clusters that recorded the SLI within
    the longest alert window and record nothing now (a cluster gone silent), each by name.

    With `events` the watch is a rate above 0 (a range applies to a selector only, so the `> 0`
    comes after `max_over_time`), per group too: a group that had events within the window and
    has none now fires, by name, and without clusters `absent()` still catches a service that
    never recorded anything."""
    lookback = format_seconds(max(w.long for w in slo.windows))
    had = f"max_over_time({series}[{lookback}])"
    has = series
    if events:
        had, has = f"{had} > 0", f"{series} > 0"
    groups = _named_groups(spec, slo, events)
    if spec.clusters is not None:
        groups = (spec.clusters.label, *groups)
    elif not groups:
        return f"absent({has})"
    by = ", ".join(groups)
    silent = f"group by ({by}) ({had})\nunless\ngroup by ({by}) ({has})"
    return silent if spec.clusters is not None else f"absent({has})\nor\n({silent})"


def _where(spec: ServiceSpec, slo: SLO, events: bool) -> str:
    """Which cluster and group a no-data alert is about. Without clusters the `absent()` part
    has no group labels: the group is named only on the alerts that carry one."""
    label = spec.clusters.label if spec.clusters is not None else ""
    where = f" in cluster {{{{ $labels.{label} }}}}" if label else ""
    groups = _named_groups(spec, slo, events)
    if not groups:
        return where
    named = f" ({group_text(groups)})"
    if label:
        return where + named
    held = " ".join(f"$labels.{g}" for g in groups)
    return f"{{{{ if {'or ' if len(groups) > 1 else ''}{held} }}}}{named}{{{{ end }}}}"


def no_data_alert(spec: ServiceSpec, slo: SLO) -> Alert:
    match = slo_matchers(spec, slo)
    # Event SLIs record a total; raw ratios only have their 5m ratio to watch.
    series = selector(c.RECORD_SLI_TOTAL, match)
    series_ratio = selector(c.record_sli_error_ratio(c.SHORT_RATE_WINDOW), match)
    watched = series if sli_query(spec, slo.sli).total is not None else series_ratio
    no_events = slo.sli.kind.no_events if isinstance(slo.sli, BuiltinSLI) else ""
    where = _where(spec, slo, bool(no_events))
    held = format_seconds(slo.alerting.no_data.for_seconds)
    description = (
        f"The series of the {slo.name} SLO of {spec.name}{where} have been absent for {held}: "
        f"its burn-rate alerts cannot fire. Check that Prometheus still scrapes the service."
    )
    if no_events:
        # Its events stopping is no data too (a counter that no longer grows still has series).
        description = (
            f"The {slo.name} SLO of {spec.name}{where} has had no events for {held}: it cannot "
            f"be judged and its burn-rate alerts cannot fire. Check that {no_events}, and that "
            f"Prometheus still scrapes the service."
        )
    annotations = {
        "summary": f"{spec.name}: SLO {slo.name} has no SLI data{where}",
        "description": description,
    }
    _runbook(annotations, rb.slo_url(spec, slo, rb.KIND_NO_DATA))
    if spec.grafana_url:
        annotations[c.ANNOTATION_DASHBOARD_URL] = slo_alert_url(spec, slo, None)
    return Alert(
        alert=c.ALERT_SLI_NO_DATA,
        expr=_absent(spec, slo, watched, bool(no_events)),
        for_seconds=slo.alerting.no_data.for_seconds,
        labels=merge(
            spec.labels,
            slo_labels(spec, slo),
            slo.alerting.labels,
            {c.LABEL_SEVERITY: Severity.TICKET.value},
        ),
        annotations=tuple(sorted(annotations.items())),
    )


def exhausted_alert(spec: ServiceSpec, slo: SLO) -> Alert:
    """The error budget of the SLO's period is spent: remaining <= 0 on the recording every
    SLO has (per group for a grouped SLO). Labelled `change_freeze="true"` so a deploy pipeline
    can read it as a freeze."""
    exhausted = slo.alerting.exhausted
    period = format_seconds(slo.period)
    group = f" ({group_text(slo.group_by)})" if slo.group_by else ""
    annotations = {
        "summary": f"{spec.name}: SLO {slo.name}{group} has spent its {period} error budget",
        "description": _what(slo)
        + (
            f"The {slo.name} SLO of {spec.name}{group} ({number(slo.objective)}% over "
            f"{period}) has {{{{ $value | humanizePercentage }}}} of its error budget left. "
            f"Freeze risky changes (deploys, configuration) until the budget is positive "
            f"again: this alert resolves then."
        ),
    }
    _runbook(annotations, rb.slo_url(spec, slo, rb.KIND_EXHAUSTED))
    if spec.grafana_url:
        annotations[c.ANNOTATION_DASHBOARD_URL] = slo_alert_url(spec, slo, None)
    remaining = selector(c.RECORD_BUDGET_REMAINING, slo_matchers(spec, slo))
    return Alert(
        alert=c.budget_exhausted_alert(spec.name, slo.name),
        expr=f"{remaining} <= 0",
        for_seconds=exhausted.for_seconds,
        labels=merge(
            spec.labels,
            slo_labels(spec, slo),
            slo.alerting.labels,
            {c.LABEL_SEVERITY: exhausted.severity.value, c.LABEL_CHANGE_FREEZE: c.CHANGE_FREEZE},
            _severity(slo, exhausted.severity).labels,
        ),
        annotations=tuple(sorted(annotations.items())),
    )


def _runbook(annotations: dict[str, str], url: str) -> None:
    if url:
        annotations["runbook_url"] = url


def slo_alerts(spec: ServiceSpec, slo: SLO) -> tuple[Alert, ...]:
    alerts = [burn_alert(spec, slo, pair) for pair in enabled_windows(slo)]
    if slo.alerting.no_data.enabled:
        alerts.append(no_data_alert(spec, slo))
    exhausted = slo.alerting.exhausted
    if exhausted.enabled and _severity(slo, exhausted.severity).enabled:
        alerts.append(exhausted_alert(spec, slo))
    return tuple(alerts)
