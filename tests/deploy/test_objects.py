"""What the rendered objects promise, stated one behaviour at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.deploy.cases import CASES, GOLDEN, case_objects

from adk_observe import conventions as c
from adk_observe.deploy import hardening as h
from adk_observe.deploy import kustomize, network
from adk_observe.deploy.kustomize import files, objects
from adk_observe.environment import telemetry_env
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec
from adk_observe.rules import service_selector


def _spec(case: str) -> ServiceSpec:
    (spec,) = load_specs([GOLDEN / case / "spec.yaml"])
    return spec


def _workload(objs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return objs.get("deployment.yaml") or objs["rollout.yaml"]


def _container(objs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return _workload(objs)["spec"]["template"]["spec"]["containers"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", CASES)
def test_every_namespaced_object_names_its_namespace(case: str) -> None:
    spec = _spec(case)
    for obj in objects(spec):
        if obj["kind"] == "Namespace":
            assert obj["metadata"]["name"] == spec.namespace
            assert "namespace" not in obj["metadata"]
        else:
            assert obj["metadata"]["namespace"] == spec.namespace, obj["kind"]


@pytest.mark.parametrize("case", CASES)
def test_kustomization_lists_every_other_file(case: str) -> None:
    rendered = files(_spec(case))
    kust = case_objects(case)["kustomization.yaml"]
    # the plain-Prometheus scrape job is no Kubernetes object: it stays out, in a subfolder
    assert kust["resources"] == [
        f for f in rendered if f not in ("kustomization.yaml", "prometheus/scrape-config.yaml")
    ]


@pytest.mark.parametrize("case", CASES)
def test_no_replicas_because_the_autoscaler_owns_them(case: str) -> None:
    objs = case_objects(case)
    workload = _workload(objs)
    assert "replicas" not in workload["spec"]
    target = objs["horizontalpodautoscaler.yaml"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == (workload["kind"], workload["metadata"]["name"])


def test_namespace_enforces_restricted_pod_security() -> None:
    labels = case_objects("deploy-canary-alb")["namespace.yaml"]["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"


def test_service_account_mounts_no_token_and_rbac_only_when_asked() -> None:
    objs = case_objects("deploy-canary-alb")
    assert objs["serviceaccount.yaml"]["automountServiceAccountToken"] is False
    assert not {"role.yaml", "rolebinding.yaml"} & set(objs)
    with_rbac = case_objects("deploy-rolling-nginx")
    assert with_rbac["role.yaml"]["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}
    ]
    assert with_rbac["rolebinding.yaml"]["subjects"][0]["name"] == "faq-agent"


def test_container_hardening() -> None:
    objs = case_objects("deploy-rolling-nginx")
    pod = _workload(objs)["spec"]["template"]["spec"]
    ctr = _container(objs)
    assert ctr["image"].endswith(
        "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    )
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsUser"] >= h.MIN_UID
    assert ctr["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsGroup": 10001,
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert {"name": "tmp", "mountPath": "/tmp"} in ctr["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}} in pod["volumes"]
    for kind in ("requests", "limits"):
        assert set(ctr["resources"][kind]) == {"cpu", "memory", "ephemeral-storage"}
    zones = [t["topologyKey"] for t in pod["topologySpreadConstraints"]]
    assert zones == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]


def test_probes_hit_health_and_ready_on_the_metrics_port() -> None:
    ctr = _container(case_objects("deploy-canary-alb"))
    assert ctr["livenessProbe"]["httpGet"] == {
        "path": "/health",
        "port": "metrics",
        "scheme": "HTTP",
    }
    assert ctr["readinessProbe"]["httpGet"] == {
        "path": "/ready",
        "port": "metrics",
        "scheme": "HTTP",
    }
    assert ctr["livenessProbe"]["periodSeconds"] == h.LIVENESS["periodSeconds"]
    ports = {p["name"]: p["containerPort"] for p in ctr["ports"]}
    assert ports == {"http": 8080, "metrics": 9464}


def test_secrets_are_read_only_files_never_env() -> None:
    objs = case_objects("deploy-rolling-nginx")
    ctr = _container(objs)
    assert {
        "name": "secret-faq-agent-api-keys",
        "mountPath": "/var/run/secrets/api-keys",
        "readOnly": True,
    } in ctr["volumeMounts"]
    assert all("secretKeyRef" not in e.get("valueFrom", {}) for e in ctr["env"])
    assert all("secretRef" not in e for e in ctr["envFrom"])
    assert [e["name"] for e in ctr["env"]] == ["POD_NAME", "POD_NAMESPACE"]


def test_config_map_is_the_telemetry_environment_plus_config() -> None:
    spec = _spec("deploy-rolling-nginx")
    data = case_objects("deploy-rolling-nginx")["configmap.yaml"]["data"]
    expected = {
        **telemetry_env(spec.telemetry),
        "OTEL_SERVICE_NAME": "faq-agent",
        "ADK_OBSERVE_SERVICE_NAME": "faq-agent",
        "MODEL_NAME": "gemini-2.0-flash",
    }
    assert data == expected
    assert data["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.observability:4318"


def test_service_monitor_job_is_the_name_the_rules_select() -> None:
    spec = _spec("deploy-canary-alb")
    objs = case_objects("deploy-canary-alb")
    monitor = objs["servicemonitor.yaml"]["spec"]
    metrics_svc = objs["service-metrics.yaml"]
    # job = value of the Service label named by jobLabel
    job = metrics_svc["metadata"]["labels"][monitor["jobLabel"]]
    assert service_selector(spec) == f'{c.LABEL_JOB}="{job}"'
    assert monitor["selector"]["matchLabels"].items() <= metrics_svc["metadata"]["labels"].items()
    # every pod of the service (Flagger's -primary copies keep this label, not the name)
    assert metrics_svc["spec"]["selector"] == {"app.kubernetes.io/instance": "support-agent"}
    pod_labels = objs["rollout.yaml"]["spec"]["template"]["metadata"]["labels"]
    assert pod_labels["app.kubernetes.io/instance"] == "support-agent"
    assert objs["prometheusrule-slos.yaml"]["metadata"]["labels"]["release"] == "prometheus"


def test_canary_steps_start_at_10_and_gate_each_step() -> None:
    strategy = case_objects("deploy-canary-alb")["rollout.yaml"]["spec"]["strategy"]["canary"]
    assert strategy["steps"][:3] == [
        {"setWeight": 10},
        {"pause": {"duration": "300s"}},
        {
            "analysis": {
                "templates": [{"templateName": "support-agent-slo-gate"}],
                "args": [
                    {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
                    {"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}},
                ],
            }
        },
    ]
    assert [s["setWeight"] for s in strategy["steps"] if "setWeight" in s] == [10, 25, 50]
    assert strategy["trafficRouting"] == {
        "alb": {"ingress": "support-agent", "servicePort": 8080, "rootService": "support-agent"}
    }


def test_canary_traffic_routing_per_load_balancer() -> None:
    nginx = case_objects("deploy-canary-nginx")["rollout.yaml"]["spec"]["strategy"]["canary"]
    assert nginx["trafficRouting"] == {"nginx": {"stableIngress": "search-agent"}}
    gw = case_objects("deploy-canary-gateway")
    routing = gw["rollout.yaml"]["spec"]["strategy"]["canary"]["trafficRouting"]
    assert routing == {
        "plugins": {
            "argoproj-labs/gatewayAPI": {"httpRoute": "triage-agent", "namespace": "agents"}
        }
    }
    backends = gw["httproute.yaml"]["spec"]["rules"][0]["backendRefs"]
    assert [(b["name"], b["weight"]) for b in backends] == [
        ("triage-agent", 100),
        ("triage-agent-canary", 0),
    ]


def test_blue_green_has_active_preview_and_pre_and_post_promotion_analysis() -> None:
    objs = case_objects("deploy-blue-green-alb")
    bg = objs["rollout.yaml"]["spec"]["strategy"]["blueGreen"]
    assert (bg["activeService"], bg["previewService"]) == ("billing-agent", "billing-agent-preview")
    gate = {
        "templates": [{"templateName": "billing-agent-slo-gate"}],
        "args": [
            {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
            {"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}},
        ],
    }
    assert bg["prePromotionAnalysis"] == gate
    assert bg["postPromotionAnalysis"] == gate
    # Argo cancels a post-promotion analysis when scaleDownDelaySeconds ends: none is set
    assert "scaleDownDelaySeconds" not in bg
    assert objs["service-preview.yaml"]["metadata"]["name"] == "billing-agent-preview"


def test_ab_routes_by_header_on_alb_and_by_cookie_on_nginx() -> None:
    alb = case_objects("deploy-ab-alb-header")["rollout.yaml"]["spec"]["strategy"]["canary"]
    assert alb["trafficRouting"]["managedRoutes"] == [{"name": "ab-variant"}]
    assert {
        "setHeaderRoute": {
            "name": "ab-variant",
            "match": [{"headerName": "X-Variant", "headerValue": {"exact": "b"}}],
        }
    } in alb["steps"]
    nginx = case_objects("deploy-ab-nginx-cookie")["rollout.yaml"]["spec"]["strategy"]["canary"]
    assert nginx["trafficRouting"]["nginx"]["additionalIngressAnnotations"] == {
        "canary-by-cookie": "variant_b"
    }
    assert nginx["steps"][-1] == {"pause": {}}  # B runs until promoted or aborted by hand


def test_alb_ingress_is_https_only_with_redirect_and_health_check() -> None:
    annotations = case_objects("deploy-canary-alb")["ingress.yaml"]["metadata"]["annotations"]
    prefix = "alb.ingress.kubernetes.io/"
    assert {k.removeprefix(prefix): v for k, v in annotations.items()} == {
        "certificate-arn": "arn:aws:acm:us-east-1:123456789012:certificate/"
        "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
        "healthcheck-path": "/ready",
        "healthcheck-port": "9464",
        "healthcheck-protocol": "HTTP",
        "healthcheck-interval-seconds": "15",
        "healthcheck-timeout-seconds": "5",
        "healthy-threshold-count": "2",
        "unhealthy-threshold-count": "2",
        "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
        # 60 s: the default backend timeout (the spec's slowest latency SLO is well below 30 s)
        "load-balancer-attributes": "idle_timeout.timeout_seconds=60,"
        "routing.http.drop_invalid_header_fields.enabled=true",
        "scheme": "internet-facing",
        "ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ssl-redirect": "443",
        "success-codes": "200",
        "target-type": "ip",
    }


def test_network_policy_allows_only_the_needed_paths() -> None:
    objs = case_objects("deploy-rolling-nginx")
    deny = objs["networkpolicy-default-deny.yaml"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    policy = objs["networkpolicy.yaml"]["spec"]
    rules = [
        (
            [
                p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                for p in r["from"]
            ],
            [p["port"] for p in r["ports"]],
        )
        for r in policy["ingress"]
    ]
    assert rules == [(["ingress-nginx"], [8080]), (["monitoring"], [9464])]
    egress = [
        (r.get("to"), [(p["protocol"], p["port"]) for p in r["ports"]]) for r in policy["egress"]
    ]
    assert egress[0][1] == [("UDP", 53), ("TCP", 53)]
    assert egress[1] == (None, [("TCP", 443)])
    # the OTLP collector of the telemetry section, in its own namespace
    assert egress[2] == (
        [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}],
        [("TCP", 4318)],
    )


@pytest.mark.parametrize("case", CASES)
def test_a_canary_labels_its_pods_by_track_and_the_scrape_keeps_it(case: str) -> None:
    """Argo Rollouts' ephemeral metadata labels canary and stable pods; the ServiceMonitor's
    podTargetLabels puts that label on every series, so dashboards can split them."""
    objs = case_objects(case)
    monitor = objs["servicemonitor.yaml"]["spec"]
    strategy = objs["rollout.yaml"]["spec"]["strategy"] if "rollout.yaml" in objs else {}
    canary = strategy.get("canary", {})
    # Every deploy also keeps the pod template hash: the canary analysis's selector.
    if _spec(case).deploy.tracks:  # type: ignore[union-attr]  # an Argo canary
        assert canary["canaryMetadata"] == {"labels": {"track": "canary"}}
        assert canary["stableMetadata"] == {"labels": {"track": "stable"}}
        assert monitor["podTargetLabels"] == ["rollouts-pod-template-hash", "track"]
    else:
        assert "canaryMetadata" not in canary
        assert monitor["podTargetLabels"] == ["rollouts-pod-template-hash"]


COLLECTOR_HOSTS = [
    ("otel.observability", "observability"),
    ("otel.observability.", "observability"),
    ("otel.observability.svc", "observability"),
    ("otel.observability.svc.cluster.local", "observability"),
    ("otel.observability.svc.cluster.local.", "observability"),  # the root's trailing dot
    ("otel.observability.svc.corp.internal", "observability"),  # another cluster domain
    ("otel.example.com", ""),  # outside the cluster: any destination on the port
    ("10.0.0.5", ""),
]


@pytest.mark.parametrize(("host", "namespace"), COLLECTOR_HOSTS)
def test_egress_reaches_the_collectors_namespace_however_its_host_is_written(
    host: str, namespace: str, tmp_path: Path
) -> None:
    text = (GOLDEN / "deploy-rolling-nginx" / "spec.yaml").read_text(encoding="utf-8")
    old = "http://otel-collector.observability:4318"
    assert old in text
    text = text.replace(old, f"http://{host}:4318")
    fluentd = f"    logging:\n      fluentd: {{host: '{host.upper()}', port: 24224}}\n"
    text = text.replace("  telemetry:\n", "  telemetry:\n" + fluentd, 1)
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    (spec,) = load_specs([path])
    policy = network.network_policy(spec, kustomize.deploy_config(spec))
    rules = {r["ports"][0]["port"]: r.get("to") for r in policy["spec"]["egress"]}
    to = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}]
    assert rules[4318] == rules[24224] == (to if namespace else None)


def _backend_timeouts(objs: dict[str, dict[str, Any]]) -> set[str]:
    """Every place a load balancer class takes its backend timeout from, as rendered."""
    found = set()
    for obj in objs.values():
        notes = (obj.get("metadata") or {}).get("annotations") or {}
        attrs = notes.get("alb.ingress.kubernetes.io/load-balancer-attributes", "")
        found |= {a.split("=")[1] for a in attrs.split(",") if a.startswith("idle_timeout")}
        found |= {v for k, v in notes.items() if k.endswith(("proxy-read-timeout",
                                                             "proxy-send-timeout"))}
        spec = obj.get("spec") or {}
        if obj["kind"] == "BackendConfig":
            found.add(str(spec["timeoutSec"]))
        if obj["kind"] == "GCPBackendPolicy":
            found.add(str(spec["default"]["timeoutSec"]))
        if obj["kind"] == "HTTPRoute" and "timeouts" in spec["rules"][0]:
            found.add(spec["rules"][0]["timeouts"]["request"].removesuffix("s"))
    return found


@pytest.mark.parametrize("lb", ["alb", "nginx", "gateway", "gke", "gke-gateway"])
@pytest.mark.parametrize(("threshold", "expected"), [("500ms", "60"), ("30s", "60"),
                                                      ("60s", "120")])
def test_the_default_backend_timeout_is_twice_the_slowest_latency_slo_and_at_least_60s(
    lb: str, threshold: str, expected: str, tmp_path: Path
) -> None:
    from tests.deploy.test_matrix import _spec

    path = tmp_path / "spec.yaml"
    path.write_text(_spec("rolling", "argo", lb).replace("500ms", threshold), encoding="utf-8")
    (spec,) = load_specs([path])
    objs = {f"{o['kind']}/{o['metadata']['name']}": o for o in objects(spec)}
    assert _backend_timeouts(objs) == {expected}


def _minimal(lb: str, strategy: str, tmp_path: Path) -> dict[str, dict[str, Any]]:
    from tests.deploy.test_matrix import _spec

    path = tmp_path / "spec.yaml"
    path.write_text(_spec(strategy, "argo", lb), encoding="utf-8")
    (spec,) = load_specs([path])
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in objects(spec)}


def test_gke_alone_renders_a_managed_certificate_redirect_tls12_and_readiness_check(
    tmp_path: Path,
) -> None:
    objs = _minimal("gke", "rolling", tmp_path)
    name = "rolling-argo-gke"
    ingress = objs[f"Ingress/{name}"]
    assert "ingressClassName" not in ingress["spec"] and "tls" not in ingress["spec"]
    assert ingress["metadata"]["annotations"] == {
        "kubernetes.io/ingress.class": "gce",
        "networking.gke.io/managed-certificates": name,
        "networking.gke.io/v1beta1.FrontendConfig": name,
    }
    assert objs[f"ManagedCertificate/{name}"]["spec"] == {"domains": ["a.example.com"]}
    assert objs[f"FrontendConfig/{name}"]["spec"] == {
        "sslPolicy": "adk-observe-tls12",
        "redirectToHttps": {"enabled": True, "responseCodeName": "MOVED_PERMANENTLY_DEFAULT"},
    }
    check = objs[f"BackendConfig/{name}"]["spec"]["healthCheck"]
    assert (check["requestPath"], check["port"], check["type"]) == ("/ready", 9464, "HTTP")
    assert objs[f"Service/{name}"]["metadata"]["annotations"] == {
        "cloud.google.com/backend-config": f'{{"default": "{name}"}}',
        "cloud.google.com/neg": '{"ingress": true}',
    }
    policy = objs[f"NetworkPolicy/{name}"]["spec"]["ingress"]
    blocks = [f["ipBlock"]["cidr"] for r in policy for f in r["from"] if "ipBlock" in f]
    assert blocks == ["130.211.0.0/22", "35.191.0.0/16"]  # the Google Front Ends


def test_a_canary_on_the_gce_ingress_splits_by_pod_counts(tmp_path: Path) -> None:
    objs = _minimal("gke", "canary", tmp_path)
    canary = objs["Rollout/canary-argo-gke"]["spec"]["strategy"]["canary"]
    assert not {"trafficRouting", "canaryService", "stableService"} & set(canary)
    assert "Service/canary-argo-gke-canary" not in objs
    assert canary["steps"][0] == {"setWeight": 10}  # Argo scales the canary ReplicaSet to it


def test_gke_gateway_alone_renders_https_redirect_ssl_policy_and_policies(
    tmp_path: Path,
) -> None:
    objs = _minimal("gke-gateway", "canary", tmp_path)
    name = "canary-argo-gke-gateway"
    gateway = objs[f"Gateway/{name}"]["spec"]
    assert gateway["gatewayClassName"] == "gke-l7-global-external-managed"
    https = next(x for x in gateway["listeners"] if x["name"] == "https")
    assert https["tls"] == {"mode": "Terminate", "certificateRefs": [
        {"kind": "Secret", "name": "a-example-com-tls"}]}
    redirect = objs[f"HTTPRoute/{name}-https-redirect"]["spec"]
    assert redirect["parentRefs"][0]["sectionName"] == "http"
    assert redirect["rules"] == [{"filters": [{"type": "RequestRedirect", "requestRedirect": {
        "scheme": "https", "statusCode": 301}}]}]
    assert objs[f"GCPGatewayPolicy/{name}"]["spec"] == {
        "default": {"sslPolicy": "adk-observe-tls12"},
        "targetRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": name},
    }
    route = objs[f"HTTPRoute/{name}"]["spec"]
    assert [b["name"] for b in route["rules"][0]["backendRefs"]] == [name, f"{name}-canary"]
    # one health check and one backend policy per backend Service the route sends to
    for service in (name, f"{name}-canary"):
        check = objs[f"HealthCheckPolicy/{service}"]["spec"]
        assert check["targetRef"] == {"group": "", "kind": "Service", "name": service}
        http = check["default"]["config"]["httpHealthCheck"]
        assert (http["requestPath"], http["port"]) == ("/ready", 9464)
        assert objs[f"GCPBackendPolicy/{service}"]["spec"]["default"]["timeoutSec"] == 60
    rollout = objs[f"Rollout/{name}"]["spec"]["strategy"]["canary"]
    assert rollout["trafficRouting"] == {"plugins": {"argoproj-labs/gatewayAPI": {
        "httpRoute": name, "namespace": "agents"}}}
