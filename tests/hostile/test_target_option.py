"""Hostile `compile-rules --target` and its options (`--query-offset`, `--rules-per-group`,
`--groups-per-tenant`): unknown engines, durations and counts that are not, options of another
engine, limits no output can meet. Each is exit 2 with the error on stderr, nothing written; an
output the engine's offline check refuses is one line naming the file, never a partial folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hostile.test_corpus import run

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "support-agent.yaml"
WIDE = ROOT / "tests" / "rules" / "promtool" / "wide_windows.yaml"


def _cases() -> list[tuple[str, list[str], str]]:
    """(id, arguments, what stderr says)."""
    cases = []
    for target in ("", "MIMIR", "cortex", "prometheus ", "mimir;rm -rf /", "../x"):
        cases.append((f"target-{target!r}", ["--target", target], "invalid choice"))
    for offset in ("", "soon", "-1m", "1", "0s", "1.5m", "99999d", "1m 2s", "1m\n"):
        cases.append((f"offset-{offset!r}", ["--target", "mimir", "--query-offset", offset],
                      "--query-offset"))
    for count in ("0", "-1", "1e3", "twenty", "", "100001", "9" * 40):
        for flag in ("--rules-per-group", "--groups-per-tenant"):
            cases.append((f"{flag}-{count[:10]!r}", ["--target", "mimir", flag, count], flag))
    for flag, value in (("--query-offset", "1m"), ("--rules-per-group", "10"),
                        ("--groups-per-tenant", "5")):
        for target in ("prometheus", "thanos"):
            cases.append((f"{flag}-with-{target}", ["--target", target, flag, value],
                          f"error: {flag} applies to --target mimir only"))
    return cases


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_target_options_are_refused(case: tuple[str, list[str], str],
                                            tmp_path: Path) -> None:
    _, args, message = case
    out = tmp_path / "out"
    try:
        code, stdout, stderr = run("compile-rules", str(SPEC), "-o", str(out), *args)
    except SystemExit as exc:  # argparse: usage and one error line, exit 2
        code, stdout, stderr = int(exc.code or 0), "", ""
    assert code == 2
    assert stdout == ""
    assert not out.exists()
    if stderr:
        assert message in stderr and "Traceback" not in stderr


def test_a_limit_no_output_can_meet_is_one_line(tmp_path: Path) -> None:
    """Four groups cannot hold the example's 5: the Mimir check refuses the output before any
    file is written, naming the spec."""
    out = tmp_path / "out"
    code, stdout, stderr = run("compile-rules", str(SPEC), "-o", str(out), "--target", "mimir",
                               "--groups-per-tenant", "4")
    assert (code, stdout) == (2, "")
    assert stderr == (
        f"error: {SPEC}: the mimir rule file of support-agent would not load: namespace "
        "'support-agent': 5 groups, over the 4 a tenant may hold "
        "(-ruler.max-rule-groups-per-tenant)\n"
    )
    assert not out.exists()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 40))
def test_any_rules_per_group_gives_groups_within_it(tmp_path: Path, limit: int) -> None:
    """Whatever the tenant's limit, every group fits it and the offline check passes."""
    import yaml

    from adk_observe.rules.engines import Limits, check_mimir

    out = tmp_path / f"out-{limit}"
    code, _, stderr = run("compile-rules", str(WIDE), "-o", str(out), "--target", "mimir",
                          "--rules-per-group", str(limit), "--groups-per-tenant", "1000")
    assert code == 0, stderr
    doc = yaml.safe_load((out / "wide.mimir.rules.yaml").read_text())
    assert max(len(g["rules"]) for g in doc["groups"]) <= limit
    assert check_mimir(doc, Limits(limit, 1000)) == []
