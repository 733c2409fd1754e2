"""OpenSLO v1 import: every mapping feature as a table of sentences, the exact model it gives,
and every construct that does not map as a located error."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from adk_observe import model as m
from adk_observe.cli import main
from adk_observe.errors import SpecError
from adk_observe.loader.load import load_file
from adk_observe.windows import DEFAULT_WINDOWS
from adk_observe.yamlsource import load_documents

DAY = 86400
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "rules-openslo" / "spec.yaml"
ERRORS = 'http_requests_total{job="checkout",code=~"5.."}'
TOTAL = 'http_requests_total{job="checkout"}'
W = "{{window}}"


def source(query: str, **extra: Any) -> dict[str, Any]:
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}, **extra}}


def ratio(**metric: Any) -> dict[str, Any]:
    return {"metadata": {"name": "errors"}, "spec": {"ratioMetric": metric}}


BASE: dict[str, Any] = {
    "apiVersion": "openslo/v1",
    "kind": "SLO",
    "metadata": {"name": "availability"},
    "spec": {
        "service": "checkout",
        "indicator": ratio(counter=True, bad=source(ERRORS), total=source(TOTAL)),
        "budgetingMethod": "Occurrences",
        "timeWindow": [{"duration": "28d", "isRolling": True}],
        "objectives": [{"target": 0.999}],
    },
}


def edited(edits: dict[str, Any], base: dict[str, Any] = BASE) -> dict[str, Any]:
    """`base` with `a.b.0.c`-style keys set (a value of ... deletes the key)."""
    doc = copy.deepcopy(base)
    for dotted, value in edits.items():
        *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
        node: Any = doc
        for part in parents:
            node = node[part]
        if value is ...:
            del node[last]
        else:
            node[last] = value
    return doc


def write(tmp_path: Path, *docs: dict[str, Any] | str) -> Path:
    texts = [d if isinstance(d, str) else yaml.safe_dump(d, sort_keys=False) for d in docs]
    path = tmp_path / "slo.yaml"
    path.write_text("---\n".join(texts), encoding="utf-8")
    return path


def events(errors: str | None = None, good: str | None = None, total: str = TOTAL) -> m.EventsSLI:
    def rate(q: str | None) -> str | None:
        return None if q is None else f"sum(rate({q}[{W}]))"

    return m.EventsSLI(total=f"sum(rate({total}[{W}]))", errors=rate(errors), good=rate(good))


def slo(
    sli: m.SLI,
    name: str = "availability",
    objective: float = 99.9,
    period: int = 28 * DAY,
    labels: tuple[tuple[str, str], ...] = (),
    description: str = "",
) -> m.SLO:
    alert = "Checkout" + "".join(p.capitalize() for p in name.split("-")) + "BudgetBurn"
    return m.SLO(
        name=name,
        objective=objective,
        period=period,
        sli=sli,
        alerting=m.SLOAlerting(name=alert),
        windows=DEFAULT_WINDOWS,
        description=description,
        labels=labels,
    )


MAPS = [
    (
        "bad and total counters become error and total rates over the window",
        {},
        [slo(events(errors=ERRORS))],
    ),
    (
        "good and total counters become good and total rates over the window",
        {
            "spec.indicator.spec.ratioMetric": {
                "counter": True,
                "good": source(ERRORS),
                "total": source(TOTAL),
            }
        },
        [slo(events(good=ERRORS))],
    ),
    (
        "a counter inside sum is read as its selector",
        {
            "spec.indicator.spec.ratioMetric.bad": source(f"sum({ERRORS})"),
            "spec.indicator.spec.ratioMetric.total": source(f"sum({TOTAL})"),
        },
        [slo(events(errors=ERRORS))],
    ),
    (
        "selectors are rewritten with every matcher kind and escaped values",
        {
            "spec.indicator.spec.ratioMetric.bad": source(
                r'x_total{a="q\"b",b!="c",c=~"\\d+",d!~"e"}'
            )
        },
        [slo(events(errors=r'x_total{a="q\"b",b!="c",c=~"\\d+",d!~"e"}'))],
    ),
    (
        "gauge selectors (counter false) are averaged over the window",
        {"spec.indicator.spec.ratioMetric.counter": False},
        [
            slo(
                m.EventsSLI(
                    total=f"avg_over_time({TOTAL}[{W}])", errors=f"avg_over_time({ERRORS}[{W}])"
                )
            )
        ],
    ),
    (
        "gauge expressions are averaged over the window with a subquery",
        {
            "spec.indicator.spec.ratioMetric": {
                "counter": False,
                "good": source("sum(ok_rate)"),
                "total": source("sum(all_rate)"),
            }
        },
        [
            slo(
                m.EventsSLI(
                    total=f"avg_over_time((sum(all_rate))[{W}:])",
                    good=f"avg_over_time((sum(ok_rate))[{W}:])",
                )
            )
        ],
    ),
    (
        "a raw failure ratio is averaged over the window",
        {
            "spec.indicator.spec.ratioMetric": {
                "rawType": "failure",
                "raw": source('errors:ratio{job="checkout"}'),
            }
        },
        [slo(m.RawSLI(f'avg_over_time(errors:ratio{{job="checkout"}}[{W}])'))],
    ),
    (
        "a raw success ratio is subtracted from one",
        {
            "spec.indicator.spec.ratioMetric": {
                "rawType": "success",
                "counter": True,
                "raw": source("ok / all"),
            }
        },
        [slo(m.RawSLI(f"1 - avg_over_time((ok / all)[{W}:])"))],
    ),
    (
        "a histogram bucket threshold becomes a latency SLI at the objective's value",
        {
            "spec.indicator.spec": {
                "thresholdMetric": source('http_request_duration_seconds_bucket{job="checkout"}')
            },
            "spec.objectives": [{"op": "lte", "value": 0.25, "target": 0.95}],
        },
        [
            slo(
                m.LatencySLI("http_request_duration_seconds", 0.25, 'job="checkout"'),
                objective=95.0,
            )
        ],
    ),
    (
        "lt maps like lte, since observations exactly at a bucket bound are negligible",
        {
            "spec.indicator.spec": {"thresholdMetric": source("lat_seconds_bucket")},
            "spec.objectives": [{"op": "lt", "value": 1, "targetPercent": 99}],
        },
        [slo(m.LatencySLI("lat_seconds", 1.0, ""), objective=99.0)],
    ),
    (
        "targetPercent is taken as the objective percentage",
        {"spec.objectives": [{"targetPercent": 99.95}]},
        [slo(events(errors=ERRORS), objective=99.95)],
    ),
    (
        "a rolling window in weeks becomes the period",
        {"spec.timeWindow": [{"duration": "1w", "isRolling": True}]},
        [slo(events(errors=ERRORS), period=7 * DAY)],
    ),
    (
        "no timeWindow gives a rolling 30 day period",
        {"spec.timeWindow": ...},
        [slo(events(errors=ERRORS), period=30 * DAY)],
    ),
    (
        "each objective becomes an SLO named after its displayName or its index",
        {
            "spec.objectives": [
                {"displayName": "Strict Goal!", "target": 0.999},
                {"targetPercent": 99},
            ]
        },
        [
            slo(events(errors=ERRORS), name="availability-strict-goal"),
            slo(events(errors=ERRORS), name="availability-1", objective=99.0),
        ],
    ),
    (
        "the SLO description and string labels with Prometheus names are kept",
        {
            "spec.description": "Checkout requests succeed.",
            "metadata.labels": {"tier": "1", "cost-centre": "x", "tags": ["a"]},
        },
        [
            slo(
                events(errors=ERRORS),
                labels=(("tier", "1"),),
                description="Checkout requests succeed.",
            )
        ],
    ),
]


@pytest.mark.parametrize(("case", "edits", "expected"), MAPS, ids=[c[0] for c in MAPS])
def test_maps(tmp_path: Path, case: str, edits: dict[str, Any], expected: list[m.SLO]) -> None:
    (spec,) = load_file(write(tmp_path, edited(edits)))
    assert list(spec.slos) == expected


def test_service_groups_slos_and_resolves_references(tmp_path: Path) -> None:
    """SLOs group by spec.service in order; indicatorRef, metricSourceRef and Service resolve."""
    sli = {
        "apiVersion": "openslo/v1",
        "kind": "SLI",
        "metadata": {"name": "shared", "displayName": "Shared"},
        "spec": {
            "ratioMetric": {
                "counter": True,
                "bad": {"metricSource": {"metricSourceRef": "prom", "spec": {"query": ERRORS}}},
                "total": {"metricSource": {"metricSourceRef": "prom", "spec": {"query": TOTAL}}},
            }
        },
    }
    data_source = {
        "apiVersion": "openslo/v1",
        "kind": "DataSource",
        "metadata": {"name": "prom"},
        "spec": {"type": "Prometheus", "connectionDetails": {"url": "http://prom:9090"}},
    }
    service = {
        "apiVersion": "openslo/v1",
        "kind": "Service",
        "metadata": {"name": "checkout", "labels": {"team": "pay"}},
        "spec": {"description": "Checkout."},
    }
    by_ref = edited({"spec.indicator": ..., "spec.indicatorRef": "shared"})
    other = edited({"metadata.name": "search", "spec.service": "search"})
    path = write(tmp_path, service, data_source, sli, by_ref, other)
    checkout, search = load_file(path)
    file = str(path)
    assert checkout == m.ServiceSpec(
        name="checkout",
        source=m.Source(file, 43, "spec.service"),
        slos=(slo(events(errors=ERRORS)),),
        labels=(("team", "pay"),),
        object_labels=(),  # OpenSLO v1 labels label the rules, not a Kubernetes object
        agent_alerts=m.AgentAlerts(enabled=False),
        extra=(
            (f"{file}:8: spec.description", "not used"),
            (
                f"{file}:16: spec.connectionDetails",
                "not used: the rules run in the Prometheus that loads them",
            ),
            (f"{file}:23: metadata.displayName", "not used (names come from metadata.name)"),
        ),
    )
    assert (search.name, [s.name for s in search.slos]) == ("search", ["search"])
    assert search.slos[0].alerting.name == "SearchSearchBudgetBurn"


def test_unused_documents_and_ignored_fields_are_noted(tmp_path: Path) -> None:
    spare = {
        "apiVersion": "openslo/v1",
        "kind": "SLI",
        "metadata": {"name": "spare"},
        "spec": {"ratioMetric": {"counter": True, "good": source(ERRORS), "total": source(TOTAL)}},
    }
    doc = edited(
        {
            "metadata.annotations": {"openslo.com/x": "y"},
            "spec.objectives.0.timeSliceTarget": 0.9,
            "spec.objectives.0.op": "lte",
        }
    )
    path = write(tmp_path, doc, spare)
    (spec,) = load_file(path)
    file = str(path)
    assert spec.extra == (
        (f"{file}:6: metadata.annotations.openslo.com/x", "not used"),
        (
            f"{file}:31: spec.objectives[0].timeSliceTarget",
            "not used with budgetingMethod Occurrences",
        ),
        (f"{file}:32: spec.objectives[0].op", "not used: op and value apply to a thresholdMetric"),
        (f"{file}:37: metadata.name", "SLI 'spare' is not used by any SLO"),
    )


SLI_PATH = "spec.indicator.spec.ratioMetric"
QUERY = f"{SLI_PATH}.bad.metricSource.spec.query"

FAILS = [
    (
        "a threshold between two bounds of a catalogue histogram selects no bucket: refused",
        {
            "spec.indicator.spec": {
                "thresholdMetric": source('adk_agent_request_duration_seconds_bucket{job="a"}')
            },
            "spec.objectives": [{"op": "lte", "value": 0.3, "target": 0.95}],
        },
        "spec.objectives[0].value",
        "0.3 is not a bucket bound of adk_agent_request_duration_seconds "
        "(bounds: 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)",
    ),
    (
        "a counter summed by a label would be one ratio per group, which OpenSLO imports refuse",
        {"spec.indicator.spec.ratioMetric.bad": source(f"sum by (code) ({ERRORS})")},
        "spec.indicator.spec.ratioMetric.bad.metricSource.spec.query",
        "summing them would hide a bad group",
    ),
    (
        "a gauge averaged without a label is grouped too",
        {
            "spec.indicator.spec.ratioMetric.counter": False,
            "spec.indicator.spec.ratioMetric.bad": source(f"sum without (code) ({ERRORS})"),
        },
        "spec.indicator.spec.ratioMetric.bad.metricSource.spec.query",
        "summing them would hide a bad group",
    ),
    (
        "an SLO label named like a compiler label is refused, not dropped",
        {"metadata.labels": {"slo": "x"}},
        "metadata.labels.slo",
        "'slo' is set by the compiler",
    ),
    (
        "Timeslices budgeting does not map",
        {"spec.budgetingMethod": "Timeslices"},
        "spec.budgetingMethod",
        "does not map",
    ),
    (
        "RatioTimeslices budgeting does not map",
        {"spec.budgetingMethod": "RatioTimeslices"},
        "spec.budgetingMethod",
        "does not map",
    ),
    (
        "a calendar-aligned window does not map",
        {
            "spec.timeWindow": [
                {
                    "duration": "1M",
                    "calendar": {"startTime": "2024-01-01 00:00:00", "timeZone": "UTC"},
                }
            ]
        },
        "spec.timeWindow[0].calendar",
        "calendar-aligned windows do not map",
    ),
    (
        "a window that is not rolling does not map",
        {"spec.timeWindow.0.isRolling": False},
        "spec.timeWindow[0].isRolling",
        "rolling windows",
    ),
    (
        "a window without isRolling must say it rolls",
        {"spec.timeWindow.0.isRolling": ...},
        "spec.timeWindow[0]",
        "set isRolling: true",
    ),
    (
        "a window in months has no fixed length",
        {"spec.timeWindow.0.duration": "1M"},
        "spec.timeWindow[0].duration",
        "no fixed length",
    ),
    (
        "a window shorter than the longest alert window does not map",
        {"spec.timeWindow.0.duration": "1d"},
        "spec.timeWindow[0].duration",
        "at least 3d",
    ),
    (
        "a Datadog source does not map",
        {f"{SLI_PATH}.bad.metricSource.type": "Datadog"},
        f"{SLI_PATH}.bad.metricSource.type",
        "a Datadog metric source does not map",
    ),
    (
        "a source without a type or a reference is ambiguous",
        {f"{SLI_PATH}.bad.metricSource.type": ...},
        f"{SLI_PATH}.bad.metricSource",
        "set type: Prometheus",
    ),
    (
        "a reference to a missing DataSource without a type is ambiguous",
        {
            f"{SLI_PATH}.bad.metricSource.type": ...,
            f"{SLI_PATH}.bad.metricSource.metricSourceRef": "prom",
        },
        f"{SLI_PATH}.bad.metricSource.metricSourceRef",
        "no DataSource named 'prom'",
    ),
    (
        "source settings other than query do not map",
        {f"{SLI_PATH}.bad.metricSource.spec.region": "eu"},
        f"{SLI_PATH}.bad.metricSource.spec.region",
        "read from spec.query only",
    ),
    (
        "a counter query with its own range would pin every window",
        {f"{SLI_PATH}.bad": source(f"sum(rate({ERRORS}[5m]))")},
        QUERY,
        "fixed range",
    ),
    (
        "a counter query that is not a selector does not map",
        {f"{SLI_PATH}.bad": source(f"max({ERRORS})")},
        QUERY,
        "counter selector itself",
    ),
    (
        "a counter selector with offset does not map",
        {f"{SLI_PATH}.bad": source(f"{ERRORS} offset 5m")},
        QUERY,
        "counter selector itself",
    ),
    (
        "a query that is not PromQL is rejected",
        {f"{SLI_PATH}.bad": source("sum(")},
        QUERY,
        "not valid PromQL",
    ),
    (
        "a quantile threshold is judged per time slice and does not map",
        {
            "spec.indicator.spec": {
                "thresholdMetric": source(
                    "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))"
                )
            },
            "spec.objectives": [{"op": "lte", "value": 0.5, "target": 0.9}],
        },
        "spec.indicator.spec.thresholdMetric.metricSource.spec.query",
        "per time slice",
    ),
    (
        "a threshold on something other than a histogram does not map",
        {
            "spec.indicator.spec": {"thresholdMetric": source("queue_depth")},
            "spec.objectives": [{"op": "lte", "value": 5, "target": 0.9}],
        },
        "spec.indicator.spec.thresholdMetric.metricSource.spec.query",
        "bucket selector",
    ),
    (
        "a threshold with an le matcher leaves value nothing to pick",
        {
            "spec.indicator.spec": {"thresholdMetric": source('x_bucket{le="1"}')},
            "spec.objectives": [{"op": "lte", "value": 1, "target": 0.9}],
        },
        "spec.indicator.spec.thresholdMetric.metricSource.spec.query",
        "remove the le matcher",
    ),
    (
        "a threshold with op gte does not map on a histogram",
        {
            "spec.indicator.spec": {"thresholdMetric": source("x_bucket")},
            "spec.objectives": [{"op": "gte", "value": 1, "target": 0.9}],
        },
        "spec.objectives[0].op",
        "only lte (or lt) maps",
    ),
    (
        "a threshold objective needs op and value",
        {"spec.indicator.spec": {"thresholdMetric": source("x_bucket")}},
        "spec.objectives[0]",
        "needs op: lte and a value",
    ),
    (
        "a threshold SLO has one objective",
        {
            "spec.indicator.spec": {"thresholdMetric": source("x_bucket")},
            "spec.objectives": [
                {"op": "lte", "value": 1, "target": 0.9},
                {"op": "lte", "value": 2, "target": 0.99},
            ],
        },
        "spec.objectives",
        "exactly one objective",
    ),
    (
        "alertPolicies do not map",
        {"spec.alertPolicies": [{"alertPolicyRef": "burn"}]},
        "spec.alertPolicies",
        "alertPolicies do not map",
    ),
    (
        "a composite SLO does not map",
        {"spec.objectives.0.indicatorRef": "other"},
        "spec.objectives[0]",
        "composite SLOs",
    ),
    (
        "an indicatorRef must name an SLI of the file",
        {"spec.indicator": ..., "spec.indicatorRef": "nope"},
        "spec.indicatorRef",
        "no SLI document named 'nope'",
    ),
    (
        "target and targetPercent together are ambiguous",
        {"spec.objectives.0.targetPercent": 99},
        "spec.objectives[0]",
        "exactly one of target or targetPercent",
    ),
    (
        "a target of zero has no objective",
        {"spec.objectives.0.target": 0},
        "spec.objectives[0].target",
        "above 0",
    ),
    (
        "a target of one or more is out of range",
        {"spec.objectives.0.target": 1},
        "spec.objectives[0].target",
        "less than 1",
    ),
    (
        "an unknown key in a mapped part is an error",
        {"spec.owner": "me"},
        "spec.owner",
        "unknown key",
    ),
    (
        "an objective name that collides with another SLO is an error",
        {
            "spec.objectives": [
                {"displayName": "a", "target": 0.9},
                {"displayName": "A", "target": 0.99},
            ]
        },
        "spec.objectives[1]",
        "already used",
    ),
    (
        "apiVersion openslo/v1alpha does not map",
        {"apiVersion": "openslo/v1alpha"},
        "apiVersion",
        "only openslo/v1",
    ),
    (
        "an AlertPolicy document does not map",
        {"kind": "AlertPolicy"},
        "kind",
        "kind AlertPolicy does not map",
    ),
    ("an unknown kind is an error", {"kind": "Widget"}, "kind", "unknown OpenSLO kind 'Widget'"),
]


@pytest.mark.parametrize(("case", "edits", "path", "message"), FAILS, ids=[c[0] for c in FAILS])
def test_fails_located(
    tmp_path: Path, case: str, edits: dict[str, Any], path: str, message: str
) -> None:
    file = write(tmp_path, edited(edits))
    with pytest.raises(SpecError) as info:
        load_file(file)
    err = info.value
    (doc,) = load_documents(str(file), file.read_text())
    keys = tuple(doc.lines)
    located = next(k for k in keys if _fmt(k) == path)
    assert (err.file, err.path, err.line) == (str(file), path, doc.line_of(located))
    assert message in err.message
    assert "\n" not in str(err)


def test_a_threshold_on_an_unknown_histogram_compiles_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], promtool: str
) -> None:
    """The Kubernetes API server's request histogram has a 0.4 bucket, which no client library's
    defaults have: the SLO compiles, and a note says the bucket is assumed to exist."""
    query = 'apiserver_request_duration_seconds_bucket{verb!="WATCH"}'
    doc = edited(
        {
            "spec.indicator.spec": {"thresholdMetric": source(query)},
            "spec.objectives": [{"op": "lte", "value": 0.4, "target": 0.99}],
        }
    )
    file = write(tmp_path, doc)
    (spec,) = load_file(file)
    assert spec.slos[0].sli == m.LatencySLI(
        "apiserver_request_duration_seconds", 0.4, 'verb!="WATCH"'
    )
    (note,) = spec.extra
    assert note[0] == f"{file}:22: spec.objectives[0].value"
    assert "assume apiserver_request_duration_seconds has a bucket le=0.4" in note[1]
    out = tmp_path / "rules"
    assert main(["compile-rules", str(file), "-o", str(out)]) == 0
    assert f"note: {note[0]}: {note[1]}" in capsys.readouterr().err
    rules = (out / "checkout.rules.yaml").read_text()
    assert 'apiserver_request_duration_seconds_bucket{verb!="WATCH",le=~"0\\\\.4"}' in rules
    check = subprocess.run(
        [promtool, "check", "rules", str(out / "checkout.rules.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def _fmt(key: tuple[str | int, ...]) -> str:
    from adk_observe.yamlsource import format_path

    return format_path(key)


def test_error_points_at_the_written_line(tmp_path: Path) -> None:
    text = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: checkout
  budgetingMethod: Timeslices
  indicatorRef: x
  objectives:
    - target: 0.9
"""
    file = write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_file(file)
    assert str(info.value).startswith(f"{file}:7: spec.budgetingMethod: budgetingMethod ")


def test_a_file_without_slo_documents_is_an_error(tmp_path: Path) -> None:
    service = {"apiVersion": "openslo/v1", "kind": "Service", "metadata": {"name": "checkout"}}
    with pytest.raises(SpecError, match="hold no SLO"):
        load_file(write(tmp_path, service))


def test_cli_exits_2_with_one_located_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path, edited({"spec.budgetingMethod": "Timeslices"}))
    assert main(["compile-rules", str(file), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {file}:") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_golden_spec_compiles_and_promtool_accepts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], promtool: str
) -> None:
    out = tmp_path / "rules"
    assert main(["compile-rules", str(GOLDEN), "-o", str(out)]) == 0
    assert "support-agent: 5 SLOs" in capsys.readouterr().out
    files = sorted(str(p) for p in out.glob("*.yaml"))
    assert files
    check = subprocess.run(
        [promtool, "check", "rules", *files], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_reference_to_an_absent_data_source_with_a_type_is_noted(tmp_path: Path) -> None:
    ref = f"{SLI_PATH}.total.metricSource.metricSourceRef"
    path = write(tmp_path, edited({ref: "elsewhere"}))
    (spec,) = load_file(path)
    assert spec.slos == (slo(events(errors=ERRORS)),)
    assert spec.extra == (
        (
            f"{path}:23: {ref}",
            "not resolved: the rules query the Prometheus that loads them",
        ),
    )


@pytest.mark.parametrize(
    ("case", "source_type", "ref_type", "key", "message"),
    [
        (
            "a DataSource that is not Prometheus does not map",
            "Datadog",
            None,
            "metricSourceRef",
            "a Datadog metric source does not map",
        ),
        (
            "a type that disagrees with its DataSource is an error",
            "Prometheus",
            "Datadog",
            "type",
            "disagrees with DataSource 'metrics'",
        ),
    ],
)
def test_data_source_types_are_checked(
    tmp_path: Path, case: str, source_type: str, ref_type: str | None, key: str, message: str
) -> None:
    data_source = {
        "apiVersion": "openslo/v1",
        "kind": "DataSource",
        "metadata": {"name": "metrics"},
        "spec": {"type": source_type},
    }
    metric = {"metricSourceRef": "metrics", "spec": {"query": ERRORS}}
    if ref_type is not None:
        metric["type"] = ref_type
    path = write(tmp_path, data_source, edited({f"{SLI_PATH}.bad": {"metricSource": metric}}))
    with pytest.raises(SpecError) as info:
        load_file(path)
    assert info.value.path == f"{SLI_PATH}.bad.metricSource.{key}"
    assert message in info.value.message
