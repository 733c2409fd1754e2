"""`adk-observe dashboards --provisioning/--for-import`: Grafana loads them without clicking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from adk_observe.cli import main
from adk_observe.dashboards import dashboard_files
from adk_observe.loader.load import load_specs

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples/support-agent.yaml"


def _run(tmp_path: Path, *extra: str, spec: Path = SPEC) -> Path:
    assert main(["dashboards", str(spec), "-o", str(tmp_path / "dash"), *extra]) == 0
    return tmp_path


def test_provisioning_files_point_grafana_at_the_dashboards_and_their_data_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(tmp_path, "--provisioning", str(tmp_path / "prov"),
               "--dashboards-path", "/etc/dash", "--prometheus-url", "http://prom:9090")
    assert capsys.readouterr().out.splitlines()[-2:] == [
        f"wrote {tmp_path / 'prov/dashboards/adk-observe.yaml'}",
        f"wrote {tmp_path / 'prov/datasources/adk-observe.yaml'}"]
    provider = yaml.safe_load((out / "prov/dashboards/adk-observe.yaml").read_text())
    (entry,) = provider["providers"]
    assert (provider["apiVersion"], entry["type"], entry["options"]["path"]) == (
        1, "file", "/etc/dash")
    sources = yaml.safe_load((out / "prov/datasources/adk-observe.yaml").read_text())
    (source,) = sources["datasources"]
    dashboard = json.loads((out / "dash/support-agent-slos.json").read_text())
    variable = dashboard["templating"]["list"][0]
    assert (source["type"], source["uid"], source["url"]) == (
        "prometheus", variable["current"]["value"], "http://prom:9090")
    # support-agent.yaml's ServiceMonitor scrapes at the deploy default, 30s.
    assert source["jsonData"]["timeInterval"] == "30s"


def test_time_interval_is_the_scrape_interval_the_deploy_configures(tmp_path: Path) -> None:
    text = SPEC.read_text(encoding="utf-8").replace(
        "    monitoring:\n", "    monitoring:\n      interval: 15s\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    assert load_specs([spec])[0].deploy.monitoring.interval == "15s"  # type: ignore[union-attr]
    out = _run(tmp_path, "--provisioning", str(tmp_path / "prov"), spec=spec)
    sources = yaml.safe_load((out / "prov/datasources/adk-observe.yaml").read_text())
    assert sources["datasources"][0]["jsonData"]["timeInterval"] == "15s"


def test_import_format_asks_for_the_data_source_and_is_otherwise_the_same(
    tmp_path: Path, dashboard_schema: dict[str, Any]
) -> None:
    out = _run(tmp_path, "--for-import")
    plain = dashboard_files(load_specs([SPEC])[0])
    for name, data in plain.items():
        exported = json.loads((out / "dash" / name).read_text())
        (wanted,) = exported.pop("__inputs")
        requires = exported.pop("__requires")
        assert (wanted["name"], wanted["type"], wanted["pluginId"]) == (
            "DS_PROMETHEUS", "datasource", "prometheus")
        assert exported["templating"]["list"][0]["current"]["value"] == "${DS_PROMETHEUS}"
        used = {p["type"] for p in data["panels"] if p["type"] != "row"}
        assert {r["id"] for r in requires if r["type"] == "panel"} == used
        exported["templating"]["list"][0]["current"] = data["templating"]["list"][0]["current"]
        assert exported == data
        jsonschema.validate(exported, dashboard_schema)
