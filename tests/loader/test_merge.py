"""Sloth documents of one service are one service (loader/merge.py): the SLOs of every document
in the order given, the labels every document gives alike, the notes of every document."""

from __future__ import annotations

from pathlib import Path

import yaml

from adk_observe.cli import main
from adk_observe.loader.load import load_specs

FILE = """\
version: prometheus/v1
service: checkout
labels: {{team: shop, owner: {owner}}}
slos:
  - name: {slo}
    objective: 99
    sli:
      raw:
        error_ratio_query: sum(rate(errors_total[{{{{.window}}}}])) / sum(rate(requests_total[{{{{.window}}}}]))
"""  # noqa: E501
CRD = """\
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata:
  name: checkout-{slo}
  annotations: {{note: x}}
spec:
  service: checkout
  slos:
    - name: {slo}
      objective: 99
      sli:
        raw:
          errorRatioQuery: sum(rate(errors_total[{{{{.window}}}}])) / sum(rate(requests_total[{{{{.window}}}}]))
"""  # noqa: E501


def _files(tmp_path: Path, *slos: tuple[str, str]) -> list[Path]:
    paths = []
    for slo, owner in slos:
        path = tmp_path / f"{slo}.yaml"
        path.write_text(FILE.format(slo=slo, owner=owner))
        paths.append(path)
    return paths


def test_files_merge_in_the_order_given(tmp_path: Path) -> None:
    late, early = _files(tmp_path, ("late", "a"), ("early", "b"))
    (spec,) = load_specs([late, early])
    assert [slo.name for slo in spec.slos] == ["late", "early"]
    assert spec.source.file == str(late)


def test_a_team_every_document_gives_is_the_services_alertmanager_route(tmp_path: Path) -> None:
    paths = _files(tmp_path, ("availability", "alice"), ("latency", "bob"))
    (spec,) = load_specs(paths)
    assert spec.labels == (("team", "shop"),)  # owner differs: on each document's SLOs only
    assert [dict(slo.labels)["owner"] for slo in spec.slos] == ["alice", "bob"]
    out = tmp_path / "am"
    assert main(["alertmanager", *map(str, paths), "-o", str(out)]) == 0
    config = yaml.safe_load((out / "alertmanager.yml").read_text())
    (team,) = config["route"]["routes"]
    assert team["matchers"] == ['service="checkout"']  # the team's services (alerting/config.py)
    assert [r["matchers"] for r in team["routes"]] == [['service="checkout"']]


def test_the_notes_of_every_document_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "crds.yaml"
    path.write_text(CRD.format(slo="availability") + "---\n" + CRD.format(slo="latency"))
    (spec,) = load_specs([path])
    second = CRD.count("\n") + 1 + 5  # the first document, the `---` line, then line 5
    assert [where for where, _ in spec.extra] == [
        f"{path}:5: metadata.annotations",
        f"{path}:{second}: metadata.annotations",
    ]
