"""Hostile values for the deploy fields issue 21 added: `ingress.annotations`, the ALB's name,
tags, subnets and security groups, `ingress.timeout` and `health_check`, the GKE options,
`egress` and `compliance`.

Each surface has a small generator of hostile values. For every value, render-deploy either
renders (and what it renders keeps every protection: no annotation of ours replaced, TLS and
redirect intact, the timeout above the latency SLO) or exits 2 with exactly one located line
and writes nothing; never a traceback. The documented refusals are listed with their messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hostile.test_corpus import run
from tests.hostile.test_gotemplate import mixed

from adk_observe import load_balancers as lbs
from adk_observe.durations import parse_ms

SPEC: dict[str, Any] = {
    "apiVersion": "adk-observe/v1",
    "kind": "AgentService",
    "metadata": {"name": "shop-agent", "namespace": "shop"},
    "spec": {
        "slos": [
            {"name": "success", "objective": 99.5, "sli": {"builtin": "success"}},
            {"name": "latency", "objective": 95, "sli": {"builtin": "latency",
                                                          "threshold": "30s"}},
        ],
        "deploy": {
            "image": "ghcr.io/acme/shop@sha256:" + "0123456789abcdef" * 4,
            "ingress": {
                "class": "alb",
                "host": "shop.example.com",
                "allow_cidrs": ["10.0.0.0/16"],
                "certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/1111-2222",
            },
        },
    },
}
GKE = {"class": "gke", "host": "shop.example.com"}


def _spec(ingress: dict[str, Any] | None = None, **deploy: Any) -> dict[str, Any]:
    spec = yaml.safe_load(yaml.safe_dump(SPEC))
    if ingress is not None:
        spec["spec"]["deploy"]["ingress"] = ingress
    spec["spec"]["deploy"].update(deploy)
    return spec


def _render(tmp_path: Path, spec: dict[str, Any]) -> tuple[int, str, str, Path]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = run("render-deploy", str(path), "-o", str(out))
    return code, stdout, stderr, out


def _one_located_line(code: int, stderr: str, out: Path, path: str) -> None:
    assert code == 2, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert f": {path}" in stderr, stderr
    assert not out.exists()


def _alb_ingress(out: Path) -> dict[str, str]:
    doc = yaml.safe_load((out / "shop-agent" / "ingress.yaml").read_text(encoding="utf-8"))
    return dict(doc["metadata"]["annotations"])


# --- the documented refusals ------------------------------------------------------------------

ALB = dict(SPEC["spec"]["deploy"]["ingress"])
REFUSED: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    # (case, ingress, other deploy keys, key path, message)
    ("annotation sets the TLS policy", {**ALB, "annotations": {
        "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-2016-08"}}, {},
     "spec.deploy.ingress.annotations.alb.ingress.kubernetes.io/ssl-policy",
     "'alb.ingress.kubernetes.io/ssl-policy' is set by adk-observe "
     "(alb.ingress.kubernetes.io/ssl-policy): use the ingress fields (ssl_policy, scheme, "
     "timeout, health_check, ...) instead"),
    ("annotation turns the redirect off", {**ALB, "annotations": {
        "alb.ingress.kubernetes.io/ssl-redirect": ""}}, {},
     "spec.deploy.ingress.annotations.alb.ingress.kubernetes.io/ssl-redirect", "is set by"),
    ("annotation writes Argo's weights", {**ALB, "annotations": {
        "alb.ingress.kubernetes.io/actions.shop-agent": "{}"}}, {},
     "spec.deploy.ingress.annotations.alb.ingress.kubernetes.io/actions.shop-agent",
     "(alb.ingress.kubernetes.io/actions.*)"),
    ("nginx snippet", {"class": "nginx", "host": "shop.example.com", "annotations": {
        "nginx.ingress.kubernetes.io/server-snippet": "return 200;"}}, {},
     "spec.deploy.ingress.annotations.nginx.ingress.kubernetes.io/server-snippet",
     "can weaken TLS or inject configuration"),
    ("gce class annotation", {**GKE, "annotations": {"kubernetes.io/ingress.class": "nginx"}},
     {}, "spec.deploy.ingress.annotations.kubernetes.io/ingress.class", "is set by adk-observe"),
    ("gce plain HTTP off", {**GKE, "annotations": {"kubernetes.io/ingress.allow-http": "false"}},
     {}, "spec.deploy.ingress.annotations.kubernetes.io/ingress.allow-http", "is set by"),
    ("annotation key", {**ALB, "annotations": {"bad key!": "x"}}, {},
     "spec.deploy.ingress.annotations.bad key!", "is not a valid annotation key"),
    ("annotation value with a newline", {**ALB, "annotations": {"example.com/x": "a\nb"}}, {},
     "spec.deploy.ingress.annotations.example.com/x", "printable text of at most 4096"),
    ("timeout at the latency threshold", {**ALB, "timeout": "30s"}, {},
     "spec.deploy.ingress.timeout",
     "30s is not above the threshold of latency SLO 'latency' (spec.slos[1], 30s): the load "
     "balancer would cut turns the SLO counts as good"),
    ("timeout beyond an hour", {**ALB, "timeout": "2h"}, {}, "spec.deploy.ingress.timeout",
     "must be within 1s..3600s"),
    ("health check timeout not below the interval", {**ALB, "health_check": {
        "interval": "10s", "timeout": "10s"}}, {}, "spec.deploy.ingress.health_check.timeout",
     "below the interval"),
    ("ALB name", {**ALB, "load_balancer_name": "internal-shop"}, {},
     "spec.deploy.ingress.load_balancer_name", "is not an ALB name"),
    ("ALB tag with a comma", {**ALB, "tags": {"team": "a,b=c"}}, {},
     "spec.deploy.ingress.tags.team", "is not an AWS tag"),
    ("ALB tag in aws: space", {**ALB, "tags": {"aws:owner": "x"}}, {},
     "spec.deploy.ingress.tags.aws:owner", "is not an AWS tag"),
    ("one subnet", {**ALB, "subnets": ["subnet-0a1b2c3d"]}, {}, "spec.deploy.ingress.subnets",
     "at least two Availability Zones"),
    ("subnet with a comma", {**ALB, "subnets": ["subnet-a,subnet-b", "subnet-c"]}, {},
     "spec.deploy.ingress.subnets[0]", "is not an AWS ID or Name tag"),
    ("ALB option on gke", {**GKE, "security_groups": ["sg-1"]}, {},
     "spec.deploy.ingress.security_groups", "security_groups belongs to class alb only"),
    ("gke option on alb", {**ALB, "security_policy": "armor"}, {},
     "spec.deploy.ingress.security_policy", "belongs to classes gke, gke-gateway"),
    ("GCP name", {**GKE, "ssl_policy": "TLS_1_2"}, {}, "spec.deploy.ingress.ssl_policy",
     "is not a GCP resource name"),
    ("managed certificate for a long host", {**GKE, "host": "a" * 60 + ".example.com"}, {},
     "spec.deploy.ingress.host", "at most 63 characters: set tls_secret"),
    ("gateway class", {"class": "gke-gateway", "host": "shop.example.com",
                       "gateway_class": "istio"}, {}, "spec.deploy.ingress.gateway_class",
     "is not a GKE Application Load Balancer class"),
    ("internal gateway without the proxy-only subnet", {
        "class": "gke-gateway", "host": "shop.example.com", "gateway_class": "gke-l7-rilb"}, {},
     "spec.deploy.ingress.allow_cidrs", "proxy-only subnet"),
    ("restricted without an allow-list", GKE, {"compliance": {
        "data_classification": "restricted"}}, "spec.deploy.egress",
     "restricted data needs an egress allow-list"),
    ("confidential without an allow-list", GKE, {"compliance": {
        "data_classification": "confidential"}}, "spec.deploy.egress",
     "confidential data needs an egress allow-list"),
    ("allow-list of every address", GKE, {"egress": [{"cidrs": ["0.0.0.0/0"], "ports": [443]}]},
     "spec.deploy.egress[0].cidrs[0]", "is every address"),
    ("allow-list rule with both", GKE, {"egress": [{"cidrs": ["10.0.0.0/8"], "namespace": "x",
                                                    "ports": [443]}]},
     "spec.deploy.egress[0]", "set exactly one of cidrs or namespace"),
    ("allow-list port", GKE, {"egress": [{"cidrs": ["10.0.0.0/8"], "ports": [70000]}]},
     "spec.deploy.egress[0].ports[0]", "is not within 1..65535"),
    ("refresh slower than the rotation", GKE, {"compliance": {
        "secret_rotation_days": 30, "secret_refresh": "31d"}},
     "spec.deploy.compliance.secret_refresh", "must be within 1m..30d"),
    ("rotation beyond a year", GKE, {"compliance": {"secret_rotation_days": 400}},
     "spec.deploy.compliance.secret_rotation_days", "less than or equal to 365"),
    ("unknown classification", GKE, {"compliance": {"data_classification": "secret"}},
     "spec.deploy.compliance.data_classification", "Input should be"),
]


@pytest.mark.parametrize(("ingress", "deploy", "path", "message"),
                         [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_documented_refusals(
    ingress: dict[str, Any], deploy: dict[str, Any], path: str, message: str, tmp_path: Path
) -> None:
    code, _, stderr, out = _render(tmp_path, _spec(ingress, **deploy))
    _one_located_line(code, stderr, out, path)
    assert message in stderr, stderr


def test_debug_logs_are_refused_for_restricted_data(tmp_path: Path) -> None:
    spec = _spec(GKE, egress=[], compliance={"data_classification": "restricted"})
    spec["spec"]["telemetry"] = {"logging": {"levels": {"google_adk": "DEBUG"}}}
    code, _, stderr, out = _render(tmp_path, spec)
    _one_located_line(code, stderr, out, "spec.telemetry.logging.levels.google_adk")
    assert "DEBUG logs carry request and tool payloads" in stderr


def test_the_audit_stream_keeps_stderr_to_itself(tmp_path: Path) -> None:
    spec = _spec(GKE, egress=[], compliance={"data_classification": "confidential"})
    spec["spec"]["telemetry"] = {"logging": {"console": "stderr"}}
    code, _, stderr, out = _render(tmp_path, spec)
    _one_located_line(code, stderr, out, "spec.telemetry.logging.console")


# --- generators: any value renders safely or is one located line ------------------------------


def _settings(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


MANAGED = sorted(k.replace("*", "x") for keys in lbs.MANAGED_ANNOTATIONS.values() for k in keys)
annotation_keys = st.one_of(
    st.sampled_from(MANAGED),
    st.sampled_from(["nginx.ingress.kubernetes.io/configuration-snippet",
                     "nginx.ingress.kubernetes.io/ssl-ciphers", "example.com/ok", "x" * 300]),
    st.text(max_size=70),
)
annotation_values = st.one_of(st.text(max_size=50), mixed, st.text(min_size=4000, max_size=5000),
                              st.sampled_from(["\u202e", "\x00", "a\r\nb", "{{ x }}"]))
values = st.one_of(st.text(max_size=40), st.integers(-10, 10**6), st.booleans(), st.none(),
                   st.lists(st.text(max_size=20), max_size=3),
                   st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3))
durations = st.one_of(st.sampled_from(["0s", "1s", "29s", "30s", "31s", "61s", "1h", "3601s",
                                       "-5s", "1.5s", "nan", "999999999999s"]), values)
CLASSES = ["alb", "nginx", "gateway", "gke", "gke-gateway"]
FIELDS = ["load_balancer_name", "tags", "subnets", "security_groups", "ssl_policy",
          "security_policy", "static_ip", "gateway_class", "tls_secret", "scheme"]


def _ingress_of(lb: str) -> dict[str, Any]:
    return {"alb": ALB, "gke": GKE, "gke-gateway": {**GKE, "class": "gke-gateway"},
            "nginx": {**GKE, "class": "nginx"},
            "gateway": {**GKE, "class": "gateway", "gateway": {"name": "gw", "namespace": "g"}},
            }[lb]


def _check(tmp_path: Path, spec: dict[str, Any], path: str) -> Path | None:
    code, _, stderr, out = _render(tmp_path, spec)
    if code == 0:
        return out / "shop-agent"
    _one_located_line(code, stderr, out, path)
    return None


@_settings(60)
@given(lb=st.sampled_from(["alb", "nginx", "gke"]),
       extra=st.dictionaries(annotation_keys, annotation_values, min_size=1, max_size=3))
def test_any_annotation_renders_without_replacing_ours_or_is_refused(
    lb: str, extra: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("a")
    folder = _check(tmp, _spec({**_ingress_of(lb), "annotations": extra}),
                    "spec.deploy.ingress.annotations")
    if folder is None:
        return
    plain = _check(tmp_path_factory.mktemp("p"), _spec(_ingress_of(lb)), "")
    assert plain is not None
    ingress = yaml.safe_load((folder / "ingress.yaml").read_text(encoding="utf-8"))
    ours = yaml.safe_load((plain / "ingress.yaml").read_text(encoding="utf-8"))
    got = ingress["metadata"]["annotations"]
    assert {k: got[k] for k in ours["metadata"]["annotations"]} == ours["metadata"]["annotations"]
    assert {k: v for k, v in got.items() if k not in ours["metadata"]["annotations"]} == extra


@_settings(60)
@given(lb=st.sampled_from(CLASSES), key=st.sampled_from(FIELDS), value=values)
def test_any_class_option_renders_or_is_one_located_line(
    lb: str, key: str, value: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _check(tmp_path_factory.mktemp("o"), _spec({**_ingress_of(lb), key: value}),
           f"spec.deploy.ingress.{key}")


@_settings(40)
@given(lb=st.sampled_from(CLASSES), timeout=durations)
def test_any_timeout_is_above_the_latency_slo_or_refused(
    lb: str, timeout: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = _check(tmp_path_factory.mktemp("t"), _spec({**_ingress_of(lb), "timeout": timeout}),
                    "spec.deploy.ingress.timeout")
    if folder is not None:
        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml")))
        seconds = 60 if timeout is None else parse_ms(timeout) // 1000  # None: the default
        assert 30 < seconds <= 3600 and str(seconds) in text


@_settings(40)
@given(key=st.sampled_from(["data_classification", "secret_rotation_days", "secret_refresh",
                            "audit_log", "audit_retention_days"]),
       value=st.one_of(values, durations))
def test_any_compliance_value_renders_or_is_one_located_line(
    key: str, value: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    spec = _spec(GKE, egress=[], compliance={key: value})
    folder = _check(tmp_path_factory.mktemp("c"), spec, f"spec.deploy.compliance.{key}")
    if folder is not None:
        for path in folder.glob("*.yaml"):
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            if path.name != "kustomization.yaml":
                assert "compliance.adk-observe.io/data-classification" in doc["metadata"]["labels"]


@_settings(40)
@given(rules=st.lists(st.dictionaries(st.sampled_from(["cidrs", "namespace", "ports"]), values,
                                      max_size=3), max_size=3))
def test_any_egress_list_renders_or_is_one_located_line(
    rules: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    _check(tmp_path_factory.mktemp("e"), _spec(GKE, egress=rules), "spec.deploy.egress")
