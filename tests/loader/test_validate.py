"""One validation of the mapped model: the same rule, with the same words, for every format, at
the line and key of the user's own file."""

from __future__ import annotations

from pathlib import Path

import pytest

from adk_observe.errors import SpecError
from adk_observe.loader.load import load_file

V1 = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: svc}
spec:
  slos:
    - name: ok
      objective: 99
      sli: {builtin: success}
    - name: bad
      objective: OBJECTIVE
      labels: {LABEL: x}
      sli: {builtin: success}
"""

SLOTH = """version: prometheus/v1
service: svc
slos:
  - name: ok
    objective: 99
    sli: {raw: {error_ratio_query: 'x[{{.window}}]'}}
    alerting: {}
  - name: bad
    objective: OBJECTIVE
    labels: {LABEL: x}
    sli: {raw: {error_ratio_query: 'x[{{.window}}]'}}
    alerting: {}
"""

OPENSLO = """apiVersion: openslo/v1
kind: SLO
metadata: {name: ok}
spec:
  service: svc
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: e}
    spec: {ratioMetric: {counter: true, bad: {metricSource: {type: Prometheus, spec: {query: b}}},
                         total: {metricSource: {type: Prometheus, spec: {query: t}}}}}
  objectives: [{target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: bad
  labels: {LABEL: x}
spec:
  service: svc
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: e2}
    spec: {ratioMetric: {counter: true, bad: {metricSource: {type: Prometheus, spec: {query: b}}},
                         total: {metricSource: {type: Prometheus, spec: {query: t}}}}}
  objectives: [{target: OBJECTIVE}]
"""

# format: (template, objective 100 as that format spells it, (line, key) of the bad objective,
# (line, key) of the bad SLO's label)
FORMATS = {
    "adk-observe/v1": (V1, "100", (10, "spec.slos[1].objective"), (11, "spec.slos[1].labels.slo")),
    "sloth": (SLOTH, "100", (9, "slos[1].objective"), (10, "slos[1].labels.slo")),
    "openslo": (OPENSLO, "", (25, "spec.objectives[0].target"), (17, "metadata.labels.slo")),
}


def _load(tmp_path: Path, text: str) -> SpecError:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_file(path)
    return info.value


# OpenSLO's own schema already caps target below 1 and targetPercent below 100, so only the
# formats whose schema allows 100 reach the model check.
@pytest.mark.parametrize("fmt", ["adk-observe/v1", "sloth"])
def test_an_objective_of_100_is_rejected_in_every_format(tmp_path: Path, fmt: str) -> None:
    template, hundred, (line, key), _ = FORMATS[fmt]
    err = _load(tmp_path, template.replace("OBJECTIVE", hundred).replace("LABEL", "team"))
    assert (err.line, err.path) == (line, key)
    assert err.message == (
        "objective 100.0 must be a percentage between 0 and 100 (exclusive): "
        "it leaves no error budget to burn"
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_reserved_label_is_rejected_in_every_format(tmp_path: Path, fmt: str) -> None:
    template, _, _, (line, key) = FORMATS[fmt]
    err = _load(
        tmp_path,
        template.replace("OBJECTIVE", "99" if fmt != "openslo" else "0.99").replace("LABEL", "slo"),
    )
    assert (err.line, err.path) == (line, key)
    assert err.message == "'slo' is set by the compiler on every SLO series and alert"


@pytest.mark.parametrize("fmt", ["adk-observe/v1", "sloth"])
def test_a_duplicate_slo_name_is_rejected_in_every_format(tmp_path: Path, fmt: str) -> None:
    template, _, (line, key), _ = FORMATS[fmt]
    text = (
        template.replace("OBJECTIVE", "99")
        .replace("LABEL", "team")
        .replace("name: bad", "name: ok")
    )
    err = _load(tmp_path, text)
    assert err.path == key.replace("objective", "name")
    assert err.line == line - 1
    first_line = line - 4 if fmt == "adk-observe/v1" else line - 5
    assert (
        err.message
        == f"duplicate SLO name 'ok' of service 'svc': already used at "
        f"{tmp_path / 'spec.yaml'}:{first_line}"
    )
