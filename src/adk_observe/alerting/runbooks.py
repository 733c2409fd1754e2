"""One Markdown runbook per alert (`adk-observe runbooks`): what it means, the queries to run,
the dashboard, first steps and how to silence it.

The runbooks are built from the alerts `compile_service()` really emits (facts.py), so their
queries are the alerts' own expressions and a runbook exists exactly for the alerts there are.
The files are named by runbook_links.py, the same names the alerts' `runbook_url` points at.
Pure: a document per file as plain data; render/markdown.py writes the Markdown.
"""

from __future__ import annotations

from typing import Any

from adk_observe import conventions as c
from adk_observe import links
from adk_observe import runbook_links as rb
from adk_observe.alerting import matchers as mt
from adk_observe.alerting import runbook_text as text
from adk_observe.alerting.facts import service_facts
from adk_observe.durations import format_seconds
from adk_observe.model import SLO, AlertWindow, ServiceSpec, SpendBudget
from adk_observe.promql import number, selector
from adk_observe.rules.alerts import enabled_windows
from adk_observe.rules.recordings import slo_matchers
from adk_observe.rules.types import Alert

Doc = dict[str, Any]
SILENCE_HOURS = "2h"


def _section(heading: str, *blocks: dict[str, Any]) -> dict[str, Any]:
    return {"heading": heading, "blocks": list(blocks)}


def _p(words: str) -> dict[str, Any]:
    return {"text": words}


def _code(body: str, lang: str = "promql") -> dict[str, Any]:
    return {"code": body, "lang": lang}


def _list(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"list": list(items)}


def _meaning(advice: text.Advice, *extra: dict[str, Any]) -> dict[str, Any]:
    return _section("What it means", _p(advice.meaning), *extra)


def _steps(advice: text.Advice) -> dict[str, Any]:
    return _section("First steps", _list(advice.first_steps))


def _dashboard(spec: ServiceSpec, url: str, uid: str) -> dict[str, Any]:
    if url:
        return _section("Dashboard", _p(f"<{url}>"))
    return _section(
        "Dashboard",
        _p(
            f"Open the dashboard with uid `{uid}` in your Grafana (set `spec.grafana_url` and "
            "this becomes a link)."
        ),
    )


def _silence(
    alert: Alert, keys: tuple[str, ...], group: tuple[str, ...], extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    labels = dict(alert.labels)
    matchers = [mt.equal(c.LABEL_ALERTNAME, alert.alert).text()]
    matchers += [mt.equal(k, labels[k]).text() for k in keys if k in labels]
    matchers += [f'{label}="<{label} of the alert>"' for label in group]
    command = (
        f"amtool silence add --alertmanager.url=$ALERTMANAGER_URL --duration={SILENCE_HOURS} "
        f"--comment='<who>: <why>' \\\n  " + " ".join(f"'{m}'" for m in matchers)
    )
    return _section(
        "How to silence",
        _p("While someone works on it (a silence expires; it does not fix anything):"),
        _code(command, "sh"),
        _list(
            [
                "Planned work: add a window to the spec's `maintenance` and regenerate the "
                "Alertmanager configuration (`adk-observe alertmanager`): it mutes the "
                "service's notifications during each window.",
                *extra,
            ]
        ),
    )


def _doc(title: str, *sections: dict[str, Any]) -> Doc:
    return {"title": title, "sections": list(sections)}


def _fires_after(slo: SLO, pair: AlertWindow) -> str:
    threshold = pair.factor(slo.period) * slo.error_budget
    if threshold >= 1:
        return "never (its threshold is 100% errors or more)"
    return f"about {format_seconds(max(1, round(threshold * pair.long)))}"


def _threshold(slo: SLO, pair: AlertWindow) -> str:
    factor = pair.factor(slo.period)
    return f"{number(factor)}x ({number(factor * slo.error_budget * 100)}% errors)"


def _tier_table(slo: SLO) -> dict[str, Any]:
    rows = [
        [
            pair.tier or "-",
            pair.severity.value,
            f"{format_seconds(pair.long)}/{format_seconds(pair.short)}",
            _threshold(slo, pair),
            f"{number(pair.budget_fraction * 100)}%",
            _fires_after(slo, pair),
        ]
        for pair in enabled_windows(slo)
    ]
    header = [
        "tier",
        "severity",
        "windows",
        "fires above",
        "budget spent then",
        "a total outage fires it after",
    ]
    return {"table": {"header": header, "rows": rows}}


def _slo_queries(spec: ServiceSpec, slo: SLO, alerts: list[Alert]) -> dict[str, Any]:
    match = slo_matchers(spec, slo)
    lines = [f"# {dict(a.labels).get(c.LABEL_TIER, a.alert)}\n{a.expr}" for a in alerts]
    lines.append(
        f"# error budget left over the period (1 untouched, 0 spent)\n"
        f"{selector(c.RECORD_BUDGET_REMAINING, match)}"
    )
    lines.append(
        f"# burn rate now (5m; 1 = exactly sustainable)\n{selector(c.RECORD_BURN_RATE, match)}"
    )
    lines.append(f"# this SLO's alerts\n{selector(c.ALERTS_SERIES, match)}")
    return _section("Queries to run", _code("\n\n".join(lines)))


def _slo_runbook(spec: ServiceSpec, slo: SLO, kind: str, alerts: list[Alert]) -> Doc:
    advice = {rb.KIND_BURN: text.BURN, rb.KIND_EXHAUSTED: text.EXHAUSTED}.get(kind, text.NO_DATA)
    what = (
        f"{spec.name}: SLO {slo.name} ({number(slo.objective)}% over {format_seconds(slo.period)})"
    )
    extra = [_p(slo.description)] if slo.description else []
    if kind == rb.KIND_BURN:
        extra.append(_tier_table(slo))
    tiers = (
        (
            "A tier that is noise for this SLO: `alerting.tiers.<tier>.enabled: false` "
            "(or `severity: ticket`) in the spec.",
        )
        if kind == rb.KIND_BURN
        else ()
    )
    return _doc(
        f"{alerts[0].alert}: {what}",
        _meaning(advice, *extra),
        _slo_queries(spec, slo, alerts),
        _dashboard(
            spec,
            links.slo_alert_url(spec, slo, None) if spec.grafana_url else "",
            links.slos_uid(spec),
        ),
        _steps(advice),
        _silence(alerts[0], (c.LABEL_SERVICE, c.LABEL_SLO), slo.group_by, tiers),
    )


def _budget_runbook(spec: ServiceSpec, budget: SpendBudget, alerts: list[Alert]) -> Doc:
    body = "\n\n".join(f"# {dict(a.labels).get(c.LABEL_TIER, a.alert)}\n{a.expr}" for a in alerts)
    return _doc(
        f"{alerts[0].alert}: {spec.name}: spend budget {budget.name} "
        f"({number(budget.amount)} per {format_seconds(budget.period)})",
        _meaning(text.SPEND),
        _section("Queries to run", _code(body)),
        _dashboard(
            spec,
            links.agent_alert_url(spec, 3600, False) if spec.grafana_url else "",
            links.overview_uid(spec),
        ),
        _steps(text.SPEND),
        _silence(alerts[0], (c.LABEL_SERVICE, c.LABEL_BUDGET), budget.group_by),
    )


def _pack_runbook(spec: ServiceSpec, alert: Alert, advice: text.Advice) -> Doc:
    summary = dict(alert.annotations).get("summary", alert.alert)
    return _doc(
        f"{alert.alert}: {summary}",
        _meaning(advice),
        _section("Queries to run", _code(alert.expr)),
        _dashboard(
            spec,
            links.agent_alert_url(spec, alert.for_seconds, False) if spec.grafana_url else "",
            links.overview_uid(spec),
        ),
        _steps(advice),
        _silence(alert, (c.LABEL_SERVICE,), ()),
    )


def runbooks(spec: ServiceSpec) -> dict[str, Doc]:
    """{runbook file name: document} for every alert the service's rules emit."""
    alerts = service_facts(spec).alerts
    out: dict[str, Doc] = {}
    for slo in spec.slos:
        own = [a for a in alerts if dict(a.labels).get(c.LABEL_SLO) == slo.name]
        kinds = {
            rb.KIND_BURN: [a for a in own if a.alert == slo.alerting.name],
            rb.KIND_EXHAUSTED: [a for a in own if c.LABEL_CHANGE_FREEZE in dict(a.labels)],
            rb.KIND_NO_DATA: [a for a in own if a.alert == c.ALERT_SLI_NO_DATA],
        }
        for kind, found in kinds.items():
            if found:
                out[rb.slo_file(slo.name, kind)] = _slo_runbook(spec, slo, kind, found)
    for budget in spec.budgets:
        if own := [a for a in alerts if dict(a.labels).get(c.LABEL_BUDGET) == budget.name]:
            out[rb.budget_file(budget.name)] = _budget_runbook(spec, budget, own)
    for alert in alerts:
        labels = dict(alert.labels)
        advice = text.PACK.get(alert.alert)
        if c.LABEL_SLO not in labels and c.LABEL_BUDGET not in labels and advice is not None:
            out[rb.alert_file(alert.alert)] = _pack_runbook(spec, alert, advice)
    return dict(sorted(out.items()))
