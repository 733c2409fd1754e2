"""Hostile burn-rate tiers and budget-exhausted settings: `alert_windows.<severity>[].tier`,
`slos[].alerting.tiers.<tier>` and `slos[].alerting.budget_exhausted`.

A tier name becomes the `burn_tier` label of alert rules and a matcher value of the generated
inhibit rules, so it is held to a DNS label: template syntax, dots, line breaks, upper case and
non-ASCII letters never reach Prometheus or Alertmanager. Each generated case is one located
exit-2 line for every spec-reading command; the accepted side of each limit compiles into rules
promtool loads and a configuration amtool loads.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from tests.conftest import require_tool
from tests.hostile.located import assert_located_at
from tests.hostile.test_corpus import run

BASE = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: shop}
spec:
  alert_windows:
    page: [{tier: @NAME, long: 1h, short: 5m, factor: 14.4}]
    ticket: [{long: 1d, short: 2h, factor: 3}]
  slos:
    - name: ok
      objective: 99
      sli: {builtin: success}
      alerting:
        tiers: @TIERS
        budget_exhausted: @EXHAUSTED
"""
TIER_LINE, TIERS_LINE, EXHAUSTED_LINE = 6, 13, 14
GOOD = {"@NAME": "fast", "@TIERS": "{}", "@EXHAUSTED": "{}"}
ALERTING = "spec.slos[0].alerting"

# (placeholder, hostile value, line, key path, a phrase of the reason)
Case = tuple[str, str, int, str, str]


def _tier_names() -> list[Case]:
    """Tier names that are not DNS labels, as a table row's `tier` and as a `tiers` key."""
    names = ["'a..b'", "'{{ $labels.x }}'", "'fast\\n'", "'f\u00e4st'", "Fast", "'-fast'", "''"]
    out: list[Case] = []
    for name in names:
        path = "spec.alert_windows.page[0].tier"
        out.append(("@NAME", name, TIER_LINE, path, "String should"))
        shown = yaml.safe_load(name)
        out.append(
            (
                "@TIERS",
                f"{{{name}: {{enabled: false}}}}",
                TIERS_LINE,
                f"{ALERTING}.tiers.{shown}".replace("\n", "\\n"),
                "String should",
            )
        )
    out.append(
        ("@NAME", "a" * 64, TIER_LINE, "spec.alert_windows.page[0].tier", "at most 63 characters")
    )
    return out


CASES: list[Case] = [
    *_tier_names(),
    # A tier the SLO's table does not have: switching it off would silently do nothing.
    (
        "@TIERS",
        "{page-fast: {enabled: false}}",
        TIERS_LINE,
        f"{ALERTING}.tiers.page-fast",
        "no tier 'page-fast' in the SLO's alert windows (its tiers: fast, ticket-1d)",
    ),
    (
        "@TIERS",
        "{fast: {severity: critical}}",
        TIERS_LINE,
        f"{ALERTING}.tiers.fast.severity",
        "Input should be 'page' or 'ticket'",
    ),
    (
        "@TIERS",
        "{fast: {enabled: 'no'}}",
        TIERS_LINE,
        f"{ALERTING}.tiers.fast.enabled",
        "Input should be a valid boolean",
    ),
    (
        "@TIERS",
        "{fast: {enabled: false, for: 5m}}",
        TIERS_LINE,
        f"{ALERTING}.tiers.fast.for",
        "unknown key",
    ),
    ("@TIERS", "[fast]", TIERS_LINE, f"{ALERTING}.tiers", "Input should be a valid dictionary"),
    (
        "@EXHAUSTED",
        "{severity: critical}",
        EXHAUSTED_LINE,
        f"{ALERTING}.budget_exhausted.severity",
        "Input should be 'page' or 'ticket'",
    ),
    (
        "@EXHAUSTED",
        "{for: -5m}",
        EXHAUSTED_LINE,
        f"{ALERTING}.budget_exhausted.for",
        "is not a duration like 30s",
    ),
    (
        "@EXHAUSTED",
        "{for: '5m{{x}}'}",
        EXHAUSTED_LINE,
        f"{ALERTING}.budget_exhausted.for",
        "is not a duration like 30s",
    ),
    (
        "@EXHAUSTED",
        "{for: 100000d}",
        EXHAUSTED_LINE,
        f"{ALERTING}.budget_exhausted.for",
        "is longer than 3650d",
    ),
    (
        "@EXHAUSTED",
        "{enabled: 1}",
        EXHAUSTED_LINE,
        f"{ALERTING}.budget_exhausted.enabled",
        "Input should be a valid boolean",
    ),
    (
        "@EXHAUSTED",
        "{labels: {freeze: 'yes'}}",
        EXHAUSTED_LINE,
        f"{ALERTING}.budget_exhausted.labels",
        "unknown key",
    ),
]


def _spec(**values: str) -> str:
    text = BASE
    for placeholder, value in {**GOOD, **values}.items():
        text = text.replace(placeholder, value)
    return text


@pytest.mark.parametrize(
    ("placeholder", "value", "line", "key", "reason"),
    CASES,
    ids=[f"{c[0][1:].lower()}-{i}" for i, c in enumerate(CASES)],
)
def test_hostile_tier_setting_is_one_located_error_for_every_command(
    placeholder: str, value: str, line: int, key: str, reason: str, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec(**{placeholder: value}), encoding="utf-8")
    assert_located_at(spec, line, key, reason)


def test_every_tier_name_kind_has_a_case() -> None:
    assert {c[0] for c in CASES} == set(GOOD)


# The accepted side: the longest name, digits only, a severity moved, everything switched off.
ACCEPTED = [
    {"@NAME": "a" * 63},
    {"@NAME": "'1'", "@TIERS": "{'1': {severity: ticket}}"},
    {
        "@TIERS": "{fast: {enabled: false}, ticket-1d: {severity: page}}",
        "@EXHAUSTED": "{severity: page, for: 3650d}",
    },
    {
        "@TIERS": "{fast: {enabled: false}, ticket-1d: {enabled: false}}",
        "@EXHAUSTED": "{enabled: false}",
    },
]


@pytest.mark.parametrize("values", ACCEPTED, ids=range(len(ACCEPTED)))
def test_the_accepted_side_loads_in_promtool_and_amtool(
    values: dict[str, str], tmp_path: Path
) -> None:
    promtool = require_tool("promtool")
    amtool = require_tool("amtool", "prometheus-alertmanager")
    spec = tmp_path / "spec.yaml"
    spec.write_text(_spec(**values), encoding="utf-8")
    for argv in (
        ("compile-rules", str(spec), "-o", str(tmp_path / "rules")),
        ("alertmanager", str(spec), "-o", str(tmp_path / "am")),
    ):
        code, _, err = run(*argv)
        assert (code, err.count("error")) == (0, 0), err
    for check in (
        [promtool, "check", "rules", str(tmp_path / "rules" / "shop.rules.yaml")],
        [amtool, "check-config", str(tmp_path / "am" / "alertmanager.yml")],
    ):
        done = subprocess.run(check, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
