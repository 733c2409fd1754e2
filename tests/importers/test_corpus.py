"""The corpus: specs in every accepted format and shape, each with the behaviour it must have.

Accepted specs compile, their rule files pass `promtool check rules` and their emitted tests pass
`promtool test rules`; refused specs stop every spec-reading command with one located line and
exit code 2, without a traceback or any output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from tests.rules.support import run_parallel, run_promtool

from adk_observe import model as m
from adk_observe.cli import main
from adk_observe.loader.load import load_file, load_specs

CORPUS = Path(__file__).parent / "corpus"


def _crd(specs: list[m.ServiceSpec]) -> None:
    payments, ledger = specs
    assert (payments.name, payments.namespace) == ("payments", "payments")
    assert (ledger.name, ledger.namespace) == ("ledger", "default")
    assert payments.labels == (("pci", "true"), ("tier", "1"))
    (slo,) = payments.slos
    assert slo.description == "Payment API requests without a server error."
    assert slo.sli == m.EventsSLI(
        total='sum(rate(http_requests_total{job="payments"}[{{window}}]))',
        errors='sum(rate(http_requests_total{job="payments",code=~"5.."}[{{window}}]))',
    )
    assert slo.alerting.page.labels == (("severity", "critical"), ("sloth_severity", "page"))
    assert not slo.alerting.ticket.enabled
    assert dict(slo.labels)["sloth_id"] == "payments-requests-availability"
    (writes,) = ledger.slos
    assert writes.sli == m.RawSLI(
        "sum(rate(ledger_write_errors_total[{{window}}])) / "
        "sum(rate(ledger_writes_total[{{window}}]))",
        every_window=True,
    )


def _camel_alerts(specs: list[m.ServiceSpec]) -> None:
    ((slo,),) = [s.slos for s in specs]
    assert not slo.alerting.page.enabled
    assert slo.alerting.ticket.labels == (("sloth_severity", "ticket"), ("team", "search"))


def _openslo_list(specs: list[m.ServiceSpec]) -> None:
    (spec,) = specs
    assert (spec.name, spec.labels) == ("checkout", (("team", "checkout"),))
    (slo,) = spec.slos
    assert (slo.name, slo.objective, slo.period) == ("availability", 99.9, 14 * 86400)
    assert slo.description == "Checkout requests that succeed."


def _negative_selector(specs: list[m.ServiceSpec]) -> None:
    ((slo,),) = [s.slos for s in specs]
    assert slo.sli == m.LatencySLI(
        metric="apiserver_request_duration_seconds",
        threshold=1.0,
        selector='verb!="WATCH",scope=~"resource|namespace",job=~".*"',
    )


def _grouped(specs: list[m.ServiceSpec]) -> None:
    # Sloth's one ratio per route: an SLO per route (group_by), each with its own alerts.
    ((slo,),) = [s.slos for s in specs]
    assert slo.group_by == ("route",)


def _short_periods(specs: list[m.ServiceSpec]) -> None:
    (spec,) = specs
    assert [s.period for s in spec.slos] == [7 * 86400, 14 * 86400]


def _empty_alert_policies(specs: list[m.ServiceSpec]) -> None:
    ((slo,),) = [s.slos for s in specs]
    assert (slo.name, slo.objective, slo.period) == ("search-slo", 99.0, 14 * 86400)


def _sloth_labels(slo: m.SLO) -> tuple[str, str, str]:
    labels = dict(slo.labels)
    return labels["sloth_service"], labels["sloth_slo"], labels["sloth_id"]


def _names(specs: list[m.ServiceSpec]) -> None:
    # Sloth's label values are the names as written: sloth_id is `<service>-<slo>`
    # (internal/storage/io/sloth.go), whatever their case, `_` or `.`.
    (spec,) = specs
    assert spec.name == "My_Service.v2"
    assert [_sloth_labels(s) for s in spec.slos] == [
        ("My_Service.v2", "requests.availability", "My_Service.v2-requests.availability"),
        ("My_Service.v2", "Latency_P99.v1", "My_Service.v2-Latency_P99.v1"),
        ("My_Service.v2", "Errors_Budget", "My_Service.v2-Errors_Budget"),
    ]
    assert [s.alerting.name for s in spec.slos] == [
        "slo_foo-bar_grpc-latency-percentile-90_fail",
        "Slo-MyService.Latency",
        "MyServiceV2ErrorsBudgetBudgetBurn",  # the default, one word: no `_` or `.` in it
    ]


def _crd_names(specs: list[m.ServiceSpec]) -> None:
    (spec,) = specs
    assert (spec.name, spec.namespace) == ("CheckoutAPI_v1.2", "payments")
    (slo,) = spec.slos
    assert _sloth_labels(slo) == (
        "CheckoutAPI_v1.2",
        "Requests.Availability_30d",
        "CheckoutAPI_v1.2-Requests.Availability_30d",
    )
    assert slo.alerting.name == "Checkout-API.Availability"


# (file, what the model must say, emitted test files expected)
ACCEPTED: list[tuple[str, Callable[[list[m.ServiceSpec]], None], int]] = [
    ("sloth-crd-two-services", _crd, 0),
    ("sloth-camel-alert-spelling", _camel_alerts, 0),
    ("sloth-raw-uneven", lambda specs: None, 0),
    ("openslo-list", _openslo_list, 0),
    ("sloth-grouped", _grouped, 0),
    ("openslo-negative-selector", _negative_selector, 2),
    ("v1-short-period", _short_periods, 2),
    ("sloth-crd-rule-selector", lambda specs: None, 0),
    ("openslo-empty-alert-policies", _empty_alert_policies, 0),
    ("sloth-names", _names, 0),
    ("sloth-crd-names", _crd_names, 0),
]


@pytest.mark.parametrize(("name", "check", "tests"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_specs_compile_and_pass_promtool(
    promtool: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    check: Callable[[list[m.ServiceSpec]], None],
    tests: int,
) -> None:
    spec = CORPUS / f"{name}.yaml"
    check(load_file(spec))
    assert main(["compile-rules", str(spec), "-o", str(tmp_path), "--emit-tests"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    rules = sorted(str(p) for p in tmp_path.glob("*.rules.yaml"))
    result = run_promtool(promtool, "check", "rules", *rules)
    assert result.returncode == 0, result.stdout + result.stderr
    emitted = sorted(p.name for p in tmp_path.glob("*test.yaml"))
    assert len(emitted) == tests, err
    if not emitted:
        # Custom PromQL has no series to synthesise: said, not silent.
        assert "no promtool tests emitted: its SLI is custom PromQL" in err
    for (code, output), test in zip(
        run_parallel(promtool, [(tmp_path, ["test", "rules", t]) for t in emitted]),
        emitted,
        strict=True,
    ):
        assert code == 0, f"{test}:\n{output}"


GROUPED = (
    "the query can return several series (a `by`/`without` grouping, or no aggregation), one "
    "ratio per series for the source tool, and summing them would hide a bad group"
)
RESERVED = "is set by the compiler on every SLO series and alert"
REPEATED = "of service 'svc01': already used at "
# (file, line, key path, message start)
REFUSED = [
    ("sloth-unaggregated", 10, "slos[0].sli.events.total_query", GROUPED),
    ("sloth-reserved-label", 10, "slos[0].labels.slo", f"'slo' {RESERVED}"),
    (
        "sloth-crd-reserved-alert-label",
        16,
        "spec.slos[0].alerting.pageAlert.labels.windows",
        f"'windows' {RESERVED}",
    ),
    ("openslo-reserved-label", 6, "metadata.labels.service", f"'service' {RESERVED}"),
    (
        "openslo-threshold-off-bucket",
        18,
        "spec.objectives[0].value",
        "0.3 is not a bucket bound of adk_agent_request_duration_seconds (bounds: 0.1, 0.25, "
        "0.5, 1, 2.5, 5, 10, 30, 60)",
    ),
    ("pyrra", 2, "kind", "a Pyrra ServiceLevelObjective is not read by adk-observe: write"),
    (
        "openslo-v2alpha-list",
        3,
        "apiVersion",
        "apiVersion 'openslo.com/v2alpha' does not map: only openslo/v1 is supported",
    ),
    (
        "sloth-alert-windows",
        3,
        "kind",
        "kind AlertWindows does not map: it is Sloth's burn-rate window table for an SLO period",
    ),
    (
        "sloth-crd-bad-object-label",
        6,
        "metadata.labels.team",
        "'payments/checkout' is not a valid Kubernetes label value (at most 63 letters",
    ),
    ("sloth-unknown-version", 2, "version", "unknown spec format: expected apiVersion"),
    # Documents of one Sloth service merge; a repeated (service, SLO name) pair is refused at
    # the second SLO's name, as Sloth refuses it (its validate_with_duplicates cases).
    ("sloth-duplicate-service", 19, "slos[0].name", f"duplicate SLO name 'slo1' {REPEATED}"),
    (
        "sloth-crd-duplicate-service",
        23,
        "spec.slos[0].name",
        f"duplicate SLO name 'slo1' {REPEATED}",
    ),
    # One service is one PrometheusRule: one namespace, one set of object labels, one format.
    ("sloth-crd-split-namespaces", 21, "metadata.namespace", "namespace 'monitoring' differs"),
    ("sloth-crd-split-labels", 23, "metadata.labels", "metadata.labels {prometheus: edge} differ"),
    (
        "sloth-file-and-crd",
        18,
        "service",
        "service 'checkout' is already defined by a PrometheusServiceLevel at ",
    ),
    (
        "sloth-names-clash",
        14,
        "service",
        "service 'My-Service' derives the identifier 'my-service' of service 'my_service' (",
    ),
]


@pytest.mark.parametrize("command", ["compile-rules", "dashboards", "validate"])
@pytest.mark.parametrize(("name", "line", "path", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_specs_exit_2_with_one_located_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    name: str,
    line: int,
    path: str,
    message: str,
) -> None:
    spec = CORPUS / f"{name}.yaml"
    out = tmp_path / "out"
    args = [command, str(spec)] + ([] if command == "validate" else ["-o", str(out)])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {spec}:{line}: {path}: {message}"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_a_selector_no_simple_value_satisfies_gets_a_note_instead_of_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (CORPUS / "openslo-negative-selector.yaml").read_text()
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace('scope=~"resource|namespace"', 'scope=~"[a-z]+[0-9]"'))
    assert main(["compile-rules", str(spec), "-o", str(tmp_path / "out"), "--emit-tests"]) == 0
    assert capsys.readouterr().err == (
        f"note: {spec}: SLO 'read-latency': no promtool tests emitted: no label values "
        'satisfying the selector {verb!="WATCH",scope=~"[a-z]+[0-9]",job=~".*"} could be '
        "chosen (a regex with no literal alternative)\n"
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["kube-api.rules.yaml"]


OURS = {"app.kubernetes.io/managed-by": "adk-observe", "app.kubernetes.io/name": "checkout"}
# Sloth's controller writes a CRD's metadata.labels on its PrometheusRule (Sloth's
# examples/_gen/k8s-home-wifi.yml: prometheus, role, app beside its own app.kubernetes.io
# labels), which the operator's ruleSelector matches; `labels` go on the rules only, so a value
# Kubernetes would refuse (a `/`) is fine there. A plain Sloth file has no object labels, nor
# has OpenSLO v1 (its Service labels label the alerts).
OBJECT_LABELS = [
    ("sloth-crd-rule-selector", "monitoring", {**OURS, "prometheus": "k8s", "role": "alert-rules"}),
    ("sloth-rule-label-slash", "default", OURS),
    ("openslo-rule-label-slash", "default", OURS),
]


@pytest.mark.parametrize(
    ("name", "namespace", "labels"), OBJECT_LABELS, ids=[o[0] for o in OBJECT_LABELS]
)
def test_an_imported_prometheusrule_carries_only_labels_the_source_puts_on_an_object(
    tmp_path: Path, name: str, namespace: str, labels: dict[str, str]
) -> None:
    spec = CORPUS / f"{name}.yaml"
    assert main(["compile-rules", str(spec), "-o", str(tmp_path), "--format", "operator"]) == 0
    rule = yaml.safe_load((tmp_path / "checkout.prometheusrule.yaml").read_text())
    assert rule["metadata"] == {"name": "checkout-slos", "namespace": namespace, "labels": labels}
    rules = [r for g in rule["spec"]["groups"] for r in g["rules"]]
    assert any(r.get("labels", {}).get("repo") == "acme/checkout" for r in rules)
    # The AlertmanagerConfig is labelled the same way.
    out = tmp_path / "am"
    assert main(["alertmanager", str(spec), "-o", str(out), "--format", "operator"]) == 0
    config = yaml.safe_load((out / "checkout.alertmanagerconfig.yaml").read_text())
    assert config["metadata"]["labels"] == labels


def test_a_repeated_slo_names_where_it_was_first_defined() -> None:
    spec = CORPUS / "sloth-duplicate-service.yaml"
    code, err = _run(["validate", str(spec)])
    assert (code, err) == (
        2,
        f"error: {spec}:19: slos[0].name: duplicate SLO name 'slo1' of service 'svc01': already "
        f"used at {spec}:6\n",
    )
    # Across files too: the same file given twice repeats every SLO of it.
    team_a = CORPUS / "sloth-split-team-a.yaml"
    code, err = _run(["compile-rules", str(team_a), str(team_a), "-o", "/nonexistent/x"])
    assert code == 2
    assert err.startswith(f"error: {team_a}:6: slos[0].name: duplicate SLO name 'queries' ")
    assert err.endswith(f"of service 'search': already used at {team_a}:6\n")


def _run(argv: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return code, err.getvalue()


# Public Kubernetes setups write one PrometheusServiceLevel per SLO, or one Sloth file per team,
# for one service; Sloth refuses only a repeated (service, SLO name). Each document's `labels`
# label its own SLOs only. Expected labels worked out by hand from the files: SLO -> the labels
# of its rules among `team`, `owner`, `tier`, `pipeline`; the service keeps the labels that every
# document gives alike.
SPLIT = [
    (
        ["sloth-crd-per-slo"],
        "checkout",
        {
            "availability": {"team": "shop", "owner": "alice"},
            "latency": {"team": "shop", "owner": "bob"},
            "payments": {"team": "payments", "owner": "carol"},
        },
        ("shop", {**OURS, "app.kubernetes.io/name": "checkout", "prometheus": "k8s"}),
        {},  # no label all three documents give alike: no team route in Alertmanager
    ),
    (
        ["sloth-split-team-a", "sloth-split-team-b"],
        "search",
        {
            "queries": {"team": "search-a", "tier": "1"},
            "indexing": {"team": "search-b", "tier": "1", "pipeline": "nightly"},
            "freshness": {"team": "search-b", "tier": "1"},
        },
        ("default", {**OURS, "app.kubernetes.io/name": "search"}),
        {"tier": "1"},
    ),
]
_SHOWN = ("team", "owner", "tier", "pipeline")


@pytest.mark.parametrize(
    ("files", "service", "labels", "rule", "common"), SPLIT, ids=["+".join(s[0]) for s in SPLIT]
)
def test_documents_of_one_sloth_service_are_one_service(
    promtool: str,
    tmp_path: Path,
    files: list[str],
    service: str,
    labels: dict[str, dict[str, str]],
    rule: tuple[str, dict[str, str]],
    common: dict[str, str],
) -> None:
    paths = [str(CORPUS / f"{name}.yaml") for name in files]
    (spec,) = load_specs(paths)
    assert (spec.name, [slo.name for slo in spec.slos]) == (service, list(labels))
    assert dict(spec.labels) == common
    # Thanos and Mimir files pass compile-rules' own offline check of those engines' limits.
    for target, name in (("thanos", "thanos.rules"), ("mimir", "mimir.rules")):
        out = tmp_path / target
        assert _run(["compile-rules", *paths, "-o", str(out), "--target", target]) == (0, "")
        assert (out / f"{service}.{name}.yaml").is_file()
    out = tmp_path / "prometheus"
    code, err = _run(["compile-rules", *paths, "-o", str(out), "--emit-tests"])
    assert code == 0
    for slo in labels:  # Sloth SLIs are custom PromQL: no tests to emit, and said so per SLO
        assert f"SLO {slo!r}: no promtool tests emitted: its SLI is custom PromQL" in err
    check = run_promtool(promtool, "check", "rules", str(out / f"{service}.rules.yaml"))
    assert check.returncode == 0, check.stdout + check.stderr
    groups = yaml.safe_load((tmp_path / "prometheus" / f"{service}.rules.yaml").read_text())
    rules = [r for g in groups["groups"] for r in g["rules"]]
    assert {r["labels"]["slo"] for r in rules} == set(labels)
    for r in rules:
        shown = {k: v for k, v in r["labels"].items() if k in _SHOWN}
        assert shown == labels[r["labels"]["slo"]], r
    op = tmp_path / "operator"
    assert _run(["compile-rules", *paths, "-o", str(op), "--format", "operator"])[0] == 0
    obj = yaml.safe_load((op / f"{service}.prometheusrule.yaml").read_text())
    namespace, object_labels = rule
    assert obj["metadata"] == {
        "name": f"{service}-slos",
        "namespace": namespace,
        "labels": object_labels,
    }
    (op / "spec.yaml").write_text(yaml.safe_dump(obj["spec"]))
    check = run_promtool(promtool, "check", "rules", str(op / "spec.yaml"))
    assert check.returncode == 0, check.stdout + check.stderr
    for verb in ("dashboards", "alertmanager", "runbooks"):
        code, err = _run([verb, *paths, "-o", str(tmp_path / verb)])
        assert (code, "error" in err) == (0, False), (verb, err)
    for verb in ("lint", "validate"):
        assert _run([verb, *paths])[0] == 0, verb


def test_each_documents_labels_reach_only_its_own_alerts_in_promtool(
    promtool: str, tmp_path: Path
) -> None:
    """sloth-crd-per-slo.yaml on traffic worked out by hand: 10 requests/s, none a 5xx (the
    availability error query finds no series), 1 in 10 slow, no payments. The latency SLO
    (99%, page alert disabled) burns 10x its budget: at 3h both ticket pairs (3x over 1d/2h,
    1x over 3d/6h) fire, and the 30d budget (the mean of the 5m ratios, 0.1 > 0.01) is spent.
    Those alerts carry the latency document's labels (owner bob) and no other document's."""
    spec = CORPUS / "sloth-crd-per-slo.yaml"
    assert _run(["compile-rules", str(spec), "-o", str(tmp_path)])[0] == 0
    latency = {"slo": "latency", "owner": "bob", "team": "shop"}
    test = {
        "rule_files": ["checkout.rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'http_requests_total{job="checkout",code="200"}',
                     "values": "0+600x200"},
                    {"series": 'http_slow_requests_total{job="checkout"}', "values": "0+60x200"},
                ],
                "promql_expr_test": [
                    {
                        "expr": "count by (alertname, slo, owner, team, windows) "
                        '(ALERTS{alertstate="firing"})',
                        "eval_time": "3h",
                        "exp_samples": [
                            {"labels": _series({"alertname": "CheckoutLatencyBudgetBurn",
                                                **latency, "windows": "1d/2h"}), "value": 1},
                            {"labels": _series({"alertname": "CheckoutLatencyBudgetBurn",
                                                **latency, "windows": "3d/6h"}), "value": 1},
                            {"labels": _series({"alertname":
                                                "CheckoutLatencyErrorBudgetExhausted",
                                                **latency}), "value": 1},
                        ],
                    },
                    {
                        "expr": "count by (slo, owner, team) (slo:objective:ratio)",
                        "eval_time": "3h",
                        "exp_samples": [
                            {"labels": _series({"slo": slo, **labels}), "value": 1}
                            for slo, labels in SPLIT[0][2].items()
                        ],
                    },
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test))
    result = run_promtool(promtool, "test", "rules", "test.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _series(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
