"""Hostile names within (and just outside) Sloth's NameRegexp: the longest name, names that
differ only in case, a trailing dot, one character, digits and dots. Each is compiled and loaded
by the real tools (importers/test_names.every_output), or refused with one located line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.alerting.conftest import amtool
from tests.dashboards.conftest import dashboard_schema
from tests.hostile.located import assert_located_at
from tests.importers.test_names import every_output

from adk_observe.loader.load import load_file
from adk_observe.render import dump_yaml

__all__ = ["amtool", "dashboard_schema"]

WINDOW = "{{.window}}"
LONGEST = "A" + "b_c.D-" * 21 + "z"  # 128 characters, Sloth's CRD limit on an SLO name


def _service(name: str, *slos: str) -> dict[str, Any]:
    return {
        "version": "prometheus/v1",
        "service": name,
        "slos": [
            {
                "name": slo,
                "objective": 99.9,
                "sli": {
                    "events": {
                        "error_query": f'sum(rate(errors_total{{slo="{slo}"}}[{WINDOW}]))',
                        "total_query": f'sum(rate(requests_total{{slo="{slo}"}}[{WINDOW}]))',
                    }
                },
            }
            for slo in slos
        ],
    }


def _write(tmp_path: Path, *services: dict[str, Any]) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text("---\n".join(dump_yaml(s, with_header=False) for s in services))
    return path


ACCEPTED = {
    "the longest name, as service and SLO": (LONGEST, (LONGEST,)),
    "one character": ("a", ("b",)),
    "digits and a dot": ("1.2", ("3.4",)),
    "separators side by side": ("a_.b", ("c..d", "e-_f")),
    "SLO names that differ only in case": ("Payments", ("Latency", "latency")),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_hostile_sloth_names_compile_and_load_in_the_real_tools(
    promtool: str, amtool: str, dashboard_schema: dict[str, Any], tmp_path: Path, case: str
) -> None:
    service, slos = ACCEPTED[case]
    spec = _write(tmp_path, _service(service, *slos))
    (loaded,) = load_file(spec)
    assert [dict(s.labels)["sloth_id"] for s in loaded.slos] == [f"{service}-{s}" for s in slos]
    rule, config, uids = every_output(
        (promtool, amtool), dashboard_schema, spec, tmp_path / "out", service
    )
    assert len(rule) <= 253 and len(config) <= 253
    assert len(uids) == 2 and all(len(uid) <= 40 for uid in uids)
    # The runbooks keep SLO names as written: two files where names differ only in case.
    runbooks = sorted(p.name for p in (tmp_path / "out" / "rb" / service).iterdir())
    assert len(runbooks) == 2 * len(slos)


def test_a_name_past_128_characters_is_refused_at_its_key(tmp_path: Path) -> None:
    spec = _write(tmp_path, _service(LONGEST + "9", "ok"))
    assert_located_at(spec, 2, "service", "String should have at most 128 characters")


def test_a_name_ending_in_a_dot_is_refused_as_sloth_refuses_it(tmp_path: Path) -> None:
    spec = _write(tmp_path, _service("payments", "latency."))
    assert_located_at(spec, 4, "slos[0].name", "'latency.' is not a Sloth name")


def test_two_services_that_differ_only_in_case_are_refused_at_the_second(tmp_path: Path) -> None:
    spec = _write(tmp_path, _service("Payments", "latency"), _service("payments", "latency"))
    line = spec.read_text().splitlines().index("service: payments") + 1
    message = "derives the identifier 'payments' of service 'Payments'"
    assert_located_at(spec, line, "service", message)
