"""`render-deploy --grafana-dashboards`: the dashboards as sidecar ConfigMaps or grafana-operator
resources, through the same gates as every other object (strict schemas, CR schemas, checkov)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.deploy.cases import ROOT

from adk_observe.checks import deploy_gates as gates
from adk_observe.checks.crd_schemas import SchemaSet
from adk_observe.cli import main
from adk_observe.dashboards import dashboard_files
from adk_observe.loader.load import load_specs

SPEC = "examples/support-agent.yaml"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for mode in ("sidecar", "operator"):
        root = tmp_path_factory.mktemp(mode)
        assert main(["render-deploy", str(ROOT / SPEC), "-o", str(root),
                     "--grafana-dashboards", mode]) == 0
        out[mode] = root / "support-agent"
    return out


def _docs(folder: Path, prefix: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob(f"{prefix}-*.yaml"))}


def test_sidecar_config_maps_hold_the_dashboards_with_the_sidecar_label(
    rendered: dict[str, Path],
) -> None:
    maps = _docs(rendered["sidecar"], "configmap")
    spec = load_specs([ROOT / SPEC])[0]
    expected = dashboard_files(spec)
    assert sorted(maps) == ["configmap-overview-dashboard.yaml", "configmap-slos-dashboard.yaml"]
    for doc in maps.values():
        assert doc["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert doc["metadata"]["namespace"] == "adk-agents"
        ((name, text),) = doc["data"].items()
        assert json.loads(text) == expected[name]
    assert not list(rendered["sidecar"].glob("grafanadashboard-*.yaml"))
    kustomization = yaml.safe_load((rendered["sidecar"] / "kustomization.yaml").read_text())
    assert set(maps) <= set(kustomization["resources"])


def test_operator_resources_read_unlabelled_config_maps(rendered: dict[str, Path]) -> None:
    folder = rendered["operator"]
    maps = _docs(folder, "configmap")
    crs = _docs(folder, "grafanadashboard")
    assert all("grafana_dashboard" not in m["metadata"]["labels"] for m in maps.values())
    refs = {(cr["spec"]["configMapRef"]["name"], cr["spec"]["configMapRef"]["key"])
            for cr in crs.values()}
    assert refs == {(m["metadata"]["name"], next(iter(m["data"]))) for m in maps.values()}
    (source,) = _docs(folder, "grafanadatasource").values()
    assert source["spec"]["datasource"]["uid"] == "adk-observe-prometheus"
    assert source["spec"]["datasource"]["url"] == (
        "http://prometheus-operated.monitoring.svc:9090")
    assert source["spec"]["datasource"]["jsonData"]["timeInterval"] == "30s"


@pytest.mark.parametrize("mode", ["sidecar", "operator"])
def test_dashboard_objects_pass_every_deploy_gate(
    mode: str, rendered: dict[str, Path], schemas: SchemaSet, checkov_binary: str
) -> None:
    folder = rendered[mode]
    checkov = gates.run_checkov(checkov_binary, [folder])
    results = gates.check_folder(folder, schemas, checkov)
    assert [(r.name, r.failures) for r in results if r.failures or r.note] == []
    custom = next(r for r in results if r.name.startswith("custom-resource schemas"))
    # Rollout, 2 AnalysisTemplates (step gate, background watch), ServiceMonitor,
    # PrometheusRule (+ 2 dashboards, 1 datasource)
    assert custom.checked == (8 if mode == "operator" else 5)
