"""The labels the compiler sets are stated once (conventions.SLO_LABELS, BUDGET_LABELS): the
generated alerts carry exactly those, and the loader refuses each of them wherever a spec sets
labels, with the same words."""

from __future__ import annotations

from pathlib import Path

import pytest

from adk_observe import conventions as c
from adk_observe.cli import main
from adk_observe.loader.load import load_specs
from adk_observe.rules import compile_service
from adk_observe.rules.types import Alert

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-agent.yaml"  # SLOs and a spend budget


def _alerts() -> list[Alert]:
    (spec,) = load_specs([DEMO])
    return [r for g in compile_service(spec) for r in g.rules if isinstance(r, Alert)]


def test_every_burn_rate_alert_carries_the_compiler_labels() -> None:
    burn = [a for a in _alerts() if c.LABEL_BURN_FACTOR in dict(a.labels)]
    slo = [a for a in burn if c.LABEL_SLO in dict(a.labels)]
    budget = [a for a in burn if c.LABEL_BUDGET in dict(a.labels)]
    assert slo and budget and len(slo) + len(budget) == len(burn)
    for alert in slo:
        assert set(c.SLO_LABELS) <= set(dict(alert.labels)), alert.alert
    for alert in budget:
        assert set(c.BUDGET_LABELS) <= set(dict(alert.labels)), alert.alert


SPEC = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {{name: svc, labels: {{{where_metadata}}}}}
spec:
  slos:
    - name: s
      objective: 99
      labels: {{{where_slo}}}
      group_by: [{where_group}]
      sli: {{builtin: success}}
"""


@pytest.mark.parametrize("label", sorted({*c.SLO_LABELS, *c.BUDGET_LABELS, c.LABEL_ALERTNAME}))
@pytest.mark.parametrize("where", ["metadata", "slo", "group"])
def test_a_spec_may_set_no_label_the_compiler_sets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str, where: str
) -> None:
    fill = {"where_metadata": "", "where_slo": "", "where_group": ""}
    fill[f"where_{where}"] = label if where == "group" else f"{label}: x"
    path = tmp_path / "svc.yaml"
    path.write_text(SPEC.format(**fill))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    said = f"cannot group by '{label}': it" if where == "group" else f"'{label}'"
    assert f"{said} is set by the compiler on every " in err, err
