"""Bucket bounds of latency SLIs in adk-observe/v1 (loader/buckets.py): our own histograms
refuse a threshold between bounds; another histogram's threshold that no client default has
compiles with a note saying the bucket is assumed (`lint --prometheus` checks it live)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adk_observe.errors import SpecError
from adk_observe.loader.load import load_file

SPEC = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {{name: api}}
spec:
  slos:
    - name: reads
      objective: 99
      sli:
        latency:
          metric: {metric}
          threshold: {threshold}
{extra}"""


def _load(tmp_path: Path, metric: str, threshold: str, extra: str = "") -> tuple[str, object]:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.format(metric=metric, threshold=threshold, extra=extra), "utf-8")
    (spec,) = load_file(path)
    return str(path), spec


def test_an_unknown_histogram_threshold_is_noted_at_its_line(tmp_path: Path) -> None:
    file, spec = _load(tmp_path, "apiserver_request_duration_seconds_bucket", "400ms")
    assert spec.extra == (  # type: ignore[attr-defined]
        (
            f"{file}:11: spec.slos[0].sli.latency.threshold",
            "0.4 is not a default bucket bound of the client libraries: the rules assume "
            "apiserver_request_duration_seconds has a bucket le=0.4 (check it with "
            "`adk-observe lint --prometheus URL`); without one every observation counts as an "
            "error",
        ),
    )


@pytest.mark.parametrize(
    ("threshold", "extra"),
    [("500ms", ""), ("400ms", "          buckets: [0.1, 0.4, 1]\n")],
    ids=["a client default bound", "listed buckets"],
)
def test_no_note_when_the_bound_is_known(tmp_path: Path, threshold: str, extra: str) -> None:
    _, spec = _load(tmp_path, "apiserver_request_duration_seconds", threshold, extra)
    assert spec.extra == ()  # type: ignore[attr-defined]


@pytest.mark.parametrize("extra", ["", "          buckets: [0.1, 0.3, 1]\n"])
def test_our_own_histogram_refuses_a_threshold_between_bounds(tmp_path: Path, extra: str) -> None:
    with pytest.raises(SpecError) as info:
        _load(tmp_path, "adk_agent_request_duration_seconds", "300ms", extra)
    assert (info.value.line, info.value.path) == (11, "spec.slos[0].sli.latency.threshold")
    assert info.value.message.startswith(
        "0.3 is not a bucket bound of adk_agent_request_duration_seconds (bounds: 0.1, 0.25, "
    )
