"""Sloth prometheus/v1 import: each mapping feature as a sentence with the exact model it gives,
and each construct that does not map as a located error."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from adk_observe import model as m
from adk_observe.cli import main
from adk_observe.errors import SpecError
from adk_observe.loader.load import load_file
from adk_observe.windows import DEFAULT_WINDOWS
from adk_observe.yamlsource import format_path, load_documents

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "rules-sloth" / "spec.yaml"
ERR = 'sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))'
TOT = 'sum(rate(http_requests_total{job="api"}[{{.window}}]))'


def ours(query: str) -> str:
    return query.replace("{{.window}}", "{{window}}")


BASE: dict[str, Any] = {
    "version": "prometheus/v1",
    "service": "api",
    "slos": [
        {
            "name": "availability",
            "objective": 99.9,
            "sli": {"events": {"error_query": ERR, "total_query": TOT}},
        }
    ],
}


def edited(edits: dict[str, Any]) -> dict[str, Any]:
    """BASE with `a.b.0.c`-style keys set (a value of ... deletes the key)."""
    doc = copy.deepcopy(BASE)
    for dotted, value in edits.items():
        *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
        node: Any = doc
        for part in parents:
            node = node[part]
        if value is ...:
            del node[last]
        else:
            node[last] = value
    return doc


def write(tmp_path: Path, doc: dict[str, Any] | str) -> Path:
    path = tmp_path / "sloth.yaml"
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


EVENTS = m.EventsSLI(total=ours(TOT), errors=ours(ERR))
# Sloth's own labels, on every imported SLO so routes and templates written for Sloth work.
SLOTH = (("sloth_id", "api-availability"), ("sloth_service", "api"), ("sloth_slo", "availability"))
PAGE = m.SeverityAlerting(labels=(("sloth_severity", "page"),))
TICKET = m.SeverityAlerting(labels=(("sloth_severity", "ticket"),))
DEFAULT_ALERTING = m.SLOAlerting(name="ApiAvailabilityBudgetBurn", page=PAGE, ticket=TICKET)


def slo(
    sli: m.SLI = EVENTS,
    alerting: m.SLOAlerting = DEFAULT_ALERTING,
    labels: tuple[tuple[str, str], ...] = (),
    objective: float = 99.9,
    description: str = "",
) -> m.SLO:
    return m.SLO(
        name="availability",
        objective=objective,
        period=30 * 86400,
        sli=sli,
        alerting=alerting,
        windows=DEFAULT_WINDOWS,
        description=description,
        labels=tuple(sorted(labels + SLOTH)),
    )


S0 = "slos.0"
MAPS = [
    (
        "events queries become error and total events with our window placeholder",
        {},
        slo(),
    ),
    (
        "the window template may carry spaces and trim markers",
        {
            f"{S0}.sli.events": {
                "error_query": "sum(rate(e[{{ .window }}]))",
                "total_query": "sum(rate(t[{{- .window -}}]))\n",
            }
        },
        slo(m.EventsSLI(total="sum(rate(t[{{window}}]))", errors="sum(rate(e[{{window}}]))")),
    ),
    (
        "a raw error ratio query becomes a raw SLI",
        {f"{S0}.sli": {"raw": {"error_ratio_query": "avg_over_time(err:ratio[{{.window}}])"}}},
        slo(m.RawSLI("avg_over_time(err:ratio[{{window}}])", every_window=True)),
    ),
    (
        "the objective and description are kept and the period is Sloth's 30 days",
        {f"{S0}.objective": 95, f"{S0}.description": "Requests succeed."},
        slo(objective=95.0, description="Requests succeed."),
    ),
    (
        "service labels reach every rule of the SLO and SLO labels win over them",
        {"labels": {"team": "a", "tier": "2"}, f"{S0}.labels": {"tier": "1"}},
        slo(labels=(("team", "a"), ("tier", "1"))),
    ),
    (
        "alerting name, labels, annotations and per-severity options map one to one",
        {
            f"{S0}.alerting": {
                "name": "ApiDown",
                "labels": {"category": "availability"},
                "annotations": {"runbook": "https://r/api"},
                "page_alert": {"labels": {"severity": "critical"}, "for": "2m"},
                "ticket_alert": {"disable": True, "annotations": {"note": "x"}},
            }
        },
        slo(
            alerting=m.SLOAlerting(
                name="ApiDown",
                page=m.SeverityAlerting(
                    labels=(("severity", "critical"), ("sloth_severity", "page")),
                    for_seconds=120,
                ),
                ticket=m.SeverityAlerting(
                    enabled=False,
                    labels=(("sloth_severity", "ticket"),),
                    annotations=(("note", "x"),),
                ),
                labels=(("category", "availability"),),
                annotations=(("runbook", "https://r/api"),),
            )
        ),
    ),
]


@pytest.mark.parametrize(("case", "edits", "expected"), MAPS, ids=[c[0] for c in MAPS])
def test_maps(tmp_path: Path, case: str, edits: dict[str, Any], expected: m.SLO) -> None:
    (spec,) = load_file(write(tmp_path, edited(edits)))
    assert spec.slos == (expected,)


def test_the_service_maps_whole(tmp_path: Path) -> None:
    path = write(tmp_path, edited({"labels": {"team": "a"}}))
    (spec,) = load_file(path)
    assert spec == m.ServiceSpec(
        name="api",
        source=m.Source(str(path), 2, "service"),
        slos=(slo(labels=(("team", "a"),)),),
        labels=(("team", "a"),),
        object_labels=(),  # Sloth's labels are rule labels, on no Kubernetes object
        agent_alerts=m.AgentAlerts(enabled=False),
    )


def test_valid_fields_that_change_nothing_are_noted(tmp_path: Path) -> None:
    text = """version: prometheus/v1
service: api
slos:
  - name: availability
    objective: 99.9
    infoLabels: {owner: a}
    interval: {all: 1m}
    sli:
      events:
        error_query: sum(rate(e[{{.window}}]))
        total_query: sum(rate(t[{{.window}}]))
"""
    path = write(tmp_path, text)
    (spec,) = load_file(path)
    assert spec.extra == (
        (f"{path}:6: slos[0].infoLabels", "not used: adk-observe has no sloth_slo_info series"),
        (
            f"{path}:7: slos[0].interval",
            "not used: rule groups use Prometheus's evaluation_interval",
        ),
    )


FAILS = [
    (
        "an SLI plugin does not map",
        {f"{S0}.sli": {"plugin": {"id": "sloth-common/availability", "options": {"a": "b"}}}},
        "slos[0].sli.plugin",
        "SLI plugins do not map",
    ),
    (
        "an SLO plugin chain does not map",
        {"slo_plugins": {"chain": [{"id": "sloth.dev/contrib/alert_for/v1"}]}},
        "slo_plugins",
        "SLO plugin chains do not map",
    ),
    (
        "a per-SLO plugin chain does not map",
        {f"{S0}.plugins": {"chain": [{"id": "x"}]}},
        "slos[0].plugins",
        "do not map",
    ),
    (
        "a query without the window template is rejected in Sloth's words",
        {f"{S0}.sli.events.total_query": "sum(rate(t[5m]))"},
        "slos[0].sli.events.total_query",
        "{{.window}} placeholder",
    ),
    (
        "another Go template variable does not map",
        {f"{S0}.sli.events.total_query": 'sum(rate(t{s="{{.service}}"}[{{.window}}]))'},
        "slos[0].sli.events.total_query",
        "only the {{.window}} template variable maps",
    ),
    (
        "a query that is not PromQL is rejected",
        {f"{S0}.sli.events.error_query": "sum(rate(e[{{.window}}])"},
        "slos[0].sli.events.error_query",
        "unclosed left parenthesis",
    ),
    (
        "an objective of 100 leaves no budget",
        {f"{S0}.objective": 100},
        "slos[0].objective",
        "no error budget",
    ),
    (
        "an objective of 0 is out of range",
        {f"{S0}.objective": 0},
        "slos[0].objective",
        "greater than 0",
    ),
    (
        "two SLI kinds at once are ambiguous",
        {f"{S0}.sli.raw": {"error_ratio_query": "x[{{.window}}]"}},
        "slos[0].sli",
        "exactly one of events, raw or plugin",
    ),
    ("an unknown key is an error", {f"{S0}.owner": "me"}, "slos[0].owner", "unknown key"),
    (
        "a duplicate SLO name is an error",
        {"slos": [BASE["slos"][0], BASE["slos"][0]]},
        "slos[1].name",
        "duplicate SLO name",
    ),
    (
        "an SLO name ending in a dot is rejected, as Sloth's NameRegexp does",
        {f"{S0}.name": "availability."},
        "slos[0].name",
        "is not a Sloth name: it starts and ends with a letter or digit",
    ),
    (
        "an alert name with a space is rejected",
        {f"{S0}.alerting": {"name": "api down"}},
        "slos[0].alerting.name",
        "should match pattern",
    ),
    ("a service without SLOs is an error", {"slos": []}, "slos", "at least 1 item"),
]


@pytest.mark.parametrize(("case", "edits", "path", "message"), FAILS, ids=[c[0] for c in FAILS])
def test_fails_located(
    tmp_path: Path, case: str, edits: dict[str, Any], path: str, message: str
) -> None:
    file = write(tmp_path, edited(edits))
    with pytest.raises(SpecError) as info:
        load_file(file)
    err = info.value
    (doc,) = load_documents(str(file), file.read_text())
    located = next(k for k in doc.lines if format_path(k) == path)
    assert (err.file, err.path, err.line) == (str(file), path, doc.line_of(located))
    assert message in err.message
    assert "\n" not in str(err)


def test_cli_exits_2_with_one_located_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(tmp_path, edited({f"{S0}.sli": {"plugin": {"id": "x"}}}))
    assert main(["compile-rules", str(file), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"error: {file}:7: slos[0].sli.plugin: SLI plugins do not map: Sloth plugins run Go "
        "code inside Sloth that adk-observe cannot run; write the queries the plugin generates "
        "as an events or raw SLI\n"
    )
    assert not (tmp_path / "out").exists()


def test_golden_spec_compiles_and_promtool_accepts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], promtool: str
) -> None:
    out = tmp_path / "rules"
    assert main(["compile-rules", str(GOLDEN), "-o", str(out)]) == 0
    assert "support-agent: 3 SLOs" in capsys.readouterr().out
    files = sorted(str(p) for p in out.glob("*.yaml"))
    assert files
    check = subprocess.run(
        [promtool, "check", "rules", *files], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
