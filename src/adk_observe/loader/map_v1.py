"""adk-observe/v1 -> model.ServiceSpec. Checks that need more than one field live here; the
alerting sections (window table, tiers, each SLO's `alerting`, the agent alert pack) map in
loader/alerting_v1.py."""

from __future__ import annotations

from adk_observe import conventions as c
from adk_observe import model as m
from adk_observe.deploy_model import DeployConfig
from adk_observe.durations import format_seconds, parse_seconds
from adk_observe.environment import telemetry_env
from adk_observe.loader import fleet_v1, v1
from adk_observe.loader.alerting_v1 import (
    agent_alerts,
    alert_windows,
    check_annotations,
    slo_alerting,
    slo_windows,
)
from adk_observe.loader.buckets import bound_note, bound_problem
from adk_observe.loader.builtin_v1 import builtin_sli, stray_params
from adk_observe.loader.importer import Mapped, SLOOrigin, fail, pairs, parse_model
from adk_observe.loader.notify_v1 import to_maintenance, to_notify
from adk_observe.loader.promql import canonical_selector, window_template_error
from adk_observe.loader.validate import group_label_error
from adk_observe.windows import DAY, WindowSpec, resolve_windows
from adk_observe.yamlsource import Document, KeyPath, format_path

_fail = fail  # the importers' shared located error (importer.py)


def parse(docs: list[Document]) -> list[Mapped]:
    """The adk-observe/v1 importer: one AgentService per document."""
    out = []
    for doc in docs:
        spec = parse_model(v1.AgentServiceV1, doc)
        origins = tuple(
            SLOOrigin(
                doc,
                name=("spec", "slos", i, "name"),
                objective=("spec", "slos", i, "objective"),
                labels=(("spec", "slos", i, "labels"),),
                group_by=("spec", "slos", i, "group_by"),
            )
            for i in range(len(spec.spec.slos))
        )
        out.append(Mapped(to_model(spec, doc), origins))
    return out


def _turn_latency(slos: list[m.SLO]) -> tuple[tuple[int, str, float], ...]:
    """(index, name, threshold seconds) of the SLOs on the agent's turn latency: the ones a
    load balancer's backend timeout must stay above."""
    out = []
    for i, slo in enumerate(slos):
        sli = slo.sli
        if isinstance(sli, m.BuiltinSLI) and sli.kind.metric == c.REQUEST_DURATION:
            out.append((i, slo.name, float(sli.threshold or 0)))
        elif isinstance(sli, m.LatencySLI) and sli.metric == c.REQUEST_DURATION.name:
            out.append((i, slo.name, sli.threshold))
    return tuple(out)


def to_model(spec: v1.AgentServiceV1, doc: Document) -> m.ServiceSpec:
    body = spec.spec
    name = spec.metadata.name
    selector = _selector(body.selector, doc, ("spec", "selector"))
    windows = alert_windows(body.alert_windows, doc)
    for i, budget in enumerate(body.budgets):
        if budget.name in [b.name for b in body.budgets[:i]]:
            raise _fail(
                doc, ("spec", "budgets", i, "name"), f"duplicate budget name {budget.name!r}"
            )
    slos = []
    for i, slo in enumerate(body.slos):
        path: KeyPath = ("spec", "slos", i)
        slos.append(_slo(name, slo, windows, doc, path))
    if body.clusters is not None:  # every SLO is per cluster: its label leads every group
        slos = [fleet_v1.per_cluster(s, body.clusters.label) for s in slos]
    deploy = _deploy(spec, slos, doc)
    fleet_v1.check_fleet(
        body.clusters is not None, deploy is not None and deploy.remote_write is not None, doc
    )
    return m.ServiceSpec(
        name=name,
        source=m.Source(doc.file, doc.line_of(("metadata", "name"))),
        slos=tuple(slos),
        namespace=spec.metadata.namespace,
        labels=pairs(spec.metadata.labels),
        selector=selector,
        agent_alerts=agent_alerts(body.alerts),
        telemetry=_telemetry(body.telemetry),
        deploy=deploy,
        runbook_base_url=body.runbook_base_url,
        grafana_url=body.grafana_url.rstrip("/"),
        budgets=tuple(
            _budget(b, windows, doc, ("spec", "budgets", i), body.clusters)
            for i, b in enumerate(body.budgets)
        ),
        notify=to_notify(body.notify, doc, ("spec", "notify")),
        maintenance=to_maintenance(body.maintenance, doc, ("spec", "maintenance")),
        extra=_bucket_notes(body, doc),
        clusters=fleet_v1.clusters(body.clusters, doc, _fixed_labels(spec)),
    )


def _bucket_notes(body: v1.AgentServiceSpecV1, doc: Document) -> tuple[tuple[str, str], ...]:
    """A latency SLI on a histogram we do not know, without its buckets listed, whose threshold
    is no client default: compiled, with a note that the bucket is assumed (loader/buckets.py)."""
    notes = []
    for i, slo in enumerate(body.slos):
        lat = slo.sli.latency
        if lat is None or lat.buckets is not None:
            continue
        if note := bound_note(lat.metric.removesuffix("_bucket"), lat.threshold):
            where: KeyPath = ("spec", "slos", i, "sli", "latency", "threshold")
            notes.append((f"{doc.file}:{doc.line_of(where)}: {format_path(where)}", note))
    return tuple(notes)


def _selector(text: str, doc: Document, path: KeyPath) -> str:
    """The canonical form of label matchers (`job="a",` is `job="a"`): the generators join it
    with their own matchers, so a stray comma would make every query unparsable."""
    try:
        return canonical_selector(text)
    except ValueError as exc:
        raise _fail(doc, path, f"not valid label matchers: {exc}") from None


def _deploy(spec: v1.AgentServiceV1, slos: list[m.SLO], doc: Document) -> DeployConfig | None:
    """The deploy section, with the service facts it reads from the rest of the spec."""
    body = spec.spec
    name = spec.metadata.name
    if body.deploy is None:
        return None
    from adk_observe.loader.deploy_map import CUSTOM_SLI_KEYS, ServiceFacts, to_deploy_model

    logging = body.telemetry.logging
    facts = ServiceFacts(
        name=name,
        namespace=spec.metadata.namespace,
        labels=pairs(spec.metadata.labels),
        metrics_port=body.telemetry.metrics.port,
        log_file=body.telemetry.logging.file,
        slos=tuple(
            (s.name, next((k for k in CUSTOM_SLI_KEYS if getattr(s.sli, k) is not None), ""))
            for s in body.slos
        ),
        latency=_turn_latency(slos),
        console=logging.console,
        log_levels=(
            (("level",), logging.level),
            *((("levels", k), v) for k, v in sorted(logging.levels.items())),
        ),
        shortest_window=min((w.short for s in slos for w in s.windows), default=0),
        telemetry_env=tuple(telemetry_env(_telemetry(body.telemetry), name)),
    )
    return to_deploy_model(body.deploy, doc, ("spec", "deploy"), facts)


def _fixed_labels(spec: v1.AgentServiceV1) -> dict[KeyPath, dict[str, str]]:
    """Every label map the spec fixes on series or alerts, by key path."""
    out: dict[KeyPath, dict[str, str]] = {
        ("metadata", "labels"): spec.metadata.labels,
        ("spec", "alerts", "labels"): spec.spec.alerts.labels,
    }
    for i, slo in enumerate(spec.spec.slos):
        base: KeyPath = ("spec", "slos", i)
        out[(*base, "labels")] = slo.labels
        out[(*base, "alerting", "labels")] = slo.alerting.labels
        out[(*base, "alerting", "page", "labels")] = slo.alerting.page.labels
        out[(*base, "alerting", "ticket", "labels")] = slo.alerting.ticket.labels
    return out


def _slo(
    service: str,
    slo: v1.SLOV1,
    windows: tuple[WindowSpec, ...] | None,
    doc: Document,
    path: KeyPath,
) -> m.SLO:
    tiers = slo_windows(slo, windows, doc, path)
    check_annotations(doc, (*path, "alerting"), slo.alerting)
    sli = _sli(slo.sli, doc, (*path, "sli"))
    return m.SLO(
        name=slo.name,
        objective=slo.objective,
        period=slo.window,
        sli=sli,
        alerting=slo_alerting(service, slo, sli),
        windows=tiers,
        description=slo.description,
        labels=pairs(slo.labels),
        group_by=tuple(slo.group_by),
    )


# A calendar month is budgeted and alerted as 30 days: the burn factors of a 28- or 31-day
# month differ by under 10%, and Prometheus rules have no notion of the calendar.
CALENDAR_MONTH_SECONDS = 30 * DAY


def _budget(
    budget: v1.BudgetV1,
    windows: tuple[WindowSpec, ...] | None,
    doc: Document,
    path: KeyPath,
    clusters: fleet_v1.ClustersV1 | None = None,
) -> m.SpendBudget:
    calendar = budget.period == c.BUDGET_PERIOD_CALENDAR_MONTH
    if calendar:
        period = CALENDAR_MONTH_SECONDS
    else:
        try:
            period = parse_seconds(budget.period)
        except ValueError:
            raise _fail(
                doc,
                (*path, "period"),
                f"{budget.period!r} is neither a duration like 30d nor calendar-month",
            ) from None
    resolved = resolve_windows(windows, period)
    longest = max(w.long for w in resolved)
    if longest > period:
        raise _fail(
            doc,
            (*path, "period"),
            f"period {format_seconds(period)} is shorter than the alert window "
            f"{format_seconds(longest)}",
        )
    allowed = set(c.COST_TOTAL.labels) | set(c.TARGET_LABELS)
    if clusters is not None:  # a budget per cluster: `amount` is then each cluster's
        allowed.add(clusters.label)
    for i, label in enumerate(budget.group_by):
        where = (*path, "group_by", i)
        if err := group_label_error(label):
            raise _fail(doc, where, err)
        if label not in allowed:
            raise _fail(
                doc,
                where,
                f"{c.COST_TOTAL.name} has no label {label!r} to group by "
                f"(it carries: {', '.join(sorted(allowed))})",
            )
        if label in budget.group_by[:i]:
            raise _fail(doc, where, f"{label!r} is listed twice")
    return m.SpendBudget(
        name=budget.name,
        amount=budget.amount,
        period=period,
        windows=resolved,
        calendar_month=calendar,
        group_by=tuple(budget.group_by),
    )


def _sli(sli: v1.SLIV1, doc: Document, path: KeyPath) -> m.SLI:
    if sli.builtin is not None:
        return builtin_sli(sli.builtin, sli.params, doc, path)
    stray_params(sli.params, None, doc, path)
    if sli.latency is not None:
        lat = sli.latency
        selector = _selector(lat.selector, doc, (*path, "latency", "selector"))
        metric = lat.metric.removesuffix("_bucket")
        if lat.buckets is not None and lat.threshold not in lat.buckets:
            raise _fail(
                doc,
                (*path, "latency", "threshold"),
                f"{lat.threshold:g} is not one of the listed buckets",
            )
        if problem := bound_problem(metric, lat.threshold):
            raise _fail(doc, (*path, "latency", "threshold"), problem)
        return m.LatencySLI(metric=metric, threshold=lat.threshold, selector=selector)
    if sli.events is not None:
        ev = sli.events
        for key in ("errors", "good", "total"):
            text = getattr(ev, key)
            if text is not None and (err := window_template_error(text)):
                raise _fail(doc, (*path, "events", key), err)
        return m.EventsSLI(total=ev.total, errors=ev.errors, good=ev.good)
    assert sli.raw is not None
    if err := window_template_error(sli.raw.error_ratio):
        raise _fail(doc, (*path, "raw", "error_ratio"), err)
    return m.RawSLI(sli.raw.error_ratio)


def _telemetry(t: v1.TelemetryV1) -> m.Telemetry:
    fluentd = t.logging.fluentd
    return m.Telemetry(
        service_version=t.resource.service_version,
        environment=t.resource.environment,
        metrics_port=t.metrics.port,
        label_limit=t.metrics.label_limit,
        tracing_enabled=t.tracing.enabled,
        tracing_endpoint=t.tracing.endpoint,
        sampling=t.tracing.sampling,
        export_timeout=t.tracing.export_timeout,
        log_level=t.logging.level,
        logger_levels=tuple(sorted(t.logging.levels.items())),
        log_console=t.logging.console,
        log_file=t.logging.file,
        fluentd_host=fluentd.host if fluentd else "",
        fluentd_port=fluentd.port if fluentd else m.Telemetry.fluentd_port,
        fluentd_tag=fluentd.tag if fluentd else "",
        cost_center=t.cost.cost_center,
        prices=tuple(
            m.ModelPrice(
                name,
                p.input_per_million,
                p.output_per_million,
                p.cached_input_per_million,
                p.reasoning_per_million,
            )
            for name, p in sorted(t.cost.prices.items())
        ),
    )
