"""`adk-observe alertmanager`: a configuration amtool 0.25 loads, that routes every generated
alert to its service's page or ticket receiver, and inhibits with the labels the rules carry."""

from __future__ import annotations

import contextlib
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.alerting.conftest import EXAMPLES, ROOT

from adk_observe import conventions as c
from adk_observe.alerting.facts import service_facts
from adk_observe.cli import main
from adk_observe.loader.load import load_file
from adk_observe.model import ServiceSpec

NOTIFY = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: shop, labels: {team: pay}}
spec:
  slos:
    - {name: success, objective: 99.9, group_by: [agent_id], sli: {builtin: success}}
  budgets:
    - {name: llm, amount: 100, group_by: [cost_center]}
  notify:
    page: [{pagerduty: {routing_key_file: /etc/alertmanager/secrets/pd/key}}]
    ticket:
      - {slack: {api_url_file: /etc/alertmanager/secrets/slack/url, channel: "#shop"}}
      - {opsgenie: {api_key_file: /etc/alertmanager/secrets/og/key}}
      - {email: {to: shop@example.com, from: am@example.com, smarthost: "smtp.example.com:587",
                 auth_username: am, auth_password_file: /etc/alertmanager/secrets/smtp/pw}}
      - {webhook: {url: "https://hooks.example.com/shop"}}
  maintenance:
    - {name: release, weekdays: ["monday:friday"], times: ["20:00-21:00"], location: Europe/Berlin}
"""


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def amtool_run(amtool: str, *args: str) -> str:
    done = subprocess.run([amtool, *args], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shop") / "shop.yaml"
    path.write_text(NOTIFY)
    return path


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory, shop: Path) -> Path:
    """One configuration for every example and the shop (every integration, a maintenance
    window, grouped SLO and budget)."""
    out = tmp_path_factory.mktemp("am")
    code, _, err = run("alertmanager", *map(str, EXAMPLES), str(shop), "-o", str(out))
    assert code == 0, err
    return out / "alertmanager.yml"


def test_amtool_0_25_accepts_one_configuration_for_every_example(amtool: str, config: Path) -> None:
    out = amtool_run(amtool, "check-config", str(config))
    services = len(EXAMPLES) + 1
    assert "SUCCESS" in out
    assert f" - {2 * services + 1} receivers" in out  # page + ticket each, and the unrouted one
    assert " - 1 templates" in out


def _route(amtool: str, config: Path, labels: dict[str, str]) -> str:
    pairs = [f"{k}={v}" for k, v in sorted(labels.items())]
    return amtool_run(amtool, "config", "routes", "test", f"--config.file={config}", *pairs).strip()


def test_every_alert_of_every_example_reaches_its_services_page_or_ticket_receiver(
    amtool: str, config: Path, examples: list[ServiceSpec], shop: Path
) -> None:
    routed: dict[tuple[str, str], dict[str, str]] = {}
    for spec in [*examples, *load_file(shop)]:
        facts = service_facts(spec)
        for alert in facts.alerts:
            labels = {**dict(alert.labels), c.LABEL_ALERTNAME: alert.alert}
            routed.setdefault((spec.name, labels[c.LABEL_SEVERITY]), labels)
    assert {severity for _, severity in routed} == {"page", "critical", "ticket", "warning"}
    for (service, severity), labels in sorted(routed.items()):
        kind = "page" if severity in ("page", "critical") else "ticket"
        assert _route(amtool, config, labels) == f"{service}-{kind}", (service, severity)


def test_an_slo_with_a_team_of_its_own_still_reaches_its_services_receivers(
    amtool: str, tmp_path: Path
) -> None:
    """An SLO's `labels` may name another team than its service's (`team: checkout` in a `pay`
    service): its alerts carry that team. The team route matched `team="pay"` and the
    AlertmanagerConfig `team` and `service`, so those alerts reached the receiver that sends
    nothing. Routed here with the labels of the compiled alert rules, as Prometheus sends them."""
    spec = tmp_path / "shop.yaml"
    spec.write_text(NOTIFY.replace(
        "    - {name: success, objective: 99.9, group_by: [agent_id], sli: {builtin: success}}\n",
        "    - {name: success, objective: 99.9, group_by: [agent_id], sli: {builtin: success}}\n"
        "    - {name: latency, objective: 99, labels: {team: checkout},\n"
        "       sli: {builtin: latency, threshold: 500ms}}\n"))
    assert run("compile-rules", str(spec), "-o", str(tmp_path / "rules"))[0] == 0
    assert run("alertmanager", str(spec), "-o", str(tmp_path / "am"))[0] == 0
    utc = tmp_path / "utc.yaml"  # the CR has no time zones: the same spec without its window
    utc.write_text(spec.read_text().split("  maintenance:")[0])
    assert run("alertmanager", str(utc), "--format", "operator", "-o", str(tmp_path / "op"))[0] == 0
    rules = yaml.safe_load((tmp_path / "rules" / "shop.rules.yaml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"]
              if "alert" in r and r.get("labels", {}).get(c.LABEL_SLO) == "latency"]
    assert alerts and {a["labels"][c.LABEL_TEAM] for a in alerts} == {"checkout"}
    for alert in alerts:
        labels = {**alert["labels"], c.LABEL_ALERTNAME: alert["alert"]}
        kind = "page" if labels[c.LABEL_SEVERITY] in ("page", "critical") else "ticket"
        assert _route(amtool, tmp_path / "am" / "alertmanager.yml", labels) == f"shop-{kind}"
    (cr,) = [yaml.safe_load(p.read_text()) for p in (tmp_path / "op").rglob("*.yaml")]
    assert cr["spec"]["route"]["matchers"] == [
        {"name": c.LABEL_SERVICE, "value": "shop", "matchType": "="}]


def test_an_alert_of_another_system_is_not_ours_to_route(amtool: str, config: Path) -> None:
    assert _route(amtool, config, {"alertname": "X", "service": "other"}) == (
        "adk-observe-unrouted"
    )


def test_the_notification_template_renders(amtool: str, config: Path) -> None:
    """amtool renders the templates with its own example data (status "alertstatus", no
    labels): they parse and run. The live test reads the real text in Slack's payload."""
    glob = str(config.parent / "templates" / "*.tmpl")
    title = amtool_run(
        amtool,
        "template",
        "render",
        f"--template.glob={glob}",
        '--template.text={{ template "adk_observe.title" . }}',
    )
    assert title.startswith("[ALERTSTATUS] ")
    amtool_run(
        amtool,
        "template",
        "render",
        f"--template.glob={glob}",
        '--template.text={{ template "adk_observe.text" . }}',
    )


def _doc(config: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(config.read_text())
    return loaded


def test_every_route_of_a_service_is_muted_in_its_maintenance_window(config: Path) -> None:
    """Alertmanager 0.25 does not inherit mute_time_intervals (dispatch/route.go): the service
    route and both severity routes list the window, in its own time zone."""
    doc = _doc(config)
    (team,) = [r for r in doc["route"]["routes"] if r["matchers"] == ['service="shop"']]
    (service,) = team["routes"]
    assert service["mute_time_intervals"] == ["shop-release"]
    assert [r["mute_time_intervals"] for r in service["routes"]] == [["shop-release"]] * 2
    (interval,) = [i for i in doc["time_intervals"] if i["name"] == "shop-release"]
    assert interval["time_intervals"] == [
        {
            "times": [{"start_time": "20:00", "end_time": "21:00"}],
            "weekdays": ["monday:friday"],
            "location": "Europe/Berlin",
        }
    ]


def test_inhibit_rules_and_grouping_use_only_labels_the_alerts_carry(
    config: Path, shop: Path
) -> None:
    (spec,) = load_file(shop)
    # The alerts' own labels, and the group labels their expressions keep (the recorded series
    # are `sum by (<group_by>)`: tests/rules/promtool/group_by.test.yaml sees them on ALERTS).
    carried = {name for a in service_facts(spec).alerts for name, _ in a.labels}
    carried |= {*spec.slos[0].group_by, *spec.budgets[0].group_by}
    doc = _doc(config)
    rules = [r for r in doc["inhibit_rules"] if 'service="shop"' in r["source_matchers"]]
    assert rules
    for rule in rules:
        named = {
            m.split("=")[0].rstrip("!~") for m in rule["source_matchers"] + rule["target_matchers"]
        }
        assert named | set(rule["equal"]) <= carried, rule
    # The SLO's and the budget's group labels keep groups apart.
    equal = {tuple(r["equal"]) for r in rules}
    assert ("slo", "agent_id", "cost_center") in equal
    assert ("budget", "agent_id", "cost_center") in equal


def test_with_the_fleets_cluster_label_alerts_are_grouped_and_inhibited_per_cluster(
    amtool: str, tmp_path: Path
) -> None:
    """With `spec.clusters`, one cluster's page never silences another cluster's ticket, and
    each cluster's alerts are a notification of their own (the label once, last)."""
    spec = tmp_path / "fleet.yaml"
    spec.write_text(NOTIFY.replace("spec:\n", "spec:\n  clusters: {label: region}\n", 1))
    code, _, err = run("alertmanager", str(spec), "-o", str(tmp_path / "am"))
    assert code == 0, err
    amtool_run(amtool, "check-config", str(tmp_path / "am" / "alertmanager.yml"))
    doc = _doc(tmp_path / "am" / "alertmanager.yml")
    (service,) = doc["route"]["routes"][0]["routes"]
    assert service["group_by"][-1] == "region" and service["group_by"].count("region") == 1
    assert all(rule["equal"][-1] == "region" for rule in doc["inhibit_rules"])
    assert all(rule["equal"].count("region") == 1 for rule in doc["inhibit_rules"])


def test_a_webhook_url_file_needs_alertmanager_0_26(tmp_path: Path) -> None:
    spec = tmp_path / "hook.yaml"
    spec.write_text(
        NOTIFY.replace(
            '{webhook: {url: "https://hooks.example.com/shop"}}',
            "{webhook: {url_file: /etc/alertmanager/secrets/hook/url}}",
        )
    )
    code, out, err = run("alertmanager", str(spec), "-o", str(tmp_path / "a"))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {spec}:16: spec.notify.ticket[3].webhook: webhook url_file needs Alertmanager "
        "0.26 or later: pass --alertmanager-version 0.26 if yours is, or give url\n"
    )
    assert not (tmp_path / "a").exists()
    code, _, err = run(
        "alertmanager", str(spec), "-o", str(tmp_path / "b"), "--alertmanager-version", "0.26"
    )
    assert code == 0, err
    hooks = [
        r for r in _doc(tmp_path / "b" / "alertmanager.yml")["receivers"] if "webhook_configs" in r
    ]
    assert hooks[0]["webhook_configs"] == [
        {"url_file": "/etc/alertmanager/secrets/hook/url", "send_resolved": True}
    ]


def test_a_severity_cannot_both_page_and_ticket(tmp_path: Path) -> None:
    spec = tmp_path / "both.yaml"
    spec.write_text(
        NOTIFY.replace(
            "group_by: [agent_id], sli: {builtin: success}}",
            "group_by: [agent_id], sli: {builtin: success}, "
            "alerting: {ticket: {labels: {severity: critical}}}}",
        )
    )
    code, _, err = run("alertmanager", str(spec), "-o", str(tmp_path / "o"))
    assert (code, err) == (
        2,
        f"error: {spec}:3: metadata.name: severity 'critical' is given to pages and to tickets: "
        "Alertmanager could not tell them apart (rename one with alerting.page.labels or "
        "alerting.ticket.labels)\n",
    )


def test_the_committed_configuration_and_runbooks_are_fresh(amtool: str, tmp_path: Path) -> None:
    """alertmanager/ and runbooks/ are what `make gen` writes from examples/support-agent.yaml."""
    spec = "examples/support-agent.yaml"
    for verb, folder in (("alertmanager", "alertmanager"), ("runbooks", "runbooks")):
        code, _, err = run(verb, str(ROOT / spec), "-o", str(tmp_path / folder))
        assert code == 0, err
        want = {
            p.relative_to(ROOT / folder): p.read_text()
            for p in (ROOT / folder).rglob("*")
            if p.is_file()
        }
        got = {
            p.relative_to(tmp_path / folder): p.read_text()
            for p in (tmp_path / folder).rglob("*")
            if p.is_file()
        }
        # The generated-by line names the spec as given; `make gen` gives it relative.
        got = {k: v.replace(str(ROOT / spec), spec) for k, v in got.items()}
        assert got == want, f"{folder}/ is stale: run `make gen`"
    out = amtool_run(amtool, "check-config", str(ROOT / "alertmanager" / "alertmanager.yml"))
    assert "SUCCESS" in out
