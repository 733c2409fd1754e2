"""Malformed adk-observe/v1 specs: every one is a single located error line and exit code 2.

Each file in tests/loader/bad/ is one malformed spec whose first line says what is wrong. The
table below gives, per file, the exact line and key path the error must name and a piece of
the message. `compile-rules` and `validate` must both exit 2 with exactly one stderr line
`error: FILE:LINE: KEY.PATH: MESSAGE`, print nothing on stdout, and never touch the output
directory. A property test then mutates the reference example at random paths and checks that
every outcome is either a clean compile or such an error, never a traceback.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adk_observe.cli import main

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).resolve().parent / "bad"
EXAMPLE = ROOT / "examples" / "support-agent.yaml"
SENTINEL = "sentinel.txt"
SENTINEL_TEXT = "written by the test; compile-rules must leave it alone\n"


@dataclass(frozen=True)
class Case:
    file: str  # tests/loader/bad/<file>.yaml
    line: int
    path: str | None  # None: the error names no key (YAML syntax, file-level problems)
    message: str | None  # a piece of the message; None: any message
    bug: str = ""  # non-empty: a known bug, the case is a strict xfail with this reason


# Line numbers count the comment on line 1 of every corpus file.
CASES: dict[str, Case] = {
    # Unknown keys, at every level.
    "An unknown key at the top level is named at its line":
        Case("unknown-top-level-key", 8, "status", "unknown key"),
    "An unknown key in metadata is named at its line":
        Case("unknown-metadata-key", 6, "metadata.owner", "unknown key"),
    "An unknown key in spec is named at its line":
        Case("unknown-spec-key", 9, "spec.objectives", "unknown key"),
    "An unknown key in an SLO is named at its line":
        Case("unknown-slo-key", 12, "spec.slos[0].target", "unknown key"),
    "An unknown key in sli is named at its line":
        Case("unknown-sli-key", 15, "spec.slos[0].sli.metric", "unknown key"),
    "An unknown key in alerting is named at its line":
        Case("unknown-alerting-key", 16, "spec.slos[0].alerting.pager", "unknown key"),
    "An unknown key in telemetry is named at its line":
        Case("unknown-telemetry-key", 19, "spec.telemetry.profiling", "unknown key"),
    # Wrong types: never coerced.
    "A quoted objective is not coerced to a number":
        Case("objective-string", 11, "spec.slos[0].objective", "valid number"),
    "Labels given as a list are not a mapping":
        Case("labels-list", 6, "metadata.labels", "valid dictionary"),
    "A number as a label value is not coerced to a string":
        Case("label-value-number", 8, "metadata.labels.tier", "valid string"),
    "A boolean window is not a duration":
        Case("window-bool", 12, "spec.slos[0].window", "duration"),
    # Duplicates.
    "A second SLO with the same name points at the second name":
        Case("duplicate-slo-name", 18, "spec.slos[1].name", "duplicate SLO name 'success'"),
    "A YAML key given twice points at the second one":
        Case("duplicate-yaml-key", 13, "spec.slos[0].objective", "duplicate key"),
    # Objectives outside (0, 100).
    "An objective of 0 is rejected":
        Case("objective-zero", 11, "spec.slos[0].objective", "between 0 and 100"),
    "An objective of 100 is rejected":
        Case("objective-100", 11, "spec.slos[0].objective", "between 0 and 100"),
    "A negative objective is rejected":
        Case("objective-negative", 11, "spec.slos[0].objective", "between 0 and 100"),
    "An objective of 150 is rejected":
        Case("objective-150", 11, "spec.slos[0].objective", "between 0 and 100"),
    # Windows that are not durations.
    "A window of '30 days' is not a Prometheus duration":
        Case("window-words", 12, "spec.slos[0].window", "'30 days' is not a duration"),
    "An empty window is not a duration":
        Case("window-empty", 12, "spec.slos[0].window", "is not a duration"),
    "A window of the number 0 is not a duration":
        Case("window-zero", 12, "spec.slos[0].window", "duration"),
    "A window beyond the Prometheus duration range is rejected, not compiled":
        Case("window-out-of-range", 12, "spec.slos[0].window", None),
    "An agent alert `for` beyond the Prometheus duration range is rejected, not compiled":
        Case("for-out-of-range", 19, "spec.alerts.high_error_rate.for", None),
    # SLI kinds and their fields.
    "A builtin latency threshold of 300ms is not a request-duration bucket bound":
        Case("latency-threshold-not-bucket", 15, "spec.slos[0].sli.threshold",
             "not a bucket bound"),
    "A satisfaction good_above of 4.2 is not a rating bucket bound":
        Case("satisfaction-not-bucket", 15, "spec.slos[0].sli.good_above",
             "not a bucket bound"),
    "builtin latency without a threshold is rejected":
        Case("latency-without-threshold", 13, "spec.slos[0].sli",
             "builtin latency needs threshold, e.g. 500ms"),
    "builtin satisfaction without good_above is rejected":
        Case("satisfaction-without-good-above", 13, "spec.slos[0].sli", "needs good_above"),
    "A threshold on builtin success is rejected":
        Case("threshold-on-success", 15, "spec.slos[0].sli.threshold",
             "threshold belongs to builtin latency, cost_per_turn and time_to_first_token only"),
    "Two SLI kinds at once are rejected":
        Case("two-sli-kinds", 13, "spec.slos[0].sli", "exactly one of builtin, latency"),
    "An SLI with no kind is rejected":
        Case("no-sli-kind", 13, "spec.slos[0].sli", "exactly one of builtin, latency"),
    "An events query without {{window}} is rejected at that query":
        Case("events-without-window", 15, "spec.slos[0].sli.events.errors", "{{window}}"),
    "An events SLI with both errors and good is rejected":
        Case("events-errors-and-good", 14, "spec.slos[0].sli.events",
             "exactly one of errors or good"),
    "An events total that does not parse as PromQL is rejected at that query":
        Case("events-total-not-promql", 16, "spec.slos[0].sli.events.total", "parenthesis"),
    "A raw error_ratio without {{window}} is rejected":
        Case("raw-without-window", 15, "spec.slos[0].sli.raw.error_ratio", "{{window}}"),
    "A custom latency threshold outside its listed buckets is rejected":
        Case("custom-latency-threshold-not-listed", 16, "spec.slos[0].sli.latency.threshold",
             "not one of the listed buckets"),
    # Names and selectors.
    "A selector that is not label matchers is rejected":
        Case("invalid-selector", 9, "spec.selector", "not valid label matchers"),
    "A service name with upper-case letters is rejected":
        Case("service-name-uppercase", 5, "metadata.name", "should match pattern"),
    "A service name with an underscore is rejected":
        Case("service-name-underscore", 5, "metadata.name", "should match pattern"),
    "A label name with a dash is rejected at that label":
        Case("invalid-label-name", 8, "metadata.labels.cost-center",
             "not a valid Prometheus label name"),
    # Per-group SLOs and spend budgets (issue 15).
    "group_by naming a label the compiler sets is rejected at that item":
        Case("group-by-reserved-label", 10, "spec.slos[0].group_by[1]", "cannot group by 'slo'"),
    "group_by naming a label the builtin's series lack names the labels they carry":
        Case("group-by-label-not-on-series", 11, "spec.slos[0].group_by[0]",
             "have no label 'tool' to group by (they carry: agent_id, endpoint, instance, job, "
             "method, namespace, pod, track)"),
    "group_by naming the label that splits good from bad turns is rejected":
        Case("group-by-split-label", 10, "spec.slos[0].group_by[0]", "no label 'status_code'"),
    "A cost_per_turn threshold must be a bound of the cost histogram":
        Case("cost-threshold-not-bucket", 12, "spec.slos[0].sli.threshold",
             "0.03 is not a bucket bound of adk_agent_interaction_cost (bounds: 0.001, 0.0025, "
             "0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)"),
    "A budget period must be a duration or calendar-month":
        Case("budget-bad-period", 12, "spec.budgets[0].period",
             "'monthly' is neither a duration like 30d nor calendar-month"),
    "A budget grouped by a label the cost counter lacks is rejected at that item":
        Case("budget-group-by-unknown-label", 12, "spec.budgets[0].group_by[1]",
             "adk_agent_cost_total has no label 'team'"),
    "A budget amount must be positive":
        Case("budget-zero-amount", 11, "spec.budgets[0].amount", "greater than 0"),
    "A label named __name__ (reserved by Prometheus) is rejected at that label":
        Case("reserved-label-name", 14, "spec.slos[0].labels.__name__", None),
    "A selector on __name__ is rejected, not compiled into unparsable rules":
        Case("selector-sets-metric-name", 9, "spec.selector", None),
    "An alert annotation that is not a valid Go template is rejected":
        Case("annotation-bad-template", 17, "spec.slos[0].alerting.annotations.summary", None),
    "An alert name with dashes is rejected":
        Case("invalid-alert-name", 16, "spec.slos[0].alerting.name", "should match pattern"),
    # The document itself.
    "A document without apiVersion is no known format":
        Case("missing-api-version", 2, None, "unknown spec format"),
    "A kind other than AgentService is rejected":
        Case("wrong-kind", 3, "kind", "AgentService"),
    "An unknown apiVersion is no known format":
        Case("unknown-format", 2, "apiVersion", "unknown spec format"),
    "An empty slos list is rejected":
        Case("empty-slos", 9, "spec.slos", "at least 1 item"),
    "Invalid YAML syntax is reported at its line":
        Case("invalid-yaml", 11, None, "invalid YAML"),
    "An unclosed flow mapping is reported at a line of the file":
        Case("invalid-yaml-unclosed-flow", 19, None, "invalid YAML"),
    "An empty file is rejected":
        Case("empty-file", 1, None, "no YAML document"),
    "A document that is a list is rejected":
        Case("not-a-mapping", 2, None, "must be a mapping"),
    "A YAML tag safe YAML cannot construct is a located error, not a traceback":
        Case("yaml-python-tag", 11, None, None),
    "A !!float tag on a word is a located error, not a traceback":
        Case("yaml-bad-float-tag", 11, None, None),
    "A list that contains itself through an alias is a located error, not a traceback":
        Case("yaml-recursive-alias", 8, None, None),
    # Alert windows.
    "An alert window pair whose short window is not shorter is rejected at that pair":
        Case("alert-windows-short-not-shorter", 12, "spec.alert_windows.page[1]",
             "short window must be shorter"),
    "An alert window pair with both factor and budget_percent is rejected":
        Case("alert-windows-factor-and-budget", 11, "spec.alert_windows.page[0]",
             "exactly one of budget_percent or factor"),
    "An alert window longer than the SLO period is rejected":
        Case("alert-window-longer-than-period", 13, "spec.alert_windows.ticket[0].long",
             "longer than the period"),
    "A default alert window longer than the SLO period is reported at the SLO window":
        Case("default-window-longer-than-period", 12, "spec.slos[0].window",
             "longer than the period"),
    "An infinite burn factor is rejected":
        Case("factor-infinite", 11, "spec.alert_windows.page[0].factor", None),
    # Telemetry.
    "A sampling ratio of 1.5 is rejected":
        Case("sampling-above-one", 20, "spec.telemetry.tracing.sampling",
             "less than or equal to 1"),
}


def _params() -> list[Any]:
    out = []
    for sentence, case in CASES.items():
        marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
        out.append(pytest.param(case, id=sentence, marks=marks))
    return out


def error_line(file: Path, case: Case) -> re.Pattern[str]:
    where = re.escape(f"{file}:{case.line}:")
    key = f" {re.escape(case.path)}:" if case.path is not None else ""
    return re.compile(rf"^error: {where}{key} .+$")


def make_out(tmp: Path) -> Path:
    out = tmp / "out"
    out.mkdir()
    (out / SENTINEL).write_text(SENTINEL_TEXT, encoding="utf-8")
    return out


def assert_untouched(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == [SENTINEL]
    assert (out / SENTINEL).read_bytes() == SENTINEL_TEXT.encode()


def assert_one_error(err: str, file: Path, case: Case) -> None:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    assert error_line(file, case).match(lines[0]), lines[0]
    if case.message is not None:
        assert case.message in lines[0]


def test_corpus_is_complete() -> None:
    """Every corpus file is in the table, every table entry has a file, each says what is wrong."""
    files = {p.stem for p in BAD.glob("*.yaml")}
    assert files == {c.file for c in CASES.values()}
    assert len(files) >= 30
    for path in BAD.glob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 10, path


@pytest.mark.parametrize("case", _params())
def test_compile_rules_rejects(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = BAD / f"{case.file}.yaml"
    out = make_out(tmp_path)
    code = main(["compile-rules", str(file), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert_one_error(captured.err, file, case)
    assert captured.out == ""
    assert_untouched(out)


@pytest.mark.parametrize("case", _params())
def test_validate_rejects(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    file = BAD / f"{case.file}.yaml"
    code = main(["validate", str(file)])
    captured = capsys.readouterr()
    assert code == 2
    assert_one_error(captured.err, file, case)
    assert captured.out == ""


@pytest.mark.parametrize("bad_first", [False, True], ids=["good then bad", "bad then good"])
def test_one_bad_spec_among_several_writes_nothing(
    bad_first: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES["An unknown key in an SLO is named at its line"]
    bad = BAD / f"{case.file}.yaml"
    specs = [str(bad), str(EXAMPLE)] if bad_first else [str(EXAMPLE), str(bad)]
    out = make_out(tmp_path)
    code = main(["compile-rules", *specs, "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert_one_error(captured.err, bad, case)
    assert captured.out == ""
    assert_untouched(out)


def test_missing_output_directory_is_not_created_on_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never"
    code = main(["compile-rules", str(BAD / "objective-zero.yaml"), "-o", str(out)])
    assert code == 2
    assert capsys.readouterr().out == ""
    assert not out.exists()


# --- well-formed YAML the loader must not crash on -----------------------------------------

SMALL = """apiVersion: adk-observe/v1
kind: AgentService
metadata:
  name: support-agent
spec:
  slos:
    - &base
      name: success
      objective: 99.5
      sli: {builtin: success}
"""


def test_yaml_merge_key_is_merged_like_safe_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SMALL + "    - <<: *base\n      name: llm\n", encoding="utf-8")
    out = make_out(tmp_path)
    code = main(["compile-rules", str(spec), "-o", str(out)])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    assert "support-agent: 2 SLOs" in captured.out


@pytest.mark.parametrize("tail", ["---\n", "---\n# nothing more\n"], ids=["bare", "comment"])
def test_trailing_document_separator_is_ignored(
    tail: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SMALL + tail, encoding="utf-8")
    code = main(["validate", str(spec)])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    assert captured.out == f"ok: {spec}: support-agent (1 SLOs)\n"


# --- property: random mutations of the reference example -----------------------------------

EXAMPLE_DATA: Any = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key/index path in `node` (the root excluded)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((*prefix, i))
            out.extend(_paths(value, (*prefix, i)))
    return out


def _containers(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every mapping in `node`, the root included."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        out.append(prefix)
        for key, value in node.items():
            out.extend(_containers(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_containers(value, (*prefix, i)))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=12)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        ["30d", "0s", "500ms", "1.5s", "5%", "", "{{window}}", "rate(x[{{window}}])", "job=",
         "Support_Agent", "100", "-1", "true", "null", "latency", "satisfaction", "raw"]
    ),
)
_values = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=3),
    st.dictionaries(_keys, _scalars, max_size=3),
)


@st.composite
def mutated_specs(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(EXAMPLE_DATA)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        op = draw(st.sampled_from(["delete", "replace", "add", "rename"]))
        if op == "add" or not paths:
            parent = _get(doc, draw(st.sampled_from(_containers(doc))))
            parent[draw(_keys)] = draw(_values)
            continue
        path = draw(st.sampled_from(paths))
        parent = _get(doc, path[:-1])
        last = path[-1]
        if op == "delete":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(_values)
        elif isinstance(parent, dict):  # rename
            new = draw(_keys)
            parent[new] = parent.pop(last)
        else:
            parent[last] = draw(_values)
    return doc


def key_lines(text: str) -> dict[str, int]:
    """`a.b[0].c` -> the line of that key, read straight from PyYAML's node tree."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = f"{path}.{key.value}" if path else str(key.value)
                lines[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[f"{path}[{i}]"] = item.start_mark.line + 1
                walk(item, f"{path}[{i}]")

    root = yaml.compose(text)
    assert root is not None
    walk(root, "")
    return lines


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_specs())
def test_mutated_example_compiles_or_fails_cleanly(doc: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.yaml"
        text = yaml.safe_dump(doc, sort_keys=False)
        spec.write_text(text, encoding="utf-8")
        out = make_out(Path(tmp))
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["compile-rules", str(spec), "-o", str(out)])
        err = stderr.getvalue()
        assert "Traceback" not in err
        if code == 0:
            assert err == ""
            written = sorted(p.name for p in out.iterdir())
            assert len(written) > 1 and SENTINEL in written
            assert all((out / name).stat().st_size > 0 for name in written)
            return
        assert code == 2, err
        lines = err.splitlines()
        assert len(lines) == 1, err
        match = re.match(rf"^error: {re.escape(str(spec))}:(\d+): (?:(\S+): )?.+$", lines[0])
        assert match, lines[0]
        assert stdout.getvalue() == ""
        assert_untouched(out)
        # An error that names a key the file has must point at that key's line.
        line, path = int(match.group(1)), match.group(2)
        known = key_lines(text)
        if path in known:
            assert line == known[path], (lines[0], known[path])
