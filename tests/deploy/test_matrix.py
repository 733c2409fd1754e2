"""Every strategy x engine x load balancer the spec accepts, and every example spec, renders a
folder that `kubectl kustomize` builds, and what it builds passes the deploy gates (strict
schemas, CR schemas, Pod Security restricted, namespaces; checkov runs on the same builds from
the installed wheel, tests/packaging); the combinations the spec refuses are refused with the
key that makes them invalid."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.deploy.cases import ROOT
from tests.deploy.kustomize_build import built_folder, kubectl_binary

from adk_observe.checks import deploy_gates as gates
from adk_observe.checks.crd_schemas import SchemaSet
from adk_observe.cli import main
from adk_observe.deploy_model import StrategyType
from adk_observe.errors import SpecError
from adk_observe.load_balancers import LoadBalancer
from adk_observe.loader.load import load_specs

INGRESS = {
    "alb": "{class: alb, host: a.example.com, allow_cidrs: [10.0.0.0/16], certificate_arn: "
    "'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555'}",
    "nginx": "{class: nginx, host: a.example.com}",
    "gateway": "{class: gateway, host: a.example.com, gateway: {name: public, namespace: gw}}",
    "gke": "{class: gke, host: a.example.com}",
    "gke-gateway": "{class: gke-gateway, host: a.example.com}",
}
# Flagger routes through ingress-nginx and the Gateway API (load_balancers.LOAD_BALANCERS);
# the gce Ingress (class gke) has no header routes, so no A/B.
FLAGGER_CLASSES = ("nginx", "gateway", "gke-gateway")
STRATEGY = {
    "rolling": "{type: rolling}",
    "blue-green": "{type: blue-green, analysis: {slos: [success]}}",
    "canary": "{type: canary, analysis: {slos: [success, latency]}}",
    "ab": "{type: ab, match: {header: X-Variant, value: b}}",
}
SPEC = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {{name: {name}, namespace: agents}}
spec:
  slos:
    - {{name: success, objective: 99.5, sli: {{builtin: success}}}}
    - {{name: latency, objective: 95, sli: {{builtin: latency, threshold: 500ms}}}}
  deploy:
    image: ghcr.io/acme/a@sha256:{digest}
    strategy: {strategy}
    ingress: {ingress}
"""
DIGEST = "0123456789abcdef" * 4


def _name(strategy: str, engine: str, lb: str) -> str:
    return f"{strategy}-{engine}-{lb}".replace("blue-green", "bg")


def _spec(strategy: str, engine: str, lb: str) -> str:
    text = STRATEGY[strategy]
    if engine != "argo":
        text = text.replace("{type: ", f"{{engine: {engine}, type: ")
    name = _name(strategy, engine, lb)
    return SPEC.format(name=name, digest=DIGEST, strategy=text, ingress=INGRESS[lb])


def _accepted() -> list[tuple[str, str, str]]:
    return [
        (s, e, lb)
        for s in STRATEGY
        for e in ("argo", "flagger")
        for lb in INGRESS
        if (e == "argo" and (s, lb) != ("ab", "gke"))
        or (s == "canary" and lb in FLAGGER_CLASSES)
    ]


REFUSED = [
    (s, e, lb)
    for s in STRATEGY
    for e in ("argo", "flagger")
    for lb in INGRESS
    if (s, e, lb) not in _accepted()
]


def test_the_matrix_has_every_strategy_and_class_of_the_model() -> None:
    # A strategy or a load-balancer class added by its row (docs/architecture.md) takes its
    # entry here too, or the gates below never run on it.
    assert list(STRATEGY) == [t.value for t in StrategyType]
    assert list(INGRESS) == [c.value for c in LoadBalancer]


def test_the_matrix_has_every_argo_combination_and_flagger_canaries_off_alb() -> None:
    assert len(_accepted()) == 4 * 5 - 1 + 3
    assert len(REFUSED) == 4 * 5 - 3 + 1


@pytest.mark.parametrize(("strategy", "engine", "lb"), REFUSED)
def test_what_cannot_run_is_refused_with_its_key(
    strategy: str, engine: str, lb: str, tmp_path: Path
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(_spec(strategy, engine, lb), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_specs([path])
    expected = "engine" if engine == "flagger" else "match.header"
    assert err.value.path == f"spec.deploy.strategy.{expected}"


EXAMPLES = sorted(
    p for p in (ROOT / "examples").glob("*.yaml") if "\n  deploy:" in p.read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("matrix")
    specs = [str(p) for p in EXAMPLES]
    for combo in _accepted():
        path = root / f"{'-'.join(combo)}.yaml"
        path.write_text(_spec(*combo), encoding="utf-8")
        specs.append(str(path))
    assert main(["render-deploy", *specs, "-o", str(root / "out")]) == 0
    return gates.folders(root / "out")


@pytest.fixture(scope="module")
def built(
    rendered: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[Path, list[gates.Manifest]]:
    """What `kubectl kustomize` builds from each folder, written one file per folder."""
    kubectl = kubectl_binary()
    out = tmp_path_factory.mktemp("built")
    return dict(built_folder(kubectl, folder, out) for folder in rendered)


def test_kustomize_builds_every_folder_into_exactly_its_objects(
    rendered: list[Path], built: dict[Path, list[gates.Manifest]]
) -> None:
    assert len(rendered) == len(_accepted()) + len(EXAMPLES)
    for folder, (target, manifests) in zip(rendered, built.items(), strict=True):
        listed, problems = gates.load_folder(folder)
        assert problems == []
        key = lambda m: (m.obj["kind"], m.obj["metadata"]["name"])  # noqa: E731
        assert sorted(map(key, manifests)) == sorted(map(key, listed)), target


def test_what_kustomize_builds_passes_the_schema_and_security_gates(
    built: dict[Path, list[gates.Manifest]], schemas: SchemaSet
) -> None:
    failures = {
        target.name: [(r.name, r.failures) for r in gates.check_manifests(manifests, schemas)]
        for target, manifests in built.items()
    }
    assert {k: [f for f in v if f[1]] for k, v in failures.items()} == {k: [] for k in failures}


# checkov over what kustomize builds from every combination runs once, from the installed
# wheel: tests/packaging/test_wheel.py (the golden cases' folders get it here, test_gates.py).
