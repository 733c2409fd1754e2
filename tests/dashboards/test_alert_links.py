"""From the page to the dashboard: `dashboard_url` on every burn-rate and agent-pack alert."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from adk_observe.dashboards import dashboard_files
from adk_observe.errors import SpecError
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec
from adk_observe.rules.compile import compile_service
from adk_observe.rules.types import Alert

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = "https://grafana.example.com/sub"


def _with_grafana(tmp_path: Path, source: str, url: str = GRAFANA + "/") -> ServiceSpec:
    text = "".join(line for line in (ROOT / source).read_text(encoding="utf-8").splitlines(True)
                   if not line.startswith("  grafana_url:"))
    path = tmp_path / "spec.yaml"
    path.write_text(text.replace("spec:\n", f"spec:\n  grafana_url: {url}\n", 1), "utf-8")
    return load_specs([path])[0]


def _alerts(spec: ServiceSpec) -> list[Alert]:
    return [r for g in compile_service(spec) for r in g.rules if isinstance(r, Alert)]


def test_every_alert_links_to_a_dashboard_that_exists(tmp_path: Path) -> None:
    spec = _with_grafana(tmp_path, "examples/support-agent.yaml")
    files = dashboard_files(spec)
    uids = {data["uid"]: data for data in files.values()}
    alerts = _alerts(spec)
    # 4 + 4 + 4 + 2 burn pairs, 4 exhausted budgets and the 10 alerts of the pack
    assert len(alerts) == 28
    for alert in alerts:
        url = urlsplit(dict(alert.annotations)["dashboard_url"])
        assert f"{url.scheme}://{url.netloc}" == "https://grafana.example.com"
        assert url.path.startswith("/sub/d/")
        assert url.path.removeprefix("/sub/d/") in uids, alert.alert


def test_a_burn_alert_opens_the_slo_dashboard_on_its_slo(tmp_path: Path) -> None:
    spec = _with_grafana(tmp_path, "examples/support-agent.yaml")
    slos = dashboard_files(spec)["support-agent-slos.json"]
    options = next(v for v in slos["templating"]["list"] if v["name"] == "slo")["options"]
    burn = [a for a in _alerts(spec) if "windows" in dict(a.labels)]
    for alert in burn:
        labels, annotations = dict(alert.labels), dict(alert.annotations)
        url = urlsplit(annotations["dashboard_url"])
        query = parse_qs(url.query)
        assert url.path == f"/sub/d/{slos['uid']}"
        assert query["var-slo"] == [labels["slo"]]
        assert labels["slo"] in [o["value"] for o in options]
    # The range shows twice the pair's long window (at least an hour) before now.
    ranges = {dict(a.labels)["windows"]: parse_qs(urlsplit(
        dict(a.annotations)["dashboard_url"]).query)["from"][0] for a in burn}
    assert ranges == {"1h/5m": "now-2h", "6h/30m": "now-12h", "1d/2h": "now-2d",
                      "3d/6h": "now-6d"}


def test_a_demo_alert_range_is_at_least_an_hour(tmp_path: Path) -> None:
    spec = _with_grafana(tmp_path, "examples/demo-agent.yaml", "http://localhost:3000")
    alert = next(a for a in _alerts(spec) if dict(a.labels).get("windows") == "2m/30s")
    assert dict(alert.annotations)["dashboard_url"] == (
        "http://localhost:3000/d/demo-agent-slos?var-slo=availability&from=now-1h&to=now")


def test_a_pack_alert_opens_the_overview_on_its_agent(tmp_path: Path) -> None:
    spec = _with_grafana(tmp_path, "examples/support-agent.yaml")
    pack = {a.alert: dict(a.annotations)["dashboard_url"] for a in _alerts(spec)
            if "windows" not in dict(a.labels)}
    assert pack["ADKAgentHighErrorRate"] == (
        f"{GRAFANA}/d/support-agent-overview?var-agent_id={{{{ $labels.agent_id | urlquery }}}}"
        "&from=now-1h&to=now")
    # Memory and CPU alerts are per pod, not per agent: the overview of every agent.
    assert pack["ADKContainerCPUThrottling"] == (
        f"{GRAFANA}/d/support-agent-overview?from=now-1h&to=now")


def test_no_dashboard_url_without_grafana_url() -> None:
    spec = load_specs([ROOT / "examples/support-agent.yaml"])[0]
    assert spec.grafana_url == ""
    assert all("dashboard_url" not in dict(a.annotations) for a in _alerts(spec))


@pytest.mark.parametrize(
    "url", ["grafana.example.com", "ftp://grafana", "http://g/?x=1", "https://g/{{x", "http://g/\"a"]
)
def test_a_bad_grafana_url_is_a_spec_error(tmp_path: Path, url: str) -> None:
    with pytest.raises(SpecError, match=r"spec\.yaml:\d+: spec\.grafana_url"):
        _with_grafana(tmp_path, "examples/demo-agent.yaml", url)


PROMTOOL_TEST = """\
rule_files: [demo-agent.rules.yaml]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'adk_agent_requests_total{job="demo-agent",agent_id="a b",status_code="500"}'
        values: '0+60x40'
      - series: 'adk_agent_requests_total{job="demo-agent",agent_id="a b",status_code="200"}'
        values: '0+60x40'
    alert_rule_test:
      - eval_time: 5m
        alertname: ADKAgentHighErrorRate
        exp_alerts:
          - exp_labels: {agent_id: a b, service: demo-agent, severity: critical, team: demo}
            exp_annotations:
              summary: 'demo-agent: more than 5% of agent requests fail'
              description: 50% of the requests of agent a b returned 5xx over the last 5m.
              runbook_url: https://runbooks.example.com/demo-agent/adk-agent-high-error-rate.md
              dashboard_url: >-
                http://localhost:3000/d/demo-agent-overview?var-agent_id=a+b&from=now-1h&to=now
"""


def test_prometheus_fills_the_agent_into_the_link(tmp_path: Path, promtool: str) -> None:
    """promtool evaluates the real rule: the `{{ $labels.agent_id | urlquery }}` template
    becomes the URL-encoded agent of the firing series."""
    import subprocess

    from adk_observe.cli import main

    assert main(["compile-rules", str(ROOT / "examples/demo-agent.yaml"), "-o",
                 str(tmp_path), "--runbook-base-url", "https://runbooks.example.com"]) == 0
    (tmp_path / "links.test.yaml").write_text(PROMTOOL_TEST, encoding="utf-8")
    done = subprocess.run([promtool, "test", "rules", "links.test.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
