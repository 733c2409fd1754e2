"""From spec to a page, live: a real Prometheus evaluates the compiled rules of two services and
sends to a real Alertmanager (0.25) running the configuration `adk-observe alertmanager`
generated, whose real PagerDuty and Slack integrations post to local receivers.

One agent process (real adk_observe instrumentation) serves both services' series: agent-a
fails every turn, agent-b 4.5% of them. `live-agent` keeps one SLO per agent (group_by), so
agent-a pages and agent-b opens a ticket; `maint-agent` sees the whole service (about half
failing) and is in a maintenance window that ends a minute or two after the test starts. Both
services name their SLO `success`: maint-agent's page, firing (muted) all along, must not
inhibit live-agent's ticket of the same SLO name (a page for one service never silences
another's).

Fast by construction: a compressed window table (1m/15s ... 5m/1m, so every tier fires within
seconds), 1s scrapes and evaluations, Prometheus resending firing alerts every 5 s, and
Alertmanager's group timings shortened in the test's copy of the configuration (the only change
to it). Alertmanager starts once Prometheus fires every alert, with a maintenance window that
ends at the next minute boundary at least 30 s away (the page's first flush, group_wait after
it arrives, must fall inside the window): 30 to 90 s of waiting, one to two minutes in all.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import require_tool
from tests.e2e.alertmanager_server import AlertmanagerServer, find_binary
from tests.e2e.receivers import Delivery, Receivers

from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer, free_port, wait_until

HERE = Path(__file__).resolve().parent
WAIT = 120.0  # seconds; generous for a loaded two-core machine, only reached on failure
# Prometheus resends a firing alert every RESEND seconds, each alert on its own phase (from when
# it began to fire), so an Alertmanager started late hears of a page up to RESEND s after the
# ticket it inhibits. Inhibition is decided when a group is flushed: group_wait must outlast a
# resend (twice, for a stalled machine) or a ticket leaves before its page has arrived.
RESEND = 5
# The test's copy of the configuration: every group timing short, repeats out of the way.
TIMINGS = {"group_wait": f"{2 * RESEND}s", "group_interval": "3s", "repeat_interval": "1h"}

SPEC = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {{name: {name}, labels: {{team: live}}}}
spec:
  alert_windows:
    page: [{{tier: page-fast, long: 1m, short: 15s, factor: 14.4}},
           {{tier: page-slow, long: 2m, short: 30s, factor: 6}}]
    ticket: [{{tier: ticket-fast, long: 3m, short: 30s, factor: 3}},
             {{tier: ticket-slow, long: 5m, short: 1m, factor: 1}}]
  slos:
    - name: {slo}
      objective: 99
      window: 1h
      {group_by}
      sli: {{builtin: success}}
  alerts: {{enabled: false}}
  notify:
    page:
      - pagerduty: {{routing_key_file: {secrets}/{name}-pd, url: "{receivers}/pagerduty/{name}"}}
    ticket: [{{slack: {{api_url_file: {secrets}/{name}-slack, channel: "#{name}"}}}}]
{maintenance}"""


@pytest.fixture(scope="module")
def alertmanager_binary() -> str:
    """Debian's `prometheus-alertmanager`, else `alertmanager` (missing: a failure under CI)."""
    return find_binary() or require_tool("alertmanager", "prometheus-alertmanager")


def _window() -> tuple[str, float]:
    """A maintenance window starting this minute (UTC) and ending 30-90 s from now, as the
    spec's `times` entry, and its end as a timestamp."""
    now = dt.datetime.now(dt.UTC)
    start = now.replace(second=0, microsecond=0)
    minutes = 1 if now.second <= 30 else 2
    if start.hour == 23 and start.minute + minutes > 59:  # a window may not cross midnight
        wait_until(lambda: dt.datetime.now(dt.UTC).hour == 0, 180, "midnight", interval=1)
        return _window()
    end = start + dt.timedelta(minutes=minutes)
    text = f"{start:%H:%M}-{end:%H:%M}" if end.day == start.day else f"{start:%H:%M}-24:00"
    return text, end.timestamp()


def _write_specs(tmp: Path, receivers: str, window: str) -> list[Path]:
    secrets = tmp / "secrets"
    secrets.mkdir(parents=True)
    specs = []
    weekday = dt.datetime.now(dt.UTC).strftime("%A").lower()
    for name, slo, group_by, maintenance in (
        ("live-agent", "success", "group_by: [agent_id]", ""),
        (
            "maint-agent",
            "success",
            "",
            f'  maintenance:\n    - {{name: now, weekdays: [{weekday}], times: ["{window}"], '
            "location: UTC}\n",
        ),
    ):
        (secrets / f"{name}-pd").write_text(f"{name}-routing-key\n")
        (secrets / f"{name}-slack").write_text(f"{receivers}/slack/{name}\n")
        path = tmp / f"{name}.yaml"
        path.write_text(
            SPEC.format(
                name=name,
                slo=slo,
                group_by=group_by,
                secrets=secrets,
                receivers=receivers,
                maintenance=maintenance,
            )
        )
        specs.append(path)
    return specs


def _fast(node: Any) -> Any:
    """The configuration with only its group timings shortened (TIMINGS)."""
    if isinstance(node, dict):
        return {k: (TIMINGS[k] if k in TIMINGS else _fast(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_fast(v) for v in node]
    return node


def _rules(tmp: Path, specs: list[Path]) -> dict[str, str]:
    assert main(["compile-rules", *map(str, specs), "-o", str(tmp / "rules")]) == 0
    return {p.name: p.read_text() for p in sorted((tmp / "rules").glob("*.rules.yaml"))}


def _alertmanager_config(tmp: Path, specs: list[Path]) -> Path:
    assert main(["alertmanager", *map(str, specs), "-o", str(tmp / "am")]) == 0
    config = tmp / "am" / "alertmanager.yml"
    config.write_text(yaml.safe_dump(_fast(yaml.safe_load(config.read_text())), sort_keys=False))
    return tmp / "am"


@pytest.fixture
def agent_port(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    with (tmp_path / "agent.log").open("w") as log:  # its failed turns log there
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "alerting_agent.py"), str(port)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,
        )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def _state(am: AlertmanagerServer, service: str) -> dict[tuple[str, str, str], str]:
    """{(alertname, burn_tier, agent_id): active | suppressed} of a service's alerts."""
    out = {}
    for alert in am.alerts():
        labels = alert["labels"]
        if labels.get("service") == service:
            key = (labels["alertname"], labels.get("burn_tier", ""), labels.get("agent_id", ""))
            out[key] = alert["status"]["state"]
    return out


def _triggers(deliveries: list[Delivery]) -> list[Delivery]:
    return [d for d in deliveries if d.body.get("event_action") == "trigger"]


def _slack_text(delivery: Delivery) -> str:
    (attachment,) = delivery.body["attachments"]
    return f"{attachment['title']}\n{attachment['text']}"


BURN = "LiveAgentSuccessBudgetBurn"


def _firing(prom: PrometheusServer) -> bool:
    """Prometheus fires every tier of both agents and maint-agent's page."""
    found = {
        (r["metric"]["service"], r["metric"].get("burn_tier"), r["metric"].get("agent_id"))
        for r in prom.query('ALERTS{alertstate="firing"}')
    }
    want = {
        ("live-agent", t, a)
        for t in TIERS
        for a in ("agent-a", "agent-b")
        if a == "agent-a" or t.startswith("ticket")
    }
    return want <= found and ("maint-agent", "page-fast", None) in found


TIERS = ("page-fast", "page-slow", "ticket-fast", "ticket-slow")


def test_an_outage_pages_once_a_slow_burn_tickets_and_maintenance_holds_the_page(
    prometheus_binary: str, alertmanager_binary: str, agent_port: int, tmp_path: Path
) -> None:
    started = time.monotonic()
    am_port = free_port()
    address = f"127.0.0.1:{agent_port}"
    with (
        Receivers() as receivers,
        PrometheusServer(
            rules=_rules(
                tmp_path / "r", _write_specs(tmp_path / "r", receivers.url, "00:00-00:01")
            ),
            targets={"live-agent": address, "maint-agent": address},
            binary=prometheus_binary,
            scrape_interval="1s",
            eval_interval="1s",
            alertmanagers=[f"127.0.0.1:{am_port}"],
            # Resent every 5 s, so an Alertmanager started later hears of them at once; each
            # is valid for 4 resends (20 s): a stall of the loaded machine does not resolve it.
            extra_args=(f"--rules.alert.resend-delay={RESEND}s",),
        ) as prom,
    ):
        prom.wait_for_targets_up()
        prom.wait_until(lambda: _firing(prom), WAIT, "every tier of both agents to fire")
        # Now the maintenance window: from this minute to the next boundary >= 30 s away.
        window, window_end = _window()
        config = _alertmanager_config(tmp_path, _write_specs(tmp_path, receivers.url, window))
        with AlertmanagerServer(alertmanager_binary, config, am_port) as am:
            # Every tier of both agents reached Alertmanager; only agent-a's fastest page and
            # agent-b's fastest ticket are left to notify.
            want = {
                (BURN, "page-fast", "agent-a"): "active",
                (BURN, "page-slow", "agent-a"): "suppressed",
                (BURN, "ticket-fast", "agent-a"): "suppressed",
                (BURN, "ticket-slow", "agent-a"): "suppressed",
                (BURN, "ticket-fast", "agent-b"): "active",
                (BURN, "ticket-slow", "agent-b"): "suppressed",
            }

            def inhibited() -> bool:
                state = _state(am, "live-agent")
                return all(state.get(key) == value for key, value in want.items())

            wait_until(inhibited, WAIT, f"Alertmanager to hold {want}")
            # The maintenance service pages in Alertmanager while its window is still open...
            wait_until(
                lambda: any(
                    k[0] == "MaintAgentSuccessBudgetBurn" for k in _state(am, "maint-agent")
                ),
                WAIT,
                "maint's page",
            )
            # (its first flush, group_wait later, falls inside the window: it is muted)
            flush = time.time() + 2 * RESEND
            assert flush < window_end - 3, "too slow: the window closes before the page's flush"
            # ...and is delivered after the window ends.
            wait_until(
                lambda: _triggers(receivers.deliveries("/pagerduty/maint-agent")),
                WAIT + window_end - time.time(),
                "maint's page after the window",
            )
            # A few group intervals more for any notification that should not come.
            settle = time.time() + 4 * 3
            wait_until(lambda: time.time() >= settle, 30, "the settling time", interval=1)
            final = _state(am, "live-agent")
    elapsed = time.monotonic() - started

    page = _triggers(receivers.deliveries("/pagerduty/live-agent"))
    assert len(page) == 1, [d.body for d in page]  # one page, not one per window pair
    body = page[0].body
    assert body["routing_key"] == "live-agent-routing-key"  # read from the file
    assert body["payload"]["summary"] == f"[FIRING] live-agent: {BURN} (SLO success)"
    details = body["payload"]["custom_details"]
    assert details["num_firing"] == "1"  # page-slow was inhibited by page-fast
    assert "agent_id = agent-a" in details["firing"]
    assert "burn_tier = page-fast" in details["firing"]

    tickets = [_slack_text(d) for d in receivers.deliveries("/slack/live-agent")]
    # agent-a's tickets are inhibited by its page; agent-b's are not (another group), nor by
    # maint-agent's page of an SLO of the same name (another service).
    assert tickets and all("agent-a" not in t for t in tickets), tickets
    burns = [t for t in tickets if BURN in t.splitlines()[0]]
    # One ticket: agent-b's ticket-slow is inhibited by its ticket-fast, so no message ever
    # holds both (a later message, if the burn flaps, may resolve one and show the other).
    assert burns and "(agent_id=agent-b) is burning its error budget 3x too fast" in burns[0]
    for text in burns:
        firing = [
            line
            for line in text.splitlines()
            if "is burning" in line and not line.startswith("RESOLVED")
        ]
        assert len(firing) <= 1, burns
    assert not _triggers(receivers.deliveries("/pagerduty/live-agent"))[1:]
    assert final[(BURN, "ticket-fast", "agent-a")] == "suppressed"

    # Maintenance: nothing during the window, the still-firing page after it, no ticket.
    maint = receivers.deliveries("/pagerduty/maint-agent")
    assert len(maint) == 1 and maint[0].at >= window_end, (maint, window_end)
    assert maint[0].body["payload"]["summary"].startswith("[FIRING] maint-agent: ")
    assert receivers.deliveries("/slack/maint-agent") == []
    print(f"live alerting test: {elapsed:.0f}s, the maintenance window {window}")
