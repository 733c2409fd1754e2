"""`spec.deploy.remote_write`: render-deploy adds this cluster's Prometheus in agent mode
(a PrometheusAgent) that scrapes the service, labels its series with the cluster and
remote-writes to the central store; validated like every other resource."""

from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.deploy.cases import ROOT

from adk_observe.checks import deploy_gates as gates
from adk_observe.checks.crd_schemas import SchemaSet
from adk_observe.cli import main
from adk_observe.deploy import kustomize
from adk_observe.loader.load import load_specs

EXAMPLE = ROOT / "examples" / "fleet-agent.yaml"
AGENT_FILE = "prometheusagent.yaml"
AGENT_OBJECTS = {
    "serviceaccount-prometheus-agent.yaml",
    "role-prometheus-agent.yaml",
    "rolebinding-prometheus-agent.yaml",
    AGENT_FILE,
}


def _objects(text: str, tmp_path: Path) -> dict[str, dict[str, Any]]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    spec = load_specs([path])[0]
    return {k: v for k, v in kustomize.files(spec).items() if k.endswith(".yaml")}


def _rendered(tmp_path: Path, spec: Path = EXAMPLE) -> Path:
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["render-deploy", str(spec), "-o", str(tmp_path)]) == 0
    (folder,) = tmp_path.iterdir()
    return folder


def test_the_agent_scrapes_this_service_and_labels_its_cluster(tmp_path: Path) -> None:
    folder = _rendered(tmp_path)
    objs = {p.name: yaml.safe_load(p.read_text()) for p in folder.glob("*.yaml")}
    agent = objs[AGENT_FILE]
    assert (agent["apiVersion"], agent["kind"]) == ("monitoring.coreos.com/v1alpha1",
                                                    "PrometheusAgent")
    assert agent["metadata"]["namespace"] == "monitoring"
    spec = agent["spec"]
    assert spec["externalLabels"] == {"cluster": "eu-1"}
    # The selectors pick exactly the rendered ServiceMonitor: its labels, its namespace.
    monitor = objs["servicemonitor.yaml"]
    wanted = spec["serviceMonitorSelector"]["matchLabels"]
    assert wanted.items() <= monitor["metadata"]["labels"].items()
    namespace = monitor["metadata"]["namespace"]
    assert spec["serviceMonitorNamespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": namespace}
    }
    # Another service's ServiceMonitor (same managed-by label) is not picked.
    other = copy.deepcopy(monitor["metadata"]["labels"])
    other["app.kubernetes.io/name"] = "another-agent"
    assert not wanted.items() <= other.items()
    (rw,) = spec["remoteWrite"]
    assert rw["url"] == "https://mimir.example.com/api/v1/push"
    assert rw["headers"] == {"X-Scope-OrgID": "concierge"}
    assert rw["basicAuth"] == {
        "username": {"name": "mimir-remote-write", "key": "username"},
        "password": {"name": "mimir-remote-write", "key": "password"},
    }
    # Its ServiceAccount reads the service's namespace only, through a Role bound there.
    role, binding = objs["role-prometheus-agent.yaml"], objs["rolebinding-prometheus-agent.yaml"]
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == namespace
    assert {v for r in role["rules"] for v in r["verbs"]} == {"get", "list", "watch"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": spec["serviceAccountName"],
                                    "namespace": "monitoring"}]
    account = objs["serviceaccount-prometheus-agent.yaml"]
    assert account["metadata"]["name"] == spec["serviceAccountName"]
    # The service's NetworkPolicy already lets the monitoring namespace reach the metrics port.
    policy = objs["networkpolicy.yaml"]["spec"]["ingress"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}} \
        in [src for rule in policy for src in rule["from"]]


def test_bearer_credentials_and_no_tenant(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("      tenant: concierge         # sent as X-Scope-OrgID\n",
                                       "").replace("type: basic", "type: bearer")
    rw = _objects(text, tmp_path)[AGENT_FILE]["spec"]["remoteWrite"][0]
    assert "headers" not in rw and "basicAuth" not in rw
    assert rw["authorization"] == {"type": "Bearer",
                                   "credentials": {"name": "mimir-remote-write", "key": "token"}}


def test_without_remote_write_nothing_is_added(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().split("    remote_write:")[0]
    files = _objects(text, tmp_path)
    assert not AGENT_OBJECTS & set(files)
    assert not AGENT_OBJECTS & set(files["kustomization.yaml"]["resources"])


def test_the_rendered_folder_passes_every_gate(tmp_path: Path, schemas: SchemaSet,
                                               checkov_binary: str) -> None:
    folder = _rendered(tmp_path)
    assert set(yaml.safe_load((folder / "kustomization.yaml").read_text())
                                ["resources"]) >= AGENT_OBJECTS
    failed = gates.run_checkov(checkov_binary, [folder])
    results = gates.check_folder(folder, schemas, failed)
    assert [(r.name, r.failures) for r in results if r.failures] == []
    custom = next(r for r in results if r.name.startswith("custom-resource schemas"))
    assert custom.checked == 3  # ServiceMonitor, PrometheusRule and the PrometheusAgent


def test_the_agent_schema_refuses_an_unknown_field(tmp_path: Path, schemas: SchemaSet) -> None:
    folder = _rendered(tmp_path)
    agent = yaml.safe_load((folder / AGENT_FILE).read_text())
    for where, bad in (("spec", {"remoteWrites": []}),
                       ("remote", {"tenant": "x"}),
                       ("labels", {"externalLabels": {"cluster": 1}})):
        broken = copy.deepcopy(agent)
        if where == "remote":
            broken["spec"]["remoteWrite"][0].update(bad)
        else:
            broken["spec"].update(bad)
        result = gates.gate_custom_resources([gates.Manifest(AGENT_FILE, broken)], schemas)
        assert len(result.failures) == 1, (where, result.failures)
    result = gates.gate_custom_resources([gates.Manifest(AGENT_FILE, agent)], schemas)
    assert result.failures == [] and result.checked == 1


@pytest.mark.parametrize("apiversion", ["../../x/v1alpha1", "/etc/v1"])
def test_no_schema_is_read_outside_the_schema_folders(apiversion: str, schemas: SchemaSet) -> None:
    obj = {"apiVersion": apiversion, "kind": "PrometheusAgent", "metadata": {"name": "x"}}
    result = gates.gate_custom_resources([gates.Manifest("x.yaml", obj)], schemas)
    assert len(result.failures) == 1 and "no schema for" in result.failures[0]


def _selectors(expr: str) -> list[Any]:
    import promql_parser as pp

    found: list[Any] = []

    def visit(node: object) -> bool:
        if type(node).__name__ == "VectorSelector":
            found.append(node)
        return True

    text = expr.replace("{{args.canary-hash}}", "c1").replace("{{args.stable-hash}}", "s1")
    for name in ("namespace", "target", "interval"):
        text = text.replace("{{ " + name + " }}", "5m" if name == "interval" else "x")
    pp.walk(pp.parse(text), visit)
    return found


@pytest.mark.parametrize("engine", ["argo", "flagger"])
def test_canary_analysis_stays_within_its_own_cluster(engine: str, tmp_path: Path) -> None:
    """On the central store every cluster running the release has the same pod template hash:
    each selector of the canary's and the stable's series also names this cluster."""
    text = EXAMPLE.read_text().replace(
        "    ingress: {class: nginx, host: concierge.example.com}\n",
        "    ingress: {class: nginx, host: concierge.example.com}\n"
        f"    strategy: {{type: canary, engine: {engine}, "
        "analysis: {slos: [success, latency]}}\n",
    )
    files = _objects(text, tmp_path)
    queries = [
        m["provider"]["prometheus"]["query"]
        for name, obj in files.items() if obj.get("kind") == "AnalysisTemplate"
        for m in obj["spec"]["metrics"]
    ] + [obj["spec"]["query"] for obj in files.values() if obj.get("kind") == "MetricTemplate"]
    assert len(queries) >= 4
    for query in queries:
        selectors = _selectors(query)
        assert selectors
        for sel in selectors:
            labels = {m.name: m.value for m in sel.matchers.matchers}
            assert labels.get("cluster") == "eu-1", (query, labels)
    # Without remote_write (a Prometheus in the cluster answers) no cluster matcher is added.
    flat = _objects(text.split("    remote_write:")[0], tmp_path)
    assert all("cluster=" not in str(obj) for obj in flat.values()
               if obj.get("kind") in ("AnalysisTemplate", "MetricTemplate"))
