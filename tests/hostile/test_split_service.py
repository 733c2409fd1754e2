"""Hostile splits of one service over many documents (loader/merge.py).

Sloth documents of one service merge into one service (one PrometheusServiceLevel per SLO, one
file per team): 200 of them load, compile and pass promtool. What cannot merge is one located
line for every spec-reading command, at the later document: an adk-observe/v1 spec next to a
Sloth file of its service (either order in the file), and a repeated SLO name far down the list.
Names that differ only in case are two SLOs, as they are in one document.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.hostile.test_corpus import SPEC_COMMANDS, command_line, run
from tests.rules.support import run_promtool

from adk_observe.loader.load import load_specs

CRD = """\
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata:
  name: checkout-{i}
  namespace: shop
spec:
  service: checkout
  labels: {{shard: '{i}'}}
  slos:
    - name: {name}
      objective: 99.9
      sli:
        raw:
          errorRatioQuery: sum(rate(errors_total{{shard="{i}"}}[{{{{.window}}}}])) / sum(rate(requests_total{{shard="{i}"}}[{{{{.window}}}}]))
"""  # noqa: E501
CRD_LINES = CRD.count("\n") + 1  # with the `---` that ends each document
SLOTH = """\
version: prometheus/v1
service: checkout
slos:
  - name: {name}
    objective: 99
    sli:
      raw:
        error_ratio_query: sum(rate(errors_total[{{{{.window}}}}])) / sum(rate(requests_total[{{{{.window}}}}]))
"""  # noqa: E501
V1 = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: checkout}
spec:
  slos:
    - {name: availability, objective: 99.9, sli: {builtin: uptime}}
"""


def _crds(names: list[str]) -> str:
    return "---\n".join(CRD.format(name=name, i=i) for i, name in enumerate(names))


def _refused(spec: Path, tmp_path: Path) -> str:
    """The one line every spec-reading command gives, the same for all of them."""
    lines = set()
    for command in SPEC_COMMANDS:
        out = tmp_path / command
        code, stdout, stderr = run(*command_line(command, spec, out))
        assert (command, code, stdout, stderr.count("\n")) == (command, 2, "", 1), stderr
        assert not out.exists()
        lines.add(stderr)
    (line,) = lines
    return line


def test_200_documents_of_one_service_are_one_service(promtool: str, tmp_path: Path) -> None:
    spec = tmp_path / "checkout.yaml"
    spec.write_text(_crds([f"s{i}" for i in range(200)]))
    (loaded,) = load_specs([spec])
    assert [slo.name for slo in loaded.slos[::50]] == ["s0", "s50", "s100", "s150"]
    # Each document's labels on its own SLO only; none is the service's (they all differ).
    assert dict(loaded.slos[123].labels)["shard"] == "123"
    assert loaded.labels == ()
    out = tmp_path / "out"
    code, _, err = run("compile-rules", str(spec), "-o", str(out), "--format", "operator")
    assert (code, "error" in err) == (0, False), err
    rule = yaml.safe_load((out / "checkout.prometheusrule.yaml").read_text())
    assert rule["metadata"]["namespace"] == "shop"
    (out / "groups.yaml").write_text(yaml.safe_dump(rule["spec"]))
    check = run_promtool(promtool, "check", "rules", str(out / "groups.yaml"))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 3400 rules found" in check.stdout  # 200 x (12 recordings + 5 alerts)


def test_a_repeat_of_the_first_slo_in_the_200th_document(tmp_path: Path) -> None:
    spec = tmp_path / "checkout.yaml"
    spec.write_text(_crds([f"s{i}" for i in range(199)] + ["s0"]))
    name_line = CRD.splitlines().index("    - name: {name}") + 1
    second = 199 * CRD_LINES + name_line
    assert _refused(spec, tmp_path) == (
        f"error: {spec}:{second}: spec.slos[0].name: duplicate SLO name 's0' of service "
        f"'checkout': already used at {spec}:{name_line}\n"
    )


@pytest.mark.parametrize("first", ["v1", "sloth"])
def test_a_v1_spec_and_a_sloth_file_of_one_service_are_refused_at_the_later(
    tmp_path: Path, first: str
) -> None:
    docs = [V1, SLOTH.format(name="latency")]
    keys = ["metadata.name", "service"]
    if first == "sloth":
        docs.reverse()
        keys.reverse()
    spec = tmp_path / "checkout.yaml"
    spec.write_text("---\n".join(docs))
    head = docs[0].count("\n") + 1
    # The service is named on line 3 of the v1 document, line 2 of the Sloth one.
    at_first, at_second = (3, head + 2) if first == "v1" else (2, head + 3)
    assert _refused(spec, tmp_path) == (
        f"error: {spec}:{at_second}: {keys[1]}: service 'checkout' is already defined at "
        f"{spec}:{at_first}\n"
    )


def test_slo_names_that_differ_only_in_case(promtool: str, tmp_path: Path) -> None:
    """`availability` and `Availability` in two documents: two SLOs, as in one document (Sloth's
    names keep their case; their ids differ), whose rules load in promtool and whose runbooks
    are four files."""
    spec = tmp_path / "checkout.yaml"
    spec.write_text(_crds(["availability", "Availability"]))
    (loaded,) = load_specs([spec])
    assert [slo.name for slo in loaded.slos] == ["availability", "Availability"]
    one = tmp_path / "one.yaml"  # the same two SLOs in one document
    one.write_text(SLOTH.format(name="availability") + SLOTH.split("slos:\n")[1].format(
        name="Availability"))
    (single,) = load_specs([one])
    assert [slo.name for slo in single.slos] == ["availability", "Availability"]
    out = tmp_path / "out"
    assert run("compile-rules", str(spec), "-o", str(out))[0] == 0
    check = run_promtool(promtool, "check", "rules", str(out / "checkout.rules.yaml"))
    assert check.returncode == 0, check.stdout + check.stderr
    assert run("runbooks", str(spec), "-o", str(tmp_path / "rb"))[0] == 0
    assert len(list((tmp_path / "rb" / "checkout").iterdir())) == 4
