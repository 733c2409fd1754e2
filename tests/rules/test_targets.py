"""`compile-rules --target prometheus|thanos|mimir`: one output per rule engine, each checked
offline against that engine's own fields and limits, each proven by the same promtool scenarios
on its Prometheus form. A new engine is its row in rules/targets.py (and an offline check in
rules/engines.py when none there fits): a test-only row shows what follows from it."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.rules.support import ROOT, compile_rules, run_parallel, run_promtool, tree

from adk_observe.cli import main
from adk_observe.loader.load import load_specs
from adk_observe.rules import compile_service
from adk_observe.rules.engines import (
    Limits,
    check_mimir,
    check_prometheus,
    check_thanos,
)
from adk_observe.rules.split import dependencies, split_group
from adk_observe.rules.targets import TARGETS, Target, TargetOptions, shape
from adk_observe.rules.types import Alert, Recording, RuleGroup

HERE = Path(__file__).parent / "promtool"
# Six window pairs: 22 rules in the SLO's group, and SLONoData: a group Mimir must split.
WIDE = HERE / "wide_windows.yaml"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _load(path: Path) -> Any:
    text = path.read_text()
    return yaml.safe_load(text)


def _compile(tmp_path: Path, spec: Path, target: str, *extra: str) -> Path:
    out = tmp_path / target
    assert compile_rules(spec, out, "--target", target, *extra) == 0
    return out


def test_a_new_engine_is_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_doc_tables import COMMANDS, command_problems, doc_text

    assert command_problems(doc_text.text(COMMANDS)) == []
    # The whole addition: its row (an engine that warns on a partial answer, checked as Thanos).
    toy = Target(
        "toy",
        check_thanos,
        "a test-only engine",
        group_fields=lambda options: {"partial_response_strategy": "warn"},
    )
    monkeypatch.setitem(TARGETS, toy.name, toy)
    spec = str(ROOT / "examples" / "support-agent.yaml")
    out = str(tmp_path)
    assert main(["compile-rules", spec, "--target", "toy", "-o", out, "--emit-tests"]) == 0
    (written,) = tmp_path.glob("*.toy.rules.yaml")
    groups = yaml.safe_load(written.read_text())["groups"]
    assert {g["partial_response_strategy"] for g in groups} == {"warn"}
    plain = yaml.safe_load(written.with_name(written.name.replace(".toy", "")).read_text())
    assert [g["name"] for g in plain["groups"]] == [g["name"] for g in groups]  # for promtool
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["compile-rules", "--help"])
    assert "toy (a test-only engine)" in " ".join(capsys.readouterr().out.split())
    # docs/commands.md must list it before it ships.
    assert "compile-rules --target: toy not explained" in command_problems(doc_text.text(COMMANDS))


def test_the_default_target_is_todays_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # the generated-by header names the spec as `make gen` does
    spec = Path("examples") / "support-agent.yaml"
    assert compile_rules(spec, tmp_path / "plain", "--emit-tests") == 0
    explicit = _compile(tmp_path, spec, "prometheus", "--emit-tests")
    assert tree(tmp_path / "plain") == tree(explicit)
    # ... and what `make gen` committed (the goldens of rules/ are unchanged by the targets).
    assert tree(explicit) == tree(ROOT / "rules")


@pytest.mark.parametrize("spec", [*EXAMPLES, WIDE], ids=lambda p: p.name)
def test_mimir_groups_fit_the_tenant_limit_recordings_first(spec: Path, tmp_path: Path) -> None:
    out = _compile(tmp_path, spec, "mimir")
    (path,) = out.glob("*.mimir.rules.yaml")
    doc = _load(path)
    service = load_specs([spec])[0].name
    assert doc["namespace"] == service  # one namespace per service: what mimirtool loads
    assert list(doc) == ["namespace", "groups"]
    assert all(len(g["rules"]) <= 20 for g in doc["groups"])
    assert check_mimir(doc) == []
    # Recordings come before every rule that reads them, across the groups of the file too.
    recorded: set[str] = set()
    every = {r["record"] for g in doc["groups"] for r in g["rules"] if "record" in r}
    for group in doc["groups"]:
        for rule in group["rules"]:
            for name in every - recorded:
                assert name not in rule["expr"].replace(f"{name}_", ""), (group["name"], rule)
            if "record" in rule:
                recorded.add(rule["record"])


def test_a_group_of_21_rules_fails_the_mimir_check() -> None:
    rules = [{"record": f"x:y:r{i}", "expr": "vector(1)"} for i in range(21)]
    doc = {"namespace": "svc", "groups": [{"name": "g", "rules": rules}]}
    problems = check_mimir(doc)
    assert problems == [
        "group 'g': 21 rules, over the 20 a group may hold (-ruler.max-rules-per-rule-group)"
    ]
    doc["groups"][0]["rules"] = rules[:20]
    assert check_mimir(doc) == []


def test_the_mimir_check_refuses_what_mimir_refuses() -> None:
    good = {"namespace": "svc", "groups": [{"name": "g", "rules": [
        {"record": "a:b:c", "expr": "vector(1)"},
        {"alert": "A", "expr": "a:b:c > 0", "for": "1m"},
    ]}]}
    assert check_mimir(good) == []
    cases = {
        "no namespace": ({"namespace": ""}, "no namespace"),
        "a Thanos field": (
            {"groups": [{**good["groups"][0], "partial_response_strategy": "abort"}]},
            "Mimir does not accept the field 'partial_response_strategy'",
        ),
        "71 groups": (
            {"groups": [{"name": f"g{i}", "rules": [{"record": "a:b:c", "expr": "1"}]}
                        for i in range(71)]},
            "71 groups, over the 70",
        ),
        "an alert before its recording": (
            {"groups": [{"name": "g", "rules": list(reversed(good["groups"][0]["rules"]))}]},
            "reads a:b:c, which is recorded only later",
        ),
        "a bad offset": ({"groups": [{**good["groups"][0], "query_offset": "soon"}]},
                         "query_offset"),
        "a repeated group": ({"groups": good["groups"] * 2}, "repeated"),
    }
    for name, (change, expected) in cases.items():
        doc = {**copy.deepcopy(good), **change}
        problems = check_mimir(doc)
        assert any(expected in p for p in problems), (name, problems)


def test_thanos_groups_all_abort_on_partial_responses(tmp_path: Path) -> None:
    for spec in [*EXAMPLES, WIDE]:
        out = _compile(tmp_path / spec.stem, spec, "thanos")
        (path,) = out.glob("*.thanos.rules.yaml")
        doc = _load(path)
        assert doc["groups"]
        assert {g["partial_response_strategy"] for g in doc["groups"]} == {"abort"}
        assert check_thanos(doc) == []
        del doc["groups"][-1]["partial_response_strategy"]
        assert check_thanos(doc) == [
            f"group {doc['groups'][-1]['name']!r}: no partial_response_strategy"
        ]
        doc["groups"][-1]["partial_response_strategy"] = "maybe"
        assert "neither warn nor abort" in check_thanos(doc)[0]


def test_the_prometheus_check_agrees_with_promtool(promtool: str, tmp_path: Path) -> None:
    """promtool 2.42 refuses the Thanos and Mimir files and takes their Prometheus forms; the
    offline Prometheus check says the same of each file."""
    spec = WIDE
    files = []
    for target in TARGETS:
        out = _compile(tmp_path, spec, target, "--emit-tests")
        files += sorted(out.glob("*.rules.yaml"))
    assert len(files) == 5  # prometheus; thanos + its Prometheus form; mimir + its form
    for path in files:
        result = run_promtool(promtool, "check", "rules", str(path))
        offline = check_prometheus(_load(path))
        assert (result.returncode == 0) == (offline == []), (path.name, offline, result.stdout)
        assert (result.returncode == 0) == (path.name == "wide.rules.yaml"), path.name


@pytest.mark.slow  # promtool scenarios of the split groups (about a minute)
def test_every_target_passes_the_emitted_scenarios_in_its_prometheus_form(
    promtool: str, tmp_path: Path
) -> None:
    """The split Mimir groups in their Prometheus form pass the same detection scenarios; the
    Thanos groups are unsplit, so their Prometheus form is the default target's file itself."""
    plain = _compile(tmp_path, WIDE, "prometheus", "--emit-tests")
    jobs = []
    for target in ("thanos", "mimir"):
        out = _compile(tmp_path, WIDE, target, "--emit-tests")
        form = _load(out / "wide.rules.yaml")
        engine = _load(out / f"wide.{target}.rules.yaml")
        # The same groups and rules, without the engine's own fields.
        assert [g["rules"] for g in form["groups"]] == [g["rules"] for g in engine["groups"]]
        if target == "thanos":  # the very file (and tests) of the default target
            assert tree(out) == {**tree(plain), "wide.thanos.rules.yaml": tree(out)[
                "wide.thanos.rules.yaml"]}
            continue
        jobs += [(out, ["test", "rules", p.name]) for p in sorted(out.glob("*test.yaml"))]
    assert len(jobs) == 3
    for code, output in run_parallel(promtool, jobs):
        assert code == 0, output


def test_query_offset_goes_on_every_mimir_group(tmp_path: Path) -> None:
    out = _compile(tmp_path, WIDE, "mimir", "--query-offset", "1m")
    doc = _load(out / "wide.mimir.rules.yaml")
    assert {g["query_offset"] for g in doc["groups"]} == {"1m"}
    assert [list(g)[:2] for g in doc["groups"]] == [["name", "query_offset"]] * len(doc["groups"])


def test_options_of_another_target_are_refused(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for target in ("prometheus", "thanos"):
        for option in (["--query-offset", "1m"], ["--rules-per-group", "10"]):
            code = compile_rules(WIDE, tmp_path / "out", "--target", target, *option)
            err = capsys.readouterr().err
            assert code == 2
            assert err == f"error: {option[0]} applies to --target mimir only\n"
    assert not (tmp_path / "out").exists()


def test_a_smaller_tenant_limit_splits_more(tmp_path: Path) -> None:
    out = _compile(tmp_path, WIDE, "mimir", "--rules-per-group", "8")
    doc = _load(out / "wide.mimir.rules.yaml")
    assert max(len(g["rules"]) for g in doc["groups"]) == 8
    assert check_mimir(doc, Limits(rules_per_group=8)) == []


def test_a_limit_that_forces_lag_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three rules per group cannot keep an alert with the two ratios and the rates it reads.
    assert compile_rules(WIDE, tmp_path, "--target", "mimir", "--rules-per-group", "3") == 0
    err = capsys.readouterr().err
    assert "reads slo:sli_error:ratio_rate" in err
    assert "from another group: one evaluation late" in err


def _chain(n: int) -> RuleGroup:
    """n recordings each reading the previous one, then an alert reading the first."""
    rules: list[Recording | Alert] = [Recording("a:r:0", "vector(1)")]
    rules += [Recording(f"a:r:{i}", f"a:r:{i - 1} + 1") for i in range(1, n)]
    rules.append(Alert("A", "a:r:0 > 0"))
    return RuleGroup("g", tuple(rules))


def test_split_keeps_alerts_with_what_they_read() -> None:
    group = _chain(20)  # 21 rules
    split = split_group(group, 20)
    # The alert follows what it reads, in the same group; the chain is cut once, where the
    # first cut of equal cost falls: one recording reads the previous group's.
    assert [len(g.rules) for g in split.groups] == [2, 19]
    assert [g.name for g in split.groups] == ["g", "g-part2"]
    assert split.groups[0].rules == (group.rules[0], group.rules[-1])
    assert split.groups[1].rules == group.rules[1:-1]
    assert [(r.reader, r.recording, r.alert) for r in split.lagged] == [
        ("a:r:1", "a:r:0", False)
    ]


def test_split_leaves_a_group_that_fits_alone() -> None:
    group = _chain(19)
    assert split_group(group, 20).groups == (group,)


def test_dependencies_are_read_from_the_expressions() -> None:
    group = _chain(3)
    assert dependencies(group.rules) == [set(), {0}, {1}, {0}]


def _go_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """The CRD's patterns are Go RE2: `^(?i)(abort|warn)?$` puts the flag after the anchor,
    which Python's `re` refuses; the same pattern with the flag first means the same."""
    import jsonschema

    if isinstance(instance, str):
        python = re.sub(r"^\^\(\?i\)", "(?i)^", pattern)
        if not re.search(python, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


def test_operator_documents_of_every_target_fit_the_prometheusrule_schema() -> None:
    import jsonschema
    from tests.rules.test_golden import _prometheusrule_schema

    validator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": _go_pattern})
    spec = load_specs([WIDE])[0]
    schema = _prometheusrule_schema()
    for target in TARGETS.values():
        out = shape(spec, compile_service(spec), target, TargetOptions("1m"), operator=True)
        validator(schema).validate(out.document)
        assert out.problems == ()
    broken = copy.deepcopy(out.document)
    broken["spec"]["groups"][0]["partial_response_strategy"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        validator(schema).validate(broken)


@pytest.mark.parametrize("engine", ["thanos", "mimir"])
def test_golden_engine_files_pass_their_offline_check(engine: str) -> None:
    from tests.rules.support import GOLDEN

    files = sorted(GOLDEN.glob(f"rules-*/out/{engine}/*.{engine}.rules.yaml"))
    assert len(files) == 5
    check = {"thanos": check_thanos, "mimir": check_mimir}[engine]
    for path in files:
        assert check(_load(path)) == [], path
