"""OpenSLO indicators -> model.SLI: Prometheus metric sources and the PromQL shapes that map.

OpenSLO queries carry no window: the importer adds one. A counter (`counter: true`) must be a
plain selector, read as `sum(rate(SELECTOR[{{window}}]))`; a gauge (`counter: false`) is averaged
over the window; a `thresholdMetric` maps only as a histogram bucket selector, read as "the share
of observations at or below `value`". Every other shape is a located error saying what to write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import promql_parser as pp

from adk_observe import model as m
from adk_observe.errors import quote
from adk_observe.loader.buckets import bound_note, bound_problem
from adk_observe.loader.grouping import grouping_error
from adk_observe.loader.importer import fail
from adk_observe.loader.promql import matcher_text, matchers_of, parse_error, window_template_error
from adk_observe.promql import WINDOW_PLACEHOLDER
from adk_observe.yamlsource import Document, KeyPath

if TYPE_CHECKING:
    from adk_observe.loader.openslo_file import Notes, OpenSLOFile
    from adk_observe.loader.openslo_v1 import MetricOS, ObjectiveOS, SLISpecOS

_COUNTER_HINT = (
    "with counter: true the query must be the counter selector itself, e.g. "
    'http_requests_total{code!~"5.."} (optionally inside sum()); adk-observe applies '
    "rate() over each alert window"
)


def to_sli(
    spec: SLISpecOS,
    objective: ObjectiveOS,
    doc: Document,
    path: KeyPath,
    slo_doc: Document,
    objective_path: KeyPath,
    file: OpenSLOFile,
    notes: Notes,
) -> m.SLI:
    """`path` is where the SLI spec sits in `doc` (an inline indicator or an SLI document)."""
    if spec.threshold_metric is not None:
        mpath = (*path, "thresholdMetric")
        query, qpath = _query(spec.threshold_metric, doc, mpath, file, notes)
        return _threshold(query, doc, qpath, objective, slo_doc, objective_path, notes)
    ratio = spec.ratio_metric
    assert ratio is not None
    rpath = (*path, "ratioMetric")
    if ratio.raw is not None:
        query, qpath = _query(ratio.raw, doc, (*rpath, "raw"), file, notes)
        average = _window_average(query, doc, qpath)
        error_ratio = average if ratio.raw_type == "failure" else f"1 - {average}"
        return m.RawSLI(_checked(error_ratio, doc, qpath))
    events: dict[str, str] = {}
    for key in ("good", "bad", "total"):
        metric = getattr(ratio, key)
        if metric is None:
            continue
        query, qpath = _query(metric, doc, (*rpath, key), file, notes)
        text = (
            _counter_rate(query, doc, qpath)
            if ratio.counter
            else _window_average(query, doc, qpath)
        )
        events[key] = _checked(text, doc, qpath)
    return m.EventsSLI(total=events["total"], errors=events.get("bad"), good=events.get("good"))


def _checked(template: str, doc: Document, path: KeyPath) -> str:
    if err := window_template_error(template):
        raise fail(doc, path, f"maps to PromQL that does not parse: {err}")
    if err := grouping_error(template, explicit_only=True):
        raise fail(doc, path, err)
    return template


def _source_type(
    metric: MetricOS, doc: Document, spath: KeyPath, file: OpenSLOFile, notes: Notes
) -> str:
    """The metric source's type: its own, or its DataSource's (which must agree)."""
    source = metric.metric_source
    kind = source.type
    if source.metric_source_ref is not None:
        ref_path = (*spath, "metricSourceRef")
        found = file.get("DataSource", source.metric_source_ref)
        if found is None and kind is None:
            raise fail(
                doc,
                ref_path,
                f"no DataSource named {quote(source.metric_source_ref)} in this file and no type: "
                "set type: Prometheus",
            )
        if found is None:
            notes.add(doc, ref_path, "not resolved: the rules query the Prometheus that loads them")
        else:
            data_source, ds_doc = found
            if data_source.spec.connection_details is not None:
                notes.add(
                    ds_doc,
                    ("spec", "connectionDetails"),
                    "not used: the rules run in the Prometheus that loads them",
                )
            if kind is not None and kind.lower() != data_source.spec.type.lower():
                raise fail(
                    doc,
                    (*spath, "type"),
                    f"type {kind} disagrees with DataSource {quote(source.metric_source_ref)} "
                    f"(type {data_source.spec.type})",
                )
            kind = data_source.spec.type
    if kind is None:
        raise fail(doc, spath, "the metric source has no type: set type: Prometheus")
    return kind


def _query(
    metric: MetricOS, doc: Document, path: KeyPath, file: OpenSLOFile, notes: Notes
) -> tuple[str, KeyPath]:
    """The PromQL of a Prometheus metric source, or a located error saying why it is not one."""
    source = metric.metric_source
    spath = (*path, "metricSource")
    kind = _source_type(metric, doc, spath, file, notes)
    if kind.lower() != "prometheus":
        raise fail(
            doc,
            (*spath, "type") if source.type else (*spath, "metricSourceRef"),
            f"a {kind} metric source does not map: adk-observe compiles Prometheus rules, so "
            "only Prometheus sources (spec.query in PromQL) map",
        )
    for key in source.spec:
        if key != "query":
            raise fail(
                doc,
                (*spath, "spec", key),
                f"{key} does not map: a Prometheus metric source is read from spec.query only",
            )
    qpath = (*spath, "spec", "query")
    query = source.spec.get("query")
    if not isinstance(query, str) or not query.strip():
        raise fail(
            doc,
            qpath if "query" in source.spec else (*spath, "spec"),
            "spec.query must hold the PromQL query",
        )
    if err := parse_error(query):
        raise fail(doc, qpath, f"not valid PromQL: {err}")
    return query.strip(), qpath


def _unwrap(expr: pp.Expr) -> pp.Expr:
    while isinstance(expr, pp.ParenExpr):
        expr = expr.expr
    return expr


def _selector(expr: pp.Expr, allow_sum: bool) -> pp.VectorSelector | None:
    """The plain selector `expr` is (or sums, when `allow_sum`), else None."""
    expr = _unwrap(expr)
    if allow_sum and isinstance(expr, pp.AggregateExpr) and str(expr.op) == "sum":
        expr = _unwrap(expr.expr)
    if (
        isinstance(expr, pp.VectorSelector)
        and expr.offset is None
        and expr.at is None
        and not expr.matchers.or_matchers
    ):
        return expr
    return None


def _matchers(selector: pp.VectorSelector, doc: Document, path: KeyPath) -> list[str]:
    """The matchers re-quoted as Prometheus 2.42 reads them, or a located error."""
    try:
        return [matcher_text(*mt) for mt in matchers_of(selector)]
    except ValueError as exc:
        raise fail(doc, path, f"not valid label matchers: {exc}") from None


def _text(selector: pp.VectorSelector, doc: Document, path: KeyPath) -> str:
    return f"{selector.name or ''}{{{','.join(_matchers(selector, doc, path))}}}"


def _has_range(expr: pp.Expr) -> bool:
    found: list[bool] = []

    def visit(node: pp.Expr) -> bool:
        if isinstance(node, pp.MatrixSelector | pp.SubqueryExpr):
            found.append(True)
            return False
        return True

    pp.walk(expr, visit)
    return bool(found)


def _counter_rate(query: str, doc: Document, path: KeyPath) -> str:
    expr = pp.parse(query)
    if err := grouping_error(query, explicit_only=True):
        raise fail(doc, path, err)
    selector = _selector(expr, allow_sum=True)
    if selector is None:
        if _has_range(expr):
            raise fail(
                doc,
                path,
                "the query already applies a fixed range (e.g. rate(x[5m])), which would pin "
                f"every alert window to it; {_COUNTER_HINT}",
            )
        raise fail(doc, path, _COUNTER_HINT)
    return f"sum(rate({_text(selector, doc, path)}[{WINDOW_PLACEHOLDER}]))"


def _window_average(query: str, doc: Document, path: KeyPath) -> str:
    """A gauge (or a precomputed ratio) averaged over the window: a subquery unless it is a
    plain selector. Good and total are sampled at the same instants, so the ratio of the two
    averages is the ratio of the sums."""
    selector = _selector(pp.parse(query), allow_sum=False)
    if selector is not None:
        return f"avg_over_time({_text(selector, doc, path)}[{WINDOW_PLACEHOLDER}])"
    return f"avg_over_time(({query})[{WINDOW_PLACEHOLDER}:])"


def _threshold(
    query: str,
    doc: Document,
    path: KeyPath,
    objective: ObjectiveOS,
    slo_doc: Document,
    objective_path: KeyPath,
    notes: Notes,
) -> m.LatencySLI:
    selector = _selector(pp.parse(query), allow_sum=False)
    name = selector.name if selector is not None else None
    if selector is None or name is None or not name.endswith("_bucket"):
        quantile = "histogram_quantile" in query
        raise fail(
            doc,
            path,
            (
                "a quantile compared with a threshold is judged per time slice and does not map; "
                if quantile
                else "this thresholdMetric does not map; "
            )
            + "write the histogram's bucket selector, e.g. "
            'http_request_duration_seconds_bucket{job="api"}, and the objective reads as the '
            "share of observations at or below value",
        )
    if any(mt.name == "le" for mt in selector.matchers.matchers):
        raise fail(doc, path, "remove the le matcher: the objective's value picks the bucket")
    if objective.op is None or objective.value is None:
        raise fail(slo_doc, objective_path, "a thresholdMetric objective needs op: lte and a value")
    if objective.op not in ("lte", "lt"):
        raise fail(
            slo_doc,
            (*objective_path, "op"),
            f"op {objective.op} does not map: a histogram counts observations at or below a "
            "bucket bound, so only lte (or lt) maps",
        )
    if objective.value <= 0:
        raise fail(slo_doc, (*objective_path, "value"), "value must be a bucket bound above 0")
    metric = name.removesuffix("_bucket")
    value = float(objective.value)
    if problem := bound_problem(metric, value):
        raise fail(slo_doc, (*objective_path, "value"), problem)
    if note := bound_note(metric, value):
        notes.add(slo_doc, (*objective_path, "value"), note)
    return m.LatencySLI(
        metric=metric,
        threshold=value,
        selector=",".join(_matchers(selector, doc, path)),
    )
