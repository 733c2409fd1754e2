"""adk-observe/v1's alerting -> the model: the alert window table and its tiers, each SLO's
`alerting` section (severities, annotations, no-data and budget-exhausted alerts) and the agent
alert pack's thresholds (map_v1.py maps the rest of the spec)."""

from __future__ import annotations

from dataclasses import replace

from adk_observe import conventions as c
from adk_observe import model as m
from adk_observe.durations import format_seconds
from adk_observe.loader import v1
from adk_observe.loader.importer import fail, pairs
from adk_observe.loader.promql import annotation_error
from adk_observe.windows import WindowSpec, resolve_windows, tier_name
from adk_observe.yamlsource import Document, KeyPath


def alert_windows(table: v1.AlertWindowsV1 | None, doc: Document) -> tuple[WindowSpec, ...] | None:
    """`spec.alert_windows`: the service's own table of window pairs, each with its tier."""
    if table is None:
        return None
    out: list[WindowSpec] = []
    seen: dict[str, KeyPath] = {}
    for severity, rows in ((m.Severity.PAGE, table.page), (m.Severity.TICKET, table.ticket)):
        for i, row in enumerate(rows):
            tier = tier_name(severity, row.long, row.tier or "")
            where: KeyPath = ("spec", "alert_windows", severity.value, i)
            if tier in seen:
                raise fail(
                    doc,
                    (*where, "tier" if row.tier else "long"),
                    f"tier {tier!r} is already the tier of the pair at line "
                    f"{doc.line_of(seen[tier])}: give each pair its own `tier:` name",
                )
            seen[tier] = where
            out.append((severity, row.long, row.short, row.budget_percent, row.factor, tier))
    if not out:
        raise fail(doc, ("spec", "alert_windows"), "lists no window pair")
    return tuple(out)


def _no_events_matter(sli: m.SLI) -> bool:
    """SLONoData is on by default for a kind whose events stopping is no data (quality)."""
    return isinstance(sli, m.BuiltinSLI) and bool(sli.kind.no_events)


def _tiers(
    windows: tuple[m.AlertWindow, ...],
    tiers: dict[str, v1.TierV1],
    doc: Document,
    path: KeyPath,
) -> tuple[m.AlertWindow, ...]:
    """`alerting.tiers.<tier>`: a tier's severity, or no alert rule for it at all."""
    known = [w.tier for w in windows]
    for name in tiers:
        if name not in known:
            raise fail(
                doc,
                (*path, name),
                f"no tier {name!r} in the SLO's alert windows (its tiers: {', '.join(known)})",
            )
    out = []
    for pair in windows:
        tier = tiers.get(pair.tier)
        if tier is not None:
            severity = m.Severity(tier.severity) if tier.severity else pair.severity
            pair = replace(pair, severity=severity, enabled=tier.enabled)
        out.append(pair)
    return tuple(out)


def slo_windows(
    slo: v1.SLOV1, windows: tuple[WindowSpec, ...] | None, doc: Document, path: KeyPath
) -> tuple[m.AlertWindow, ...]:
    """The SLO's window pairs (the service's table or the default for its period) with its
    `alerting.tiers`; none may be longer than the SLO's period."""
    resolved = resolve_windows(windows, slo.window)
    tiers = _tiers(resolved, slo.alerting.tiers, doc, (*path, "alerting", "tiers"))
    for i, w in enumerate(resolved):
        if w.long > slo.window:
            where: KeyPath = (*path, "window")
            if windows is not None:
                index = sum(1 for row in windows[:i] if row[0] is w.severity)
                where = ("spec", "alert_windows", w.severity.value, index, "long")
            raise fail(
                doc,
                where,
                f"alert window {format_seconds(w.long)} is longer than the "
                f"period {format_seconds(slo.window)} of SLO {slo.name!r}",
            )
    return tiers


def slo_alerting(service: str, slo: v1.SLOV1, sli: m.SLI) -> m.SLOAlerting:
    """The SLO's `alerting` section (its annotations already checked by check_annotations)."""
    alerting = slo.alerting
    return m.SLOAlerting(
        name=alerting.name or c.budget_burn_alert(service, slo.name),
        page=_severity(alerting.page),
        ticket=_severity(alerting.ticket),
        no_data=m.NoDataAlerting(alerting.no_data.enabled, alerting.no_data.for_)
        if alerting.no_data
        else m.NoDataAlerting(enabled=_no_events_matter(sli)),
        labels=pairs(alerting.labels),
        annotations=pairs(alerting.annotations),
        runbook_url=alerting.runbook_url or "",
        exhausted=m.ExhaustedAlerting(
            alerting.budget_exhausted.enabled,
            m.Severity(alerting.budget_exhausted.severity),
            alerting.budget_exhausted.for_ or 0,
        ),
    )


def check_annotations(doc: Document, path: KeyPath, alerting: v1.SLOAlertingV1) -> None:
    places: list[tuple[KeyPath, dict[str, str]]] = [
        ((*path, "annotations"), alerting.annotations),
        ((*path, "page", "annotations"), alerting.page.annotations),
        ((*path, "ticket", "annotations"), alerting.ticket.annotations),
    ]
    for where, texts in places:
        for key, text in texts.items():
            if err := annotation_error(text):
                raise fail(doc, (*where, key), err)


def _severity(sev: v1.SeverityV1) -> m.SeverityAlerting:
    return m.SeverityAlerting(
        enabled=sev.enabled,
        labels=pairs(sev.labels),
        annotations=pairs(sev.annotations),
        for_seconds=sev.for_ or 0,
    )


def agent_alerts(a: v1.AgentAlertsV1) -> m.AgentAlerts:
    d = m.AgentAlerts()
    disabled = [
        name
        for name, on in (
            (c.ALERT_HIGH_ERROR_RATE, a.high_error_rate.enabled),
            (c.ALERT_HIGH_LATENCY, a.high_latency.enabled),
            (c.ALERT_MCP_FAILURES, a.mcp_failures.enabled),
            (c.ALERT_MEMORY_LEAK, a.memory_leak.enabled),
            (c.ALERT_CPU_THROTTLING, a.cpu_throttling.enabled),
            (c.ALERT_MEMORY_NEAR_LIMIT, a.memory_near_limit.enabled),
            (c.ALERT_RESTARTS, a.restarts.enabled),
            (c.ALERT_OOM_KILLED, a.oom_killed.enabled),
            (c.ALERT_GUARDRAIL_BLOCKS, a.guardrail_blocks.enabled),
            (c.ALERT_TURNS_ABANDONED, a.abandoned_turns.enabled),
        )
        if not on
    ]
    return m.AgentAlerts(
        enabled=a.enabled,
        error_rate=a.high_error_rate.threshold or d.error_rate,
        error_rate_for=a.high_error_rate.for_ or d.error_rate_for,
        latency_quantile=a.high_latency.quantile or d.latency_quantile,
        latency_threshold=a.high_latency.threshold or d.latency_threshold,
        latency_for=a.high_latency.for_ or d.latency_for,
        mcp_error_rate=a.mcp_failures.threshold or d.mcp_error_rate,
        mcp_for=a.mcp_failures.for_ or d.mcp_for,
        memory_growth_bytes=a.memory_leak.growth or d.memory_growth_bytes,
        memory_window=a.memory_leak.window or d.memory_window,
        memory_for=a.memory_leak.for_ or d.memory_for,
        cpu_ratio=a.cpu_throttling.threshold or d.cpu_ratio,
        cpu_for=a.cpu_throttling.for_ or d.cpu_for,
        memory_limit_ratio=a.memory_near_limit.threshold or d.memory_limit_ratio,
        memory_limit_for=a.memory_near_limit.for_ or d.memory_limit_for,
        restarts=a.restarts.count or d.restarts,
        restarts_window=a.restarts.window or d.restarts_window,
        guardrail_block_jump=a.guardrail_blocks.jump or d.guardrail_block_jump,
        guardrail_block_share=a.guardrail_blocks.min_share or d.guardrail_block_share,
        guardrail_for=a.guardrail_blocks.for_ or d.guardrail_for,
        abandoned_share=a.abandoned_turns.threshold or d.abandoned_share,
        abandoned_min_turns=a.abandoned_turns.min_turns or d.abandoned_min_turns,
        abandoned_for=a.abandoned_turns.for_ or d.abandoned_for,
        disabled=tuple(disabled),
        labels=pairs(a.labels),
    )
