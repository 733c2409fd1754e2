"""Hostile bucket bounds for `lint --prometheus URL` (checks/live_buckets.py).

`cases()` generates the `le` values a Prometheus (or a proxy, or an exporter that spells bounds
its own way) can answer to lint's `count by (le) (<metric>_bucket{...})`: the bound the rules
read in each spelling they match, spellings they do not match (`0.40`, `4e-01`, ` 0.4`, `0.4`
with a line break), values that are no number (`NaN`, `abc`, an escape, 1 MB of text), no `le`
at all, nothing, and 100,000 distinct bounds. Each must give the right verdict (a bound the
rules' `le=~` matcher does not match is a finding even when it is the same number) as one
bounded, printable line per finding, with no traceback. The shapes the client refuses
(exit 3) are lint's column of test_prometheus_answers.py; its options are in
test_cli_options.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.hostile.fake_prometheus import FakePrometheus, Reply, api
from tests.hostile.test_corpus import run

from adk_observe.errors import MESSAGE_LIMIT, printable

SPEC = Path(__file__).parent / "specs" / "apiserver-latency.yaml"
QUERY = 'count by (le) (apiserver_request_duration_seconds_bucket{verb="GET"})'
NO_BUCKET = "apiserver_request_duration_seconds has no bucket le=0.4 in Prometheus (its bounds: "
SPELLED = "apiserver_request_duration_seconds's bucket le=0.4 is spelled '"


@dataclass(frozen=True)
class Case:
    name: str
    les: list[str | None]  # one series per value; None: a series without `le`
    finding: str | None  # in the one finding line; None: lint passes


def cases() -> Iterator[Case]:
    real = ["0.005", "0.1", "0.2", "0.6", "1", "+Inf"]  # Go's spelling, without 0.4
    yield Case("Go's spelling", [*real, "0.4"], None)
    yield Case("the Python client's spelling", ["0.1", "0.4", "1.0", "+Inf"], None)
    yield Case("the bound among 10,000 duplicates", ["0.4"] * 10_000, None)
    yield Case("a bound the rules lack", real, NO_BUCKET + "0.005, 0.1, 0.2, 0.6, 1)")
    yield Case("nearly the bound", ["0.4000000001"], NO_BUCKET + "0.4000000001)")
    yield Case("the negative bound", ["-0.4"], NO_BUCKET + "-0.4)")
    for spelled, shown in (
        ("0.40", "0.40"),
        ("4e-01", "4e-01"),
        (" 0.4", " 0.4"),
        ("0.4\n", "0.4\\x0a"),
        ("+0.4", "+0.4"),
    ):
        yield Case(f"the bound spelled {spelled!r}", [spelled], SPELLED + shown + "', which")
    not_numbers = ["NaN", "+Inf", "-Inf", "", "abc", "1e400", "0.4\x1b[31m", "0.4\u202e"]
    for value in not_numbers:
        yield Case(f"le {value!r}", [value], NO_BUCKET + "none finite)")
    yield Case("1 MB of le", ["0." + "4" * 1_000_000], NO_BUCKET + "0.444444444444)")
    yield Case("series without le", [None, None], NO_BUCKET + "none finite)")
    yield Case("no series", [], "Prometheus has no apiserver_request_duration_seconds_bucket")
    many = [str(1 + i / 1000) for i in range(100_000)]
    yield Case("100,000 bounds", many, "1.039 and 99,960 more): every observation would count")


CASES = list(cases())


def _answer(les: list[str | None]) -> bytes:
    series = [{"metric": {} if le is None else {"le": le}, "value": [1, "1"]} for le in les]
    return api({"resultType": "vector", "result": series})


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_live_bounds_give_the_right_verdict_in_bounded_lines(case: Case) -> None:
    with FakePrometheus(lambda _: Reply(_answer(case.les))) as fake:
        code, out, err = run("lint", str(SPEC), "--prometheus", fake.url)
        assert [r.form.get("query") for r in fake.requests] == [QUERY]
    lines = err.splitlines()
    assert lines[0].startswith(f"note: {SPEC}:15: ")  # the compile's own note on the bucket
    for line in lines:
        assert len(line) <= MESSAGE_LIMIT + len(str(SPEC)) and printable(line, len(line)) == line
    if case.finding is None:
        assert (code, out, lines[1:]) == (0, "apiserver: ok\n", [])
        return
    assert (code, out, len(lines)) == (1, "apiserver: 1 problem(s)\n", 2)
    assert lines[1].startswith(f"{SPEC}: SLO reads: ") and case.finding in lines[1], lines[1]
    assert "Traceback" not in err


def test_the_generator_covers_every_verdict() -> None:
    findings = [c.finding or "" for c in CASES]
    assert "" in findings  # passes
    for kind in (NO_BUCKET, SPELLED, "Prometheus has no"):  # missing, misspelled, no series
        assert any(f.startswith(kind) for f in findings)
    assert len(CASES) >= 20
