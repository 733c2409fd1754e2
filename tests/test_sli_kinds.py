"""Built-in SLI kinds are rows (sli_kinds.py) that every layer reads: adding one is its row and
its test. Two test-only kinds, registered here the way a row is added to `BUILTIN_KINDS`, flow
through the loader, the compiler, the emitted promtool tests (run by the real promtool), the SLO
dashboard text and lint, with no other file knowing them. They have the shapes the next kinds
need: a histogram cut at a threshold (time to first token) and a counter split by a result
label, narrowed by an optional label parameter and grouped by it (quality by evaluator)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests import doc_text
from tests.rules.support import compile_rules, run_parallel, run_promtool

from adk_observe import conventions as c
from adk_observe import sli_kinds as k
from adk_observe.cli import main
from adk_observe.loader.load import load_specs
from adk_observe.model import BuiltinSLI

FIRST_TOKEN_METRIC = c.MetricDef(
    "adk_test_first_token_seconds",
    c.MetricType.HISTOGRAM,
    "Time to the first token of a turn (test only).",
    (c.LABEL_AGENT_ID,),
    (0.1, 0.25, 0.5, 1.0, 2.5),
)
EVALUATIONS_METRIC = c.MetricDef(
    "adk_test_evaluations_total",
    c.MetricType.COUNTER,
    "Evaluations of answers by evaluator and result (test only).",
    (c.LABEL_AGENT_ID, "evaluator", "result"),
)
FIRST_TOKEN = k.BuiltinKind(
    "first_token",
    k.HistogramShape(FIRST_TOKEN_METRIC),
    "turns whose first token came in under {threshold}",
    (k.Param("threshold", k.ParamType.SECONDS, "500ms"),),
)
VERDICTS = k.BuiltinKind(
    "verdicts",
    k.CounterShape(EVALUATIONS_METRIC, "result", "fail", good_sample="pass", bad_sample="fail"),
    "evaluations that pass",
    (k.Param("evaluator", k.ParamType.LABEL_VALUE, "toxicity", required=False, label="evaluator"),),
)

SPEC = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: kinds-agent, namespace: agents}
spec:
  slos:
    - {name: first-token, objective: 95, sli: {builtin: first_token, threshold: 500ms}}
    - name: verdicts
      objective: 90
      group_by: [evaluator]
      sli: {builtin: verdicts, evaluator: toxicity}
  alerts: {enabled: false}
  alert_windows:  # the default table without its 3d pair: a third of the promtool time
    page:
      - {long: 1h, short: 5m, budget_percent: 2}
      - {long: 6h, short: 30m, budget_percent: 5}
    ticket:
      - {long: 1d, short: 2h, budget_percent: 10}
"""


@pytest.fixture
def two_new_kinds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The whole addition of each kind: its row in BUILTIN_KINDS."""
    monkeypatch.setitem(k.BUILTIN_KINDS, FIRST_TOKEN.name, FIRST_TOKEN)
    monkeypatch.setitem(k.BUILTIN_KINDS, VERDICTS.name, VERDICTS)
    yield


def _spec_file(tmp_path: Path, text: str = SPEC) -> Path:
    path = tmp_path / "kinds-agent.yaml"
    path.write_text(text)
    return path


def _error(capsys: pytest.CaptureFixture[str], spec: Path) -> str:
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    return err.strip()


# --- the shipped rows ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", k.BUILTIN_KINDS.values(), ids=lambda kind: kind.name)
def test_every_shipped_row_is_consistent(kind: k.BuiltinKind) -> None:
    placeholders = set(re.findall(r"\{(\w+)\}", kind.text))
    assert placeholders <= {p.key for p in kind.params}
    shape = kind.shape
    if isinstance(shape, k.HistogramShape):
        assert kind.threshold is not None and kind.threshold.required
        assert shape.metric.type is c.MetricType.HISTOGRAM and shape.metric.buckets
    if isinstance(shape, k.CounterShape):
        assert shape.metric.type is c.MetricType.COUNTER
        assert shape.label in shape.metric.labels
        bad = re.fullmatch(shape.bad, shape.bad_sample) if shape.bad_regex else None
        assert bad is not None or shape.bad_sample == shape.bad  # the bad sample is bad
        good = re.fullmatch(shape.bad, shape.good_sample) if shape.bad_regex else None
        assert good is None and shape.good_sample != shape.bad  # the good one is not
    for param in kind.params:
        if param.type is k.ParamType.LABEL_VALUE:
            assert kind.metric is not None and param.label in kind.metric.labels


def test_a_row_whose_text_names_an_optional_parameter_is_refused() -> None:
    # The dashboard would have nothing to fill in when a spec leaves the parameter out.
    with pytest.raises(ValueError, match=r"'by_evaluator': its text names \['evaluator'\]"):
        k.BuiltinKind(
            "by_evaluator",
            VERDICTS.shape,
            "evaluations by {evaluator} that pass",
            VERDICTS.params,
        )


def test_group_labels_leave_out_the_label_that_splits_good_from_bad() -> None:
    assert k.SUCCESS.group_labels() == (
        "agent_id",
        "endpoint",
        "instance",
        "job",
        "method",
        "namespace",
        "pod",
        "track",
    )
    assert c.LABEL_STATUS not in k.TOOL_SUCCESS.group_labels()
    assert k.UPTIME.group_labels() == tuple(sorted(c.TARGET_LABELS))
    assert VERDICTS.group_labels() == (
        "agent_id",
        "evaluator",
        "instance",
        "job",
        "namespace",
        "pod",
        "track",
    )


# --- a kind added by its row alone -------------------------------------------------------------


def test_a_kind_without_its_row_is_an_unknown_builtin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _error(capsys, _spec_file(tmp_path))
    assert err.endswith(
        "spec.slos[0].sli.builtin: unknown builtin 'first_token' (one of: "
        + ", ".join(k.BUILTIN_KINDS)  # a new shipped row joins the list by itself
        + ")"
    )


@pytest.mark.usefixtures("two_new_kinds")
def test_the_loader_reads_the_rows(tmp_path: Path) -> None:
    (spec,) = load_specs([_spec_file(tmp_path)])
    assert [slo.sli for slo in spec.slos] == [
        BuiltinSLI(FIRST_TOKEN, threshold=0.5),
        BuiltinSLI(VERDICTS, matchers=(("evaluator", "toxicity"),)),
    ]


@pytest.mark.usefixtures("two_new_kinds")
@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (
            "threshold: 500ms",
            "threshold: 300ms",
            "spec.slos[0].sli.threshold",
            "0.3 is not a bucket bound of adk_test_first_token_seconds (bounds: 0.1, 0.25, 0.5, 1, "
            "2.5)",
        ),
        (
            ", threshold: 500ms",
            "",
            "spec.slos[0].sli",
            "builtin first_token needs threshold, e.g. 500ms",
        ),
        (
            "threshold: 500ms",
            "threshold: 500ms, evaluator: x",
            "spec.slos[0].sli.evaluator",
            "evaluator belongs to builtin quality and verdicts only",
        ),
        (
            "evaluator: toxicity",
            'evaluator: "a\\nb"',
            "spec.slos[1].sli.evaluator",
            "must be one printable line of at most 128 characters without {{ (got 'a\\nb')",
        ),
        (
            "group_by: [evaluator]",
            "group_by: [result]",
            "spec.slos[1].group_by[0]",
            "the series of builtin verdicts have no label 'result' to group by (they carry: "
            "agent_id, evaluator, instance, job, namespace, pod, track)",
        ),
    ],
)
def test_the_rows_parameters_are_checked_where_they_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, where: str, message: str
) -> None:
    assert old in SPEC
    err = _error(capsys, _spec_file(tmp_path, SPEC.replace(old, new)))
    assert err.endswith(f": {where}: {message}"), err


@pytest.mark.usefixtures("two_new_kinds")
def test_the_schema_lists_the_rows_and_their_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    sli = json.loads(capsys.readouterr().out)["$defs"]["SLIV1"]
    assert sli["properties"]["builtin"]["anyOf"][0]["enum"][-2:] == ["first_token", "verdicts"]
    assert sli["properties"]["evaluator"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 128,
        "description": "builtin quality: e.g. grounded; builtin verdicts: e.g. toxicity.",
    }
    assert sli["additionalProperties"] is False


@pytest.mark.usefixtures("two_new_kinds")
def test_the_compiled_rules_read_the_rows_metric_and_split(tmp_path: Path) -> None:
    assert compile_rules(_spec_file(tmp_path), tmp_path / "out") == 0
    rules = (tmp_path / "out" / "kinds-agent.rules.yaml").read_text()
    # Written by hand from the shapes: bad first tokens are all minus those in the 0.5 bucket;
    # bad verdicts are the toxicity evaluator's `result="fail"` increments, per evaluator.
    assert (
        'sum(rate(adk_test_first_token_seconds_count{job="kinds-agent"}[5m])) - '
        '(sum(rate(adk_test_first_token_seconds_bucket{job="kinds-agent",le=~"0\\\\.5"}[5m])) '
        "or vector(0))"
    ) in rules
    assert (
        'sum by (evaluator) (rate(adk_test_evaluations_total{job="kinds-agent",'
        'evaluator="toxicity",result="fail"}[5m]))'
    ) in rules


@pytest.mark.slow  # two promtool test files: half a minute on a loaded two-core machine
@pytest.mark.usefixtures("two_new_kinds")
def test_the_emitted_promtool_tests_pass(tmp_path: Path, promtool: str) -> None:
    out = tmp_path / "out"
    assert compile_rules(_spec_file(tmp_path), out, "--emit-tests") == 0
    detect = (out / "kinds-agent.rules.test.yaml").read_text()
    # The synthetic series are the rows' metrics with their labels (and the parameter's label).
    assert 'adk_test_first_token_seconds_bucket{job="kinds-agent",le="0.5"}' in detect
    assert (
        'adk_test_evaluations_total{evaluator="toxicity",job="kinds-agent",result="fail"}' in detect
    )
    assert (
        run_promtool(promtool, "check", "rules", "kinds-agent.rules.yaml", cwd=out).returncode == 0
    )
    jobs = [(out, ["test", "rules", p.name]) for p in sorted(out.glob("*test.yaml"))]
    assert len(jobs) == 2
    for code, output in run_parallel(promtool, jobs):
        assert code == 0, output


@pytest.mark.usefixtures("two_new_kinds")
def test_the_slo_dashboard_says_what_each_row_promises(tmp_path: Path) -> None:
    assert main(["dashboards", str(_spec_file(tmp_path)), "-o", str(tmp_path / "d")]) == 0
    text = (tmp_path / "d" / "kinds-agent-slos.json").read_text()
    assert "first-token: 95% of turns whose first token came in under 500ms over 30d" in text
    assert 'verdicts: 90% of evaluations that pass, evaluator \\"toxicity\\" over 30d' in text


@pytest.mark.usefixtures("two_new_kinds")
def test_lint_knows_the_rows_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(_spec_file(tmp_path))]) == 0
    assert capsys.readouterr().out == "kinds-agent: ok\n"


def test_lint_without_the_row_would_not_know_the_metric() -> None:
    # What the test above rests on: the metrics are nowhere but in the test's rows.
    assert c.metric_by_name(FIRST_TOKEN_METRIC.name) is None
    assert c.metric_by_name(EVALUATIONS_METRIC.name) is None


# --- the spec reference names every row ---------------------------------------------------------


def spec_reference_gaps(source: str) -> list[str]:
    """How docs/spec.md's field table differs from the rows: its `slos[].sli.builtin` row must
    list every kind in order, and each parameter's row must name every kind that takes it."""
    rows = doc_text.table(source, "field", "type, default", "meaning").rows
    cells = {row[0]: " ".join(row[1:]) for row in rows}
    gaps: list[str] = []
    listed = re.findall(r"`(\w+)`", cells.get("`slos[].sli.builtin`", ""))
    if listed != list(k.BUILTIN_KINDS):
        gaps.append(f"slos[].sli.builtin lists {listed}, the rows are {list(k.BUILTIN_KINDS)}")
    for key in k.param_keys():
        words = cells.get(f"`slos[].sli.{key}`")
        if words is None:
            gaps.append(f"no row for slos[].sli.{key}")
            continue
        gaps += [
            f"slos[].sli.{key} does not name builtin {kind.name}"
            for kind in k.kinds_taking(key)
            if f"`{kind.name}`" not in words
        ]
    return gaps


def test_the_spec_reference_names_every_row_and_parameter() -> None:
    assert spec_reference_gaps(doc_text.text("spec.md")) == []


@pytest.mark.usefixtures("two_new_kinds")
def test_a_row_missing_from_the_spec_reference_is_caught() -> None:
    shipped = [name for name in k.BUILTIN_KINDS if name not in (FIRST_TOKEN.name, VERDICTS.name)]
    assert spec_reference_gaps(doc_text.text("spec.md")) == [
        f"slos[].sli.builtin lists {shipped}, the rows are "
        f"{[*shipped, FIRST_TOKEN.name, VERDICTS.name]}",
        "slos[].sli.threshold does not name builtin first_token",
        "slos[].sli.evaluator does not name builtin verdicts",
    ]
