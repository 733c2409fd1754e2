"""Hostile values in the parameters of built-in SLIs (`sli: {builtin: KIND, PARAM: value}`).

Which keys a kind takes and how each is read come from its row (sli_kinds.py): a duration, a
number or a label value. A small generator plants hostile values in every parameter of every
shipped row and of a test-only row with a label-value parameter (the shape of a quality SLI by
evaluator, which reaches a PromQL matcher, a dashboard legend and an error message). Every
command must either succeed, its rule files loading in promtool, or exit 2 with one located line
at that parameter; never a traceback.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hostile.test_corpus import WITH_OUTPUT, run
from tests.hostile.test_gotemplate import mixed
from tests.test_sli_kinds import VERDICTS

from adk_observe import sli_kinds as k

ROWS = {**k.BUILTIN_KINDS, VERDICTS.name: VERDICTS}
PLACES = [(kind.name, param) for kind in ROWS.values() for param in kind.params]
# The commands that read SLIs (render-deploy reads the SLO names its analysis gates on).
COMMANDS = ("validate", "compile-rules", "dashboards", "lint")


def _base(kind: k.BuiltinKind) -> dict[str, Any]:
    """A valid SLI of the kind: its parameters at their examples."""
    sli: dict[str, Any] = {"builtin": kind.name}
    for param in kind.params:
        example = param.example
        sli[param.key] = float(example) if param.type is k.ParamType.NUMBER else example
    return sli


values = st.one_of(
    st.text(max_size=40),
    mixed,
    st.text(min_size=150, max_size=2000),
    st.sampled_from(
        ['a"b', "a\\b", "a\nb", "}", "{{ $value }}", "x\x00", "\u2028", "é", "500ms", "1.5s"]
    ),
    st.integers(-(10**30), 10**30),
    st.floats(),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def hostile_slis(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name, param = draw(st.sampled_from(PLACES))
    sli = _base(ROWS[name])
    sli[param.key] = draw(values)
    return param.key, sli


def _spec(sli: dict[str, Any]) -> str:
    doc = {
        "apiVersion": "adk-observe/v1",
        "kind": "AgentService",
        "metadata": {"name": "svc"},
        "spec": {"slos": [{"name": "s", "objective": 99, "sli": sli}]},
    }
    return yaml.dump(doc, allow_unicode=True, sort_keys=False, width=2**16)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hostile_slis())
def test_every_parameter_value_compiles_or_is_one_located_error(
    monkeypatch: pytest.MonkeyPatch, promtool: str, tmp_path: Path, drawn: tuple[str, Any]
) -> None:
    monkeypatch.setitem(k.BUILTIN_KINDS, VERDICTS.name, VERDICTS)
    key, sli = drawn
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    spec = work / "spec.yaml"
    spec.write_text(_spec(sli), encoding="utf-8")
    located = re.compile(
        rf"error: {re.escape(str(spec))}:\d+: spec\.slos\[0\]\.sli(\.{key})?: [^\n]{{1,300}}\n"
    )
    for command in COMMANDS:
        out = work / command
        argv = [command, str(spec), *(["-o", str(out)] if command in WITH_OUTPUT else [])]
        code, _, err = run(*argv)
        if code == 2:
            assert located.fullmatch(err), (command, err)
            assert not out.exists()
            continue
        assert code == 0, (command, code, err)
        if command == "compile-rules":
            files = sorted(str(p) for p in out.glob("*.rules.yaml"))
            check = subprocess.run(
                [promtool, "check", "rules", *files], capture_output=True, text=True
            )
            assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\nb", "must be one printable line"),
        # the recorder keeps 128 characters of a label value by default (docs: options table):
        # a longer evaluator would select nothing it records, an SLO in no-data for good
        ("x" * 129, "at most 128 characters"),
        ("{{ $value }}", "without {{"),
        ("", "must be a label value"),
        (7, "must be a label value"),
    ],
)
def test_a_label_value_parameter_refuses_what_a_matcher_cannot_hold(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: Any, message: str
) -> None:
    monkeypatch.setitem(k.BUILTIN_KINDS, VERDICTS.name, VERDICTS)
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec({"builtin": VERDICTS.name, "evaluator": value}), encoding="utf-8")
    code, _, err = run("validate", str(spec))
    assert code == 2 and "spec.slos[0].sli.evaluator: " in err and message in err, err


def test_quotes_and_backslashes_in_a_label_value_stay_inside_the_matcher(
    monkeypatch: pytest.MonkeyPatch, promtool: str, tmp_path: Path
) -> None:
    monkeypatch.setitem(k.BUILTIN_KINDS, VERDICTS.name, VERDICTS)
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec({"builtin": VERDICTS.name, "evaluator": 'a"} or vector(1) #\\'}))
    code, _, err = run("compile-rules", str(spec), "-o", str(tmp_path / "out"))
    assert code == 0, err
    rules = (tmp_path / "out" / "svc.rules.yaml").read_text()
    assert (
        'evaluator="a\\"} or vector(1) #\\\\"'
        in yaml.safe_load(rules)["groups"][0]["rules"][0]["expr"]
    )
    check = subprocess.run(
        [promtool, "check", "rules", str(tmp_path / "out" / "svc.rules.yaml")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("value", "bound"),
    [
        ("1.5s", "1.5"),  # a decimal duration, as Go and Kubernetes write it
        ("1500ms", "1.5"),
        ("0.5s", "0.5"),
        (1.5, "1.5"),
        ("0.05s", "0.05"),
    ],
)
def test_a_decimal_duration_threshold_is_the_same_bucket_as_its_number(
    promtool: str, tmp_path: Path, value: Any, bound: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec({"builtin": "time_to_first_token", "threshold": value}))
    out = tmp_path / "out"
    code, _, err = run("compile-rules", str(spec), "-o", str(out))
    assert code == 0, err
    first = yaml.safe_load((out / "svc.rules.yaml").read_text())["groups"][0]["rules"][0]
    le = bound.replace(".", "\\\\.")  # the regex `1\.5` in a PromQL string
    assert f'_bucket{{job="svc",le=~"{le}"}}' in first["expr"], first["expr"]
    check = subprocess.run(
        [promtool, "check", "rules", str(out / "svc.rules.yaml")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.5d", "is not a duration"),  # days and weeks stay whole (they are no latency)
        ("1.25s", "is not a bucket bound"),
        ("0.0s", "must be longer than zero"),
        ("9" * 400 + ".5h", "at most 3650d"),
        (".5s", "is not a duration"),
        ("1.5 s", "is not a duration"),
        ("\uff11.5s", "is not a duration"),  # a fullwidth digit is no digit here
        ("1.5s\n", "is not a duration"),
        ("500ms\n", "is not a duration"),  # a whole duration: the same end
    ],
)
def test_a_decimal_duration_threshold_that_is_no_bound_is_one_located_error(
    tmp_path: Path, value: str, message: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec({"builtin": "time_to_first_token", "threshold": value}))
    out = tmp_path / "out"
    code, _, err = run("compile-rules", str(spec), "-o", str(out))
    assert code == 2 and "spec.slos[0].sli.threshold: " in err and message in err, err
    assert len(err.splitlines()) == 1 and not out.exists(), err


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        ("time_to_first_token", "1500ms", "within 1.5s"),  # before: "within 1s500ms"
        ("time_to_first_token", "1.5s", "within 1.5s"),
        ("time_to_first_token", 1.5, "within 1.5s"),
        ("time_to_first_token", "1s", "within 1s"),
        ("time_to_first_token", "750ms", "within 750ms"),
        ("time_to_first_token", 0.05, "within 50ms"),
        ("time_to_first_token", "30s", "within 30s"),
        ("latency", "2.5s", "in under 2.5s"),
        ("latency", 60, "in under 1m"),
    ],
)
def test_the_slo_dashboard_states_a_threshold_as_a_person_writes_it(
    tmp_path: Path, kind: str, value: Any, shown: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec({"builtin": kind, "threshold": value}))
    out = tmp_path / "out"
    code, _, err = run("dashboards", str(spec), "-o", str(out))
    assert code == 0, err
    text = (out / "svc-slos.json").read_text()
    assert f" {shown} over 30d" in text, re.findall(r'"s: [^"]*"', text)


@pytest.mark.parametrize("value", [None, [1], {"s": 1}, True])
def test_a_threshold_that_is_neither_text_nor_a_number_asks_for_either(
    tmp_path: Path, value: Any
) -> None:
    # `threshold:` left empty in YAML is null. Before, it was told to write "a duration string
    # like 30s, 5m, 1h or 30d": no number, and examples that are no bucket bound of any kind.
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec({"builtin": "time_to_first_token", "threshold": value}))
    code, _, err = run("validate", str(spec))
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.endswith(
        "spec.slos[0].sli.threshold: must be a duration like 500ms or a number of seconds\n"
    ), err


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        # A duration of minutes is read in seconds, as the histogram's name says.
        ("time_to_first_token", "2m", "120 is not a bucket bound of "
         "adk_agent_time_to_first_token_seconds (bounds: 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, "
         "3, 5, 10, 30)"),
        ("time_to_first_token", "31s", "31 is not a bucket bound of "
         "adk_agent_time_to_first_token_seconds"),
        ("time_to_first_token", 1.2, "1.2 is not a bucket bound of "
         "adk_agent_time_to_first_token_seconds"),
        ("latency", "2s", "2 is not a bucket bound of adk_agent_request_duration_seconds "
         "(bounds: 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)"),
    ],
)
def test_an_off_bucket_threshold_names_the_histogram_and_its_bounds(
    tmp_path: Path, kind: str, value: Any, message: str
) -> None:
    # Two histograms share the first-token bounds (per turn and per model call): the line says
    # which one the SLI reads (before: "of the metric").
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec({"builtin": kind, "threshold": value}))
    out = tmp_path / "out"
    code, _, err = run("compile-rules", str(spec), "-o", str(out))
    assert code == 2 and len(err.splitlines()) == 1 and not out.exists(), err
    assert f"spec.slos[0].sli.threshold: {message}" in err, err
