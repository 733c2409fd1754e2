"""Hostile `spec.maintenance`: time zones that are paths or do not exist, ranges Alertmanager 0.25
refuses (timeinterval.go), windows across midnight, floods of windows.

Each generated case must be one located exit-2 line for every spec-reading command; the
accepted side of each limit must load in amtool (so the generated configuration always does).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.conftest import require_tool
from tests.hostile.located import assert_located_at
from tests.hostile.test_corpus import run

BASE = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: shop}
spec:
  slos:
    - {name: ok, objective: 99, sli: {builtin: success}}
  maintenance:
    - WINDOW
"""
LINE = 8
GOOD = {"name": "release", "weekdays": "[tuesday]", "times": "['20:00-21:00']", "location": "UTC"}


def _window(**fields: str) -> str:
    body = {**GOOD, **fields}
    return "{" + ", ".join(f"{k}: {v}" for k, v in body.items()) + "}"


# (id, window, key path under spec.maintenance[0], a phrase of the reason)
Case = tuple[str, str, str, str]

BAD: dict[str, list[tuple[str, str]]] = {
    "location": [
        ("../../../etc/passwd", "is not an IANA time zone"),
        ("/etc/localtime", "is not an IANA time zone"),
        ("Local", "is not an IANA time zone"),
        ("Mars/Olympus_Mons", "is not an IANA time zone"),
        ("'UTC\\n'", "is not an IANA time zone"),
        ("'" + "Europe/" * 40 + "'", "is not an IANA time zone"),
    ],
    "weekdays": [
        ("[saturday:sunday]", "may not wrap"),
        ("[funday]", "is not a weekday"),
        ("[monday:tuesday:friday]", "is not a value or a range like a:b"),
        ("[]", "List should have at least 1 item"),
    ],
    "times": [
        ("['23:00-01:00']", "a window across midnight is two windows"),
        ("['10:00-10:00']", "the end is not after the start"),
        ("['24:00-24:00']", "is not a time range"),
        ("['25:00-26:00']", "is not a time range"),
        ("['9:00-10:00']", "is not a time range"),
        ("['10:00']", "is not a time range"),
    ],
    "days_of_month": [
        ("[0]", "is not a day of the month"),
        ("[32]", "is not a day of the month"),
        ("['-1:5']", "must end there too"),
        ("['20:10']", "always before the start day"),
        ("[true]", "must be a day like 1, -1 or a range like 1:7"),
    ],
    "months": [
        ("['march:january']", "the end month is before the start month"),
        ("[13]", "Input should be a valid string"),
        ("[smarch]", "is not a month"),
    ],
    "years": [("[1999]", "is not a year 2000..2999"), ("['2027:2026']", "is not a year")],
    "name": [("'Release Night'", "String should match pattern")],
}


def _cases() -> list[Case]:
    out = []
    for key, values in BAD.items():
        for i, (value, reason) in enumerate(values):
            path = key if key in ("location", "name") else f"{key}[0]"
            if value in ("[]",):
                path = key
            out.append((f"{key}-{i}", _window(**{key: value}), path, reason))
    return out


CASES = _cases()


@pytest.mark.parametrize(("case", "window", "key", "reason"), CASES, ids=[c[0] for c in CASES])
def test_hostile_window_is_one_located_error_for_every_command(
    case: str, window: str, key: str, reason: str, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE.replace("WINDOW", window), encoding="utf-8")
    assert_located_at(spec, LINE, f"spec.maintenance[0].{key}", reason)


def test_too_many_windows_is_refused(tmp_path: Path) -> None:
    windows = "\n".join(f"    - {_window(name=f'w{i}')}" for i in range(51))
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE.replace("    - WINDOW", windows), encoding="utf-8")
    code, _, err = run("validate", str(spec))
    assert (code, err) == (
        2,
        f"error: {spec}:7: spec.maintenance: List should have at most 50 items after "
        "validation, not 51\n",
    )


def test_two_windows_may_not_share_a_name(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE.replace("- WINDOW", f"- {_window()}\n    - {_window()}"))
    code, _, err = run("validate", str(spec))
    assert (code, err) == (
        2,
        f"error: {spec}:9: spec.maintenance[1].name: duplicate maintenance window 'release'\n",
    )


ACCEPTED = [
    _window(
        weekdays="['Monday:Friday', sunday]",
        times="['00:00-06:00', '22:00-24:00']",
        location="Europe/Berlin",
    ),
    _window(
        days_of_month="[1, '-7:-1', '10:20']",
        months="[january, '3:5', 'june:december']",
        years="[2026, '2027:2030']",
        location="America/Argentina/Buenos_Aires",
    ),
]


@pytest.mark.parametrize("window", ACCEPTED)
def test_the_accepted_side_loads_in_amtool(window: str, tmp_path: Path) -> None:
    amtool = require_tool("amtool", "prometheus-alertmanager")
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE.replace("WINDOW", window), encoding="utf-8")
    code, _, err = run("alertmanager", str(spec), "-o", str(tmp_path / "am"))
    assert (code, err.count("error")) == (0, 0), err
    done = subprocess.run(
        [amtool, "check-config", str(tmp_path / "am" / "alertmanager.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
