"""The report of a fleet (spec.clusters): each SLO's budget in every cluster beside the fleet's,
and every format opens with the summary, one row per SLO, cluster and group, worst first.
(The live fleet test reads the same from a real central Prometheus.)"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from adk_observe.checks.budget import Budget, rolling
from adk_observe.checks.report import Firing, Report, ServiceReport, SLOReport
from adk_observe.checks.report_fleet import GroupReport
from adk_observe.checks.report_html import render_html
from adk_observe.checks.report_render import render_markdown, render_text, report_data
from adk_observe.checks.report_summary import summary_rows

AT = 1_800_000_000.0
DAY = 86400


def _slo(name: str, ratio: float, groups: tuple[GroupReport, ...]) -> SLOReport:
    window = rolling(AT, 30 * DAY, "30d")
    budget = Budget("requests", total=0.01 * 1000, spent=ratio * 1000)
    return SLOReport(
        name=name, objective=99.0, window=window, source="recorded", error_ratio=ratio,
        budget=budget, burn_rates=(("1h", ratio / 0.01),), pairs=(), exhaustion_seconds=None,
        firing=(Firing("SvcBurn", "page", "1h/5m"),) if groups[0].firing else (),
        time_based=False, groups=groups,
    )


def _report() -> Report:
    page = (Firing("SvcBurn", "page", "1h/5m"),)
    success = _slo("success", 0.004, (
        GroupReport((("cluster", "a"),), 0.0, 1.0, 0.0),
        GroupReport((("cluster", "b"),), 0.5, -49.0, 50.0, page),
    ))
    latency = _slo("latency", 0.002, (
        GroupReport((("cluster", "a"), ("agent_id", "x")), 0.002, 0.8, 0.2),
        GroupReport((("cluster", "b"), ("agent_id", "x")), None, None, None),
    ))
    return Report(AT, "http://central:9090", False,
                  (ServiceReport("svc", (success, latency), ()),))


def test_summary_rows_are_worst_first_with_the_fleet_among_them() -> None:
    rows = [(r.slo, r.where, r.budget_remaining) for r in summary_rows(_report())]
    assert rows == [
        ("latency", "cluster=b, agent_id=x", None),  # unreadable counts as the worst
        ("success", "cluster=b", -49.0),
        ("success", "fleet", 0.6),
        ("latency", "cluster=a, agent_id=x", 0.8),
        ("latency", "fleet", 0.8),
        ("success", "cluster=a", 1.0),
    ]


def test_every_format_opens_with_the_summary() -> None:
    report = _report()
    text = render_text(report)
    assert text.index("Summary (worst budget first)") < text.index("\nsvc\n")
    summary = text.split("Summary (worst budget first)")[1].split("\nsvc\n")[0]
    assert [line.split()[2] for line in summary.strip().splitlines()[1:]] == [
        "cluster=b,", "cluster=b", "fleet", "cluster=a,", "fleet", "cluster=a"
    ]
    assert "    cluster=b: budget -4900.0% left, error ratio 50.000%, 1h burn 50.00x, firing " \
           "SvcBurn page 1h/5m" in text
    markdown = render_markdown(report)
    assert markdown.index("### Summary") < markdown.index("### svc")
    data = report_data(report)
    assert list(data)[:4] == ["at", "prometheus", "calendar", "summary"]
    assert data["summary"][1] == {"service": "svc", "slo": "success", "groups": {"cluster": "b"},
                                  "budget_remaining": -49.0, "error_ratio": 0.5, "burn_1h": 50.0,
                                  "firing": 1}
    success = data["services"][0]["slos"][0]
    assert [row["groups"] for row in success["clusters"]] == [{"cluster": "a"}, {"cluster": "b"}]
    json.dumps(data)
    html = render_html(report)
    assert html.index("Summary (worst budget first)") < html.index("<h2>svc</h2>")


def test_the_html_summary_renders_in_a_browser(tmp_path: Path) -> None:
    from tests.conftest import require_tool

    chromium = require_tool("chromium", "chromium")
    page = tmp_path / "report.html"
    page.write_text(render_html(_report()))
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    table = dom.split("Summary (worst budget first)")[1].split("</table>")[0]
    cells = re.findall(r"<td>(.*?)</td>", table)
    assert cells[2::7] == ["cluster=b, agent_id=x", "cluster=b", "fleet", "cluster=a, agent_id=x",
                           "fleet", "cluster=a"]


def test_without_clusters_there_is_no_summary() -> None:
    report = _report()
    plain = Report(AT, report.prometheus, False, (ServiceReport("svc", tuple(
        SLOReport(**{**s.__dict__, "groups": ()}) for s in report.services[0].slos), ()),))
    assert "Summary" not in render_text(plain) + render_markdown(plain) + render_html(plain)
    assert "summary" not in report_data(plain)
    assert all("clusters" not in s for s in report_data(plain)["services"][0]["slos"])


def test_a_cluster_name_from_prometheus_is_shown_escaped() -> None:
    """Label values come from the store: a terminal escape or a table pipe in a cluster's name
    is written as visible text, and alerts still match the raw value."""
    from adk_observe.checks.prometheus import Sample
    from adk_observe.checks.report_fleet import _row
    from adk_observe.loader.load import load_specs

    (spec,) = load_specs([Path(__file__).parents[1] / "golden" / "rules-fleet" / "spec.yaml"])
    slo = spec.slos[0]
    raw = "\x1b[31mb|\u202e"
    alert = Sample({"slo": slo.name, "cluster": raw, "alertname": "A\x07", "severity": "page",
                    "windows": "1h/5m"}, 1.0)
    row = _row(slo, rolling(AT, slo.period, "30d"), (("cluster", raw),),
               {slo.period: 0.5, 3600: -1.0}, [alert])
    assert row.groups == (("cluster", "\\x1b[31mb|\\u202e"),)
    assert row.firing == (Firing("A\\x07", "page", "1h/5m"),)
    assert row.burn_1h is None  # a negative ratio is no data, not a healthy 0
    markdown = render_markdown(Report(AT, "http://c", False, (ServiceReport("svc", (
        _slo("success", 0.004, (row,)),), ()),)))
    assert "b\\|" in markdown and "\x1b" not in markdown and "\u202e" not in markdown
