"""SLI kinds are a table (rules/kinds.py): a new kind is one row plus its query and series
functions, and both the rule generators and the promtool test generator read that same row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import pytest
from tests.rules.support import run_promtool

from adk_observe import model as m
from adk_observe.dashboards.sli_text import sli_text
from adk_observe.render import dump_yaml
from adk_observe.rules import compile_service, rule_file, rule_file_name
from adk_observe.rules.kinds import KINDS, SLIKind, kind_of
from adk_observe.rules.series import Phase, histogram_series
from adk_observe.rules.sli import SLIQuery
from adk_observe.rules.unit_tests import test_files as promtool_tests
from adk_observe.windows import DEFAULT_WINDOWS

DAY = 86400


@dataclass(frozen=True)
class SlowAnswers:
    """A test-only SLI kind: answers of `agent` slower than `seconds` are errors."""

    agent: str
    seconds: float


def _query(spec: m.ServiceSpec, sli: SlowAnswers, by: tuple[str, ...]) -> SLIQuery:
    del by  # the SLO is not grouped (a grouped kind would aggregate `sum by (*by)`)
    sel = f'agent="{sli.agent}"'
    total = f"sum(rate(answer_seconds_count{{{sel}}}[{{{{window}}}}]))"
    fast = f'sum(rate(answer_seconds_bucket{{{sel},le="{sli.seconds}"}}[{{{{window}}}}]))'
    errors = f"{total} - ({fast} or vector(0))"
    return SLIQuery(
        ratio=f"(({errors}) or vector(0)) / ({total} > 0)",
        errors=f"({errors}) or vector(0)",
        total=total,
    )


def _series(spec: m.ServiceSpec, sli: SlowAnswers, phases: list[Phase]) -> list[dict[str, str]]:
    return histogram_series({"agent": sli.agent}, "answer_seconds", sli.seconds, False, phases)


def _spec(sli: object) -> m.ServiceSpec:
    slo = m.SLO(
        name="answers",
        objective=99.0,
        period=30 * DAY,
        sli=sli,  # type: ignore[arg-type]
        alerting=m.SLOAlerting(name="SvcAnswersBudgetBurn"),
        windows=DEFAULT_WINDOWS,
    )
    return m.ServiceSpec(
        name="svc", source=m.Source("svc.yaml"), slos=(slo,), agent_alerts=m.AgentAlerts(False)
    )


def test_every_sli_of_the_model_has_a_row() -> None:
    assert set(KINDS) == set(get_args(m.SLI))


def test_an_sli_without_a_row_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"no SLI kind row for SlowAnswers in rules/kinds\.py"):
        kind_of(SlowAnswers("a", 1.0))


def test_a_new_kind_is_a_row_and_its_rules_and_promtool_tests_follow(
    monkeypatch: pytest.MonkeyPatch, promtool: str, tmp_path: Path
) -> None:
    # The whole addition: one row (here registered by the test, in the source a line of
    # rules/kinds.py) and the two functions above (in the source: sli.py and series.py).
    monkeypatch.setitem(KINDS, SlowAnswers, SLIKind(_query, _series))
    spec = _spec(SlowAnswers("billing", 2.0))
    groups = compile_service(spec)
    exprs = [r.expr for g in groups for r in g.rules]
    assert (
        'sum(rate(answer_seconds_count{agent="billing"}[5m])) - '
        '(sum(rate(answer_seconds_bucket{agent="billing",le="2.0"}[5m])) or vector(0))'
    ) in "\n".join(exprs)

    tests = promtool_tests(spec, rule_file_name(spec))
    names = [t["name"] for doc in tests.values() for t in doc["tests"]]
    # 99% objective: 10x burn is 10% errors, paging on the 6h/30m pair after 6/10 x 6h = 3h36m.
    assert names == [
        "answers: a total outage pages (1h/5m) within 10m",
        "answers: 10% errors (10x burn) page (6h/30m) after 3h36m +/- 5m, not before",
        "answers: the 1h/5m page resolves within 10m after an outage ends",
        "answers: 0.5% errors (0.5x burn) for 3d never alert",
        "answers: zero traffic for 3d never alerts and records no error ratio",
    ]
    (tmp_path / rule_file_name(spec)).write_text(dump_yaml(rule_file(groups)))
    # The detection file proves the synthetic series drive the kind's rules (the multi-day quiet
    # file is the same machinery, and costs a minute of promtool on this shared machine).
    name = f"{spec.name}.rules.test.yaml"
    (tmp_path / name).write_text(dump_yaml(tests[name]))
    result = run_promtool(promtool, "test", "rules", name, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_kind_whose_row_has_no_series_gets_no_promtool_tests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `series=None` is stated in the row, never the default of a forgotten entry.
    monkeypatch.setitem(KINDS, SlowAnswers, SLIKind(_query, series=None))
    assert promtool_tests(_spec(SlowAnswers("billing", 2.0)), "svc.rules.yaml") == {}


def test_a_new_kind_without_its_dashboard_words_is_a_clear_error() -> None:
    # Not another type's words ("a custom error ratio" was the fallback): sli_text.py is in the
    # row of docs/architecture.md, and forgetting it fails the SLO dashboard loudly.
    with pytest.raises(TypeError, match=r"no words for SlowAnswers in dashboards/sli_text\.py"):
        sli_text(SlowAnswers("billing", 2.0))  # type: ignore[arg-type]
