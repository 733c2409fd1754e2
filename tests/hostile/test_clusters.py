"""Hostile `spec.clusters` (docs/fleet.md): a label the series already carry or the compiler
sets, a label name Prometheus refuses, a fixed value of the label elsewhere in the spec, values
of every wrong type. Each is, for every command that reads specs, one located line, exit 2,
nothing on stdout and no output folder; the accepted ones compile into rules promtool loads."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.hostile.located import assert_one_located_error
from tests.hostile.test_corpus import run
from tests.hostile.test_gotemplate import mixed

from adk_observe import conventions as c
from adk_observe.loader.fleet_v1 import TAKEN_LABELS
from adk_observe.render import dump_yaml

BASE: dict[str, Any] = {
    "apiVersion": "adk-observe/v1",
    "kind": "AgentService",
    "metadata": {"name": "fleet-agent", "labels": {"team": "a"}},
    "spec": {
        "clusters": {"label": "cluster"},
        "slos": [{"name": "success", "objective": 99.5, "sli": {"builtin": "success"},
                  "group_by": ["agent_id"]}],
    },
}


def _cases() -> list[tuple[str, dict[str, Any], str, str]]:
    """(id, spec, key path, what the message says)."""
    cases = []
    for label in sorted(TAKEN_LABELS):  # every label the series or the compiler already use
        spec = copy.deepcopy(BASE)
        spec["spec"]["clusters"]["label"] = label
        cases.append((f"taken-{label}", spec, "spec.clusters.label", "cannot name the clusters"))
    for bad in ("", "1cluster", "clu ster", "cluster-name", "__cluster", "{{ $value }}",
                "clüster", "a\nb"):
        spec = copy.deepcopy(BASE)
        spec["spec"]["clusters"]["label"] = bad
        cases.append((f"name-{bad[:12]!r}", spec, "spec.clusters.label", ""))
    for wrong in (1, 1.5, True, ["cluster"], {"a": "b"}, None):
        spec = copy.deepcopy(BASE)
        spec["spec"]["clusters"]["label"] = wrong
        cases.append((f"type-{type(wrong).__name__}", spec, "spec.clusters.label", ""))
    for wrong in ("cluster", 1, ["cluster"]):
        spec = copy.deepcopy(BASE)
        spec["spec"]["clusters"] = wrong
        cases.append((f"section-{type(wrong).__name__}", spec, "spec.clusters", ""))
    spec = copy.deepcopy(BASE)
    spec["spec"]["clusters"]["labels"] = "cluster"
    cases.append(("unknown-key", spec, "spec.clusters.labels", ""))
    fixed = {
        "metadata": ("metadata", "labels"),
        "slo": ("spec", "slos", 0, "labels"),
        "alerting": ("spec", "slos", 0, "alerting", "labels"),
        "page": ("spec", "slos", 0, "alerting", "page", "labels"),
        "pack": ("spec", "alerts", "labels"),
    }
    for name, path in fixed.items():  # a fixed value would hide which cluster it is about
        spec = copy.deepcopy(BASE)
        holder: Any = spec
        for part in path[:-1]:
            holder = holder.setdefault(part, {}) if isinstance(part, str) else holder[part]
        holder.setdefault(path[-1], {})["cluster"] = "eu-1"
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path)
        cases.append((f"fixed-{name}", spec, where.replace(".[", "[") + ".cluster",
                      "is the clusters label"))
    flat = copy.deepcopy(BASE)
    del flat["spec"]["clusters"]
    flat["spec"]["slos"][0]["group_by"] = ["cluster"]
    cases.append(("group-by-without-clusters", flat, "spec.slos[0].group_by[0]",
                  "have no label 'cluster' to group by"))
    return cases


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_clusters_are_one_located_error(
    case: tuple[str, dict[str, Any], str, str], tmp_path: Path
) -> None:
    _, spec, path, message = case
    assert_one_located_error(spec, tmp_path, path, message)


@pytest.mark.parametrize("label", ["cluster", "region", "k8s_cluster", "dc", "_x"])
def test_accepted_labels_compile_into_rules_promtool_loads(
    label: str, tmp_path: Path, promtool: str
) -> None:
    import subprocess

    spec = copy.deepcopy(BASE)
    spec["spec"]["clusters"]["label"] = label
    spec["spec"]["slos"][0]["group_by"] = [label, "agent_id"]
    file = tmp_path / "spec.yaml"
    file.write_text(yaml.safe_dump(spec))
    code, _, stderr = run("compile-rules", str(file), "-o", str(tmp_path / "out"))
    assert code == 0, stderr
    rules = tmp_path / "out" / "fleet-agent.rules.yaml"
    assert f"sum by ({label}, agent_id)" in rules.read_text()
    result = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_taken_labels_cover_the_catalogue_and_the_compiler() -> None:
    assert {c.LABEL_SERVICE, c.LABEL_SLO, c.LABEL_AGENT_ID, c.LABEL_JOB, c.LABEL_LE} <= TAKEN_LABELS
    assert {lb for m in c.CATALOGUE for lb in m.labels} <= TAKEN_LABELS


def test_mixed_text_labels_never_crash(tmp_path: Path) -> None:
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(mixed)
    def one(text: str) -> None:
        spec = copy.deepcopy(BASE)
        spec["spec"]["clusters"]["label"] = text
        file = tmp_path / "spec.yaml"
        file.write_text(dump_yaml(spec, with_header=False))
        code, stdout, stderr = run("validate", str(file))
        assert code in (0, 2), stderr
        assert "Traceback" not in stderr
        if code == 2:
            assert stderr.count("\n") == 1 and stdout == ""

    one()


# SLONoData for every combination of clusters x group_by x kind: a quality SLO (whose events
# stopping is no data) watches each group, any other kind each cluster (or the whole SLO).
NO_DATA_GROUPS = {
    "quality": ([], [c.LABEL_EVALUATOR], [c.LABEL_EVALUATOR, c.LABEL_AGENT_ID]),
    "success": ([], [c.LABEL_AGENT_ID], [c.LABEL_AGENT_ID, c.LABEL_ENDPOINT]),
}


@pytest.mark.parametrize("label", [None, "cluster", "region"])
def test_no_data_of_every_grouping_compiles_into_rules_promtool_loads(
    label: str | None, tmp_path: Path, promtool: str
) -> None:
    import subprocess

    slos = [
        {"name": f"{kind}-{len(group_by)}", "objective": 99, "sli": {"builtin": kind},
         "group_by": group_by, "alerting": {"no_data": {"enabled": True}}}
        for kind, groupings in NO_DATA_GROUPS.items() for group_by in groupings
    ]
    spec = copy.deepcopy(BASE)
    spec["spec"]["slos"] = slos
    if label is None:
        del spec["spec"]["clusters"]
    else:
        spec["spec"]["clusters"]["label"] = label
    file = tmp_path / "spec.yaml"
    file.write_text(yaml.safe_dump(spec))
    code, _, stderr = run("compile-rules", str(file), "-o", str(tmp_path / "out"))
    assert code == 0, stderr
    rules = tmp_path / "out" / "fleet-agent.rules.yaml"
    result = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    alerts = {rule["labels"][c.LABEL_SLO]: rule["expr"]
              for group in yaml.safe_load(rules.read_text())["groups"]
              for rule in group["rules"] if rule.get("alert") == c.ALERT_SLI_NO_DATA}
    assert len(alerts) == len(slos)
    for kind, groupings in NO_DATA_GROUPS.items():
        for group_by in groupings:
            expr = alerts[f"{kind}-{len(group_by)}"]
            watched = group_by if kind == "quality" else []
            labels = ", ".join([label] * (label is not None) + watched)
            # absent() for the service that never recorded anything (it has no labels: not in a
            # fleet, where each cluster is named), and the groups gone silent when there are any.
            assert expr.startswith("absent(") == (label is None)
            assert (f"group by ({labels})" in expr) == bool(labels), expr
