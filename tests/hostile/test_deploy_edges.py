"""Hostile values at the edges of the workload and ingress fields, judged by what Kubernetes
does with the rendered objects, not by what adk-observe renders:

- the container's environment is its ConfigMap (`envFrom`) overlaid by its `env` entries
  ("Values defined by an Env with a duplicate key will take precedence", EnvFromSource in the
  core/v1 API); the probes and the scrape use the metrics port the telemetry section names,
  so the environment must tell `init()` that same port, and a `config` entry must reach the
  process as written (or be refused), never be silently replaced;
- an Ingress path of type Prefix must not contain `//`, `/./`, `/../` nor end with `/.` or
  `/..` (k8s.io/kubernetes pkg/apis/networking/validation: invalidPathSequences and
  invalidPathSuffixes), nor an HTTPRoute PathPrefix value (Gateway API CRD's CEL rules
  "must not contain '//' when type one of ['Exact', 'PathPrefix']", and the same for `/./`,
  `/../`, `/..` and `/.` at the end): the API server would refuse the object.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry
from tests.hostile.test_deploy_fields import ALB, GKE, _one_located_line, _render, _spec

from adk_observe.checks.podsecurity import check_object
from adk_observe.durations import parse_ms
from adk_observe.instrument.http import MetricsServer, Readiness

SERVICE = "shop-agent"
METRICS_PORT = 9464  # the telemetry section's default metrics port (docs/deploy.md)


def _objects(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        p.name: yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*.yaml"))
    }


def _container_env(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the process sees (envFrom, then env on top) and the container itself."""
    objects = _objects(folder)
    data = objects["configmap.yaml"]["data"]
    container = objects["deployment.yaml"]["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, Any] = dict(data)
    for entry in container["env"]:
        env[entry["name"]] = entry.get("value", entry.get("valueFrom"))
    return env, container


CONFIG = [
    ("the metrics port", {"ADK_OBSERVE_METRICS_PORT": "9999"}),
    ("the service name", {"OTEL_SERVICE_NAME": "other"}),
    ("adk-observe's service name", {"ADK_OBSERVE_SERVICE_NAME": "other"}),
    ("the sampler", {"OTEL_TRACES_SAMPLER": "always_off"}),
    ("the pod name", {"POD_NAME": "fixed"}),
    ("the pod namespace", {"POD_NAMESPACE": "elsewhere"}),
    ("the audit stream", {"ADK_OBSERVE_AUDIT_LOG": "stdout"}),
    ("a variable nobody else sets", {"OTEL_EXPORTER_OTLP_HEADERS": "x=1", "MODEL": "a $(B)"}),
]


@pytest.mark.parametrize("config", [c[1] for c in CONFIG], ids=[c[0] for c in CONFIG])
def test_config_reaches_the_process_without_moving_the_probed_port(
    config: dict[str, str], tmp_path: Path
) -> None:
    spec = _spec({**GKE, "class": "nginx"}, config=config)
    code, _, stderr, out = _render(tmp_path, spec)
    if code != 0:
        key = next(iter(config))
        _one_located_line(code, stderr, out, f"spec.deploy.config.{key}")
        return
    env, container = _container_env(out / SERVICE)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["port"] == "metrics"
    assert ports["metrics"] == METRICS_PORT
    assert env["ADK_OBSERVE_METRICS_PORT"] == str(METRICS_PORT)
    assert env["OTEL_SERVICE_NAME"] == SERVICE
    for key, value in config.items():
        assert env[key] == value, key  # as written: nothing silently replaced or ignored


def test_a_variable_nobody_else_sets_renders(tmp_path: Path) -> None:
    code, _, stderr, out = _render(tmp_path, _spec({**GKE, "class": "nginx"},
                                                   config=dict(CONFIG[-1][1])))
    assert code == 0, stderr
    env, _ = _container_env(out / SERVICE)
    assert env["MODEL"] == "a $(B)"  # envFrom: no $(VAR) expansion, the value as written


REFUSED_PATHS = ["//", "/api//v1", "/api/./v1", "/api/../admin", "/api/.", "/api/..", "/.",
                 "/api/v1//"]
INGRESSES = {
    "alb": ALB,
    "nginx": {**GKE, "class": "nginx"},
    "gke": GKE,
    "gateway": {**GKE, "class": "gateway", "gateway": {"name": "gw", "namespace": "g"}},
    "gke-gateway": {**GKE, "class": "gke-gateway"},
}


@pytest.mark.parametrize("lb", sorted(INGRESSES))
@pytest.mark.parametrize("path", REFUSED_PATHS)
def test_an_ingress_path_the_api_server_refuses_is_refused(
    lb: str, path: str, tmp_path: Path
) -> None:
    code, _, stderr, out = _render(tmp_path, _spec({**INGRESSES[lb], "path": path}))
    _one_located_line(code, stderr, out, "spec.deploy.ingress.path")


@pytest.mark.parametrize("lb", sorted(set(INGRESSES) - {"nginx"}))
@pytest.mark.parametrize("path", ["/", "/api", "/api/", "/v1.0/chat", "/a..b/.well-known"])
def test_an_ingress_path_with_dots_inside_segments_renders(
    lb: str, path: str, tmp_path: Path
) -> None:
    code, _, stderr, out = _render(tmp_path, _spec({**INGRESSES[lb], "path": path}))
    assert code == 0, stderr
    text = "\n".join(p.read_text(encoding="utf-8") for p in (out / SERVICE).glob("*.yaml"))
    assert f"value: {path}" in text or f"path: {path}" in text


# ingress-nginx's admission webhook denies a Prefix path with any character but letters,
# digits, `/`, `_` and `-` (its FAQ, "Validation of path"; strict-validate-path-type, on by
# default since controller v1.12.0): "path /v1.0/ cannot be used with pathType Prefix".
NGINX_PATHS = [("/v1.0/chat", False), ("/.well-known", False), ("/a~b", False),
               ("/a:b", False), ("/api/v1_x-y/", True), ("/", True)]


@pytest.mark.parametrize(("path", "admitted"), NGINX_PATHS, ids=[p for p, _ in NGINX_PATHS])
def test_an_nginx_path_is_one_the_admission_webhook_admits(
    path: str, admitted: bool, tmp_path: Path
) -> None:
    code, _, stderr, out = _render(tmp_path, _spec({**INGRESSES["nginx"], "path": path}))
    if admitted:
        assert code == 0, stderr
    else:
        _one_located_line(code, stderr, out, "spec.deploy.ingress.path")


# --- the scrape interval and the ranges rate() reads ------------------------------------------
# rate() needs two samples in its range; the range should span at least four scrape intervals
# so that a failed scrape or an ingestion race still leaves two (Robust Perception, "What range
# should I use with rate()?"; Grafana's $__rate_interval is four scrape intervals). Fewer, and
# the SLO alerts read nothing and every canary measurement is inconclusive.
RANGE = re.compile(r"\[([0-9]+[smhd])\]")

SCRAPES = [  # (monitoring.interval, analysis.query_window)
    ("10m", "5m"), ("2m", "5m"), ("90s", "10m"), ("30s", "1m"), ("20s", "1m"), ("15s", "1m"),
    ("30s", "5m"), ("1m", "5m"), ("5s", "1m"), ("0s", "5m"), ("0m", "5m"),
]


@pytest.mark.parametrize(("interval", "window"), SCRAPES, ids=[f"{i}-{w}" for i, w in SCRAPES])
def test_every_rate_range_spans_four_scrapes_or_the_interval_is_refused(
    interval: str, window: str, tmp_path: Path
) -> None:
    strategy = {"type": "canary", "analysis": {"query_window": window}}
    spec = _spec({**GKE, "class": "nginx"}, monitoring={"interval": interval}, strategy=strategy)
    code, _, stderr, out = _render(tmp_path, spec)
    if code != 0:
        _one_located_line(code, stderr, out, "spec.deploy.monitoring.interval")
        return
    objects = _objects(out / SERVICE)
    scrape = parse_ms(objects["servicemonitor.yaml"]["spec"]["endpoints"][0]["interval"])
    texts = [(out / SERVICE / name).read_text(encoding="utf-8") for name in objects
             if name.startswith(("prometheusrule", "analysistemplate"))]
    ranges = {parse_ms(r) for text in texts for r in RANGE.findall(text)}
    assert ranges and min(ranges) >= 4 * scrape, (sorted(ranges), scrape)


def test_a_scrape_as_slow_as_the_alert_window_is_refused(tmp_path: Path) -> None:
    spec = _spec({**GKE, "class": "nginx"}, monitoring={"interval": "5m"})
    code, _, stderr, out = _render(tmp_path, spec)
    _one_located_line(code, stderr, out, "spec.deploy.monitoring.interval")


# --- rbac: the Role is granted to a pod that can present the service account's token ----------
# In-cluster clients read the token, the CA and the namespace from
# /var/run/secrets/kubernetes.io/serviceaccount (Kubernetes, "Accessing the Kubernetes API from
# a Pod"); with automountServiceAccountToken: false nothing is there unless the pod projects a
# serviceAccountToken itself ("Configure Service Accounts for Pods": projected volume).
TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
RBAC = [{"api_groups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}]


def _token_files(pod: dict[str, Any]) -> set[str]:
    """The files the pod's only container finds under TOKEN_PATH."""
    if pod.get("automountServiceAccountToken", True):
        return {"token", "ca.crt", "namespace"}
    mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
    files: set[str] = set()
    for volume in pod["volumes"]:
        mount = mounts.get(volume["name"])
        if mount is None or mount["mountPath"].rstrip("/") != TOKEN_PATH:
            continue
        for source in volume.get("projected", {}).get("sources", []):
            if "serviceAccountToken" in source:
                files.add(source["serviceAccountToken"]["path"])
            for kind in ("configMap", "downwardAPI"):
                files |= {item["path"] for item in source.get(kind, {}).get("items", [])}
    return files


@pytest.mark.parametrize("rbac", [RBAC, []], ids=["rules", "none"])
def test_the_service_account_token_is_there_exactly_when_a_role_grants_something(
    rbac: list[dict[str, Any]], tmp_path: Path
) -> None:
    code, _, stderr, out = _render(tmp_path, _spec({**GKE, "class": "nginx"}, rbac=rbac))
    assert code == 0, stderr
    objects = _objects(out / SERVICE)
    pod = objects["deployment.yaml"]["spec"]["template"]["spec"]
    assert ("role.yaml" in objects) == bool(rbac)
    assert _token_files(pod) == ({"token", "ca.crt", "namespace"} if rbac else set())
    assert check_object(objects["deployment.yaml"]) == []


def test_a_secret_mounted_over_the_token_is_refused(tmp_path: Path) -> None:
    secrets = [{"name": "creds", "mount_path": TOKEN_PATH}]
    code, _, stderr, out = _render(tmp_path, _spec({**GKE, "class": "nginx"}, rbac=RBAC,
                                                   secrets=secrets))
    _one_located_line(code, stderr, out, "spec.deploy.secrets[0].mount_path")


# --- the load balancer's health check asks a path the pods answer ------------------------------
# Every class checks the pods on the metrics port (ALB healthcheck-port, BackendConfig
# healthCheck.port, HealthCheckPolicy port): the path must be one adk_observe.init()'s server
# answers with 200 there, or every backend is unhealthy. Asked of the real server.
HEALTH_PATHS = ["/healthz", "/", "/ready/", "/api", "/health", "/ready", "/metrics"]


def _health_check(lb: str, objects: dict[str, dict[str, Any]]) -> tuple[int, str]:
    if lb == "alb":
        notes = objects["ingress.yaml"]["metadata"]["annotations"]
        prefix = "alb.ingress.kubernetes.io/healthcheck-"
        return int(notes[prefix + "port"]), notes[prefix + "path"]
    if lb == "gke":
        check = objects["backendconfig.yaml"]["spec"]["healthCheck"]
        return check["port"], check["requestPath"]
    check = objects["healthcheckpolicy.yaml"]["spec"]["default"]["config"]["httpHealthCheck"]
    return check["port"], check["requestPath"]


@pytest.mark.parametrize("lb", ["alb", "gke", "gke-gateway"])
@pytest.mark.parametrize("path", HEALTH_PATHS)
def test_the_health_check_asks_what_the_metrics_port_answers(
    lb: str, path: str, tmp_path: Path
) -> None:
    spec = _spec({**INGRESSES[lb], "health_check": {"path": path}})
    code, _, stderr, out = _render(tmp_path, spec)
    if code != 0:
        _one_located_line(code, stderr, out, "spec.deploy.ingress.health_check.path")
        return
    port, asked = _health_check(lb, _objects(out / SERVICE))
    assert port == METRICS_PORT
    server = MetricsServer(CollectorRegistry(), Readiness(ready=True), "127.0.0.1", 0)
    try:
        reply = httpx.get(f"http://127.0.0.1:{server.port}{asked}", timeout=5.0)
    finally:
        server.close()
    assert reply.status_code == 200, (asked, reply.status_code)


# --- the analysis reaches Prometheus at an http(s) address --------------------------------------
# Argo Rollouts' Prometheus provider (`provider.prometheus.address`, "http://prometheus...:9090")
# and Flagger's MetricTemplate (`provider.address`) send HTTP requests to the address: anything
# but an absolute http(s) URL errors every measurement (Argo: the analysis is Errored and the
# rollout aborts; Flagger: failed checks), a release stopped for the wrong reason.
ADDRESSES = ["not a url", "prometheus:9090", "ftp://prom.example.com", "http://", "",
             "https://prom.example.com/select/0/prometheus", "http://prometheus.monitoring:9090"]


@pytest.mark.parametrize("engine", ["argo", "flagger"])
@pytest.mark.parametrize("address", ADDRESSES)
def test_the_analysis_address_is_an_http_url_or_refused(
    engine: str, address: str, tmp_path: Path
) -> None:
    strategy = {"type": "canary", "engine": engine, "analysis": {"prometheus": address}}
    code, _, stderr, out = _render(tmp_path, _spec(INGRESSES["nginx"], strategy=strategy))
    if code != 0:
        _one_located_line(code, stderr, out, "spec.deploy.strategy.analysis.prometheus")
        return
    found = []
    for name, obj in _objects(out / SERVICE).items():
        if name.startswith(("analysistemplate", "metrictemplate")):
            provider = obj["spec"].get("provider") or obj["spec"]["metrics"][0]["provider"]
            found.append(provider.get("address") or provider["prometheus"]["address"])
    assert found
    for url in found:
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.hostname, url


# --- secret mount paths, as the container sees them ---------------------------------------------
# `/var/run/a/`, `/var/run/a/.` and `/var/run/a` are one directory: two mounts there leave one
# secret hidden; a secret on `/tmp` (however spelled) hides the pod's only writable volume, and
# one over the log file's folder makes the log file impossible to open.
MOUNTS = [
    (["/var/run/a", "/var/run/a/"], "secrets[1]"),
    (["/var/run/a", "/var/run/./a"], "secrets[1]"),
    (["/var/run/a", "//var/run/a"], "secrets[1]"),
    (["/tmp/."], "secrets[0]"),
    (["//tmp"], "secrets[0]"),
    (["/x/../tmp"], "secrets[0]"),
    (["/tmp/logs"], "secrets[0]"),
    (["/"], "secrets[0]"),
    (["/var/run/a", "/var/run/a/b"], ""),
    (["/tmp/keys"], ""),
]


@pytest.mark.parametrize(("paths", "refused"), MOUNTS, ids=[" ".join(m[0]) for m in MOUNTS])
def test_two_mounts_never_share_a_directory(paths: list[str], refused: str, tmp_path: Path) -> None:
    secrets = [{"name": f"s{i}", "mount_path": p} for i, p in enumerate(paths)]
    spec = _spec(INGRESSES["nginx"], secrets=secrets)
    spec["spec"]["telemetry"] = {"logging": {"file": "/tmp/logs/agent.log"}}
    code, _, stderr, out = _render(tmp_path, spec)
    if refused:
        _one_located_line(code, stderr, out, f"spec.deploy.{refused}.mount_path")
    else:
        assert code == 0, stderr
