"""Every strategy x engine x load balancer the spec accepts renders manifests that pass every
deploy gate (strict schemas, CR schemas, Pod Security restricted, namespaces, checkov), and the
combinations it refuses are refused with the key that makes them invalid."""

from __future__ import annotations

from pathlib import Path

import pytest

from adk_observe.checks import deploy_gates as gates
from adk_observe.checks.crd_schemas import SchemaSet
from adk_observe.cli import main
from adk_observe.errors import SpecError
from adk_observe.loader.load import load_specs

INGRESS = {
    "alb": "{class: alb, host: a.example.com, allow_cidrs: [10.0.0.0/16], certificate_arn: "
    "'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555'}",
    "nginx": "{class: nginx, host: a.example.com}",
    "gateway": "{class: gateway, host: a.example.com, gateway: {name: public, namespace: gw}}",
}
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


def _spec(strategy: str, engine: str, lb: str) -> str:
    text = STRATEGY[strategy]
    if engine != "argo":
        text = text.replace("{type: ", f"{{engine: {engine}, type: ")
    name = f"{strategy}-{engine}-{lb}".replace("blue-green", "bg")
    return SPEC.format(name=name, digest=DIGEST, strategy=text, ingress=INGRESS[lb])


def _accepted() -> list[tuple[str, str, str]]:
    return [
        (s, e, lb)
        for s in STRATEGY
        for e in ("argo", "flagger")
        for lb in INGRESS
        if e == "argo" or (s == "canary" and lb != "alb")
    ]


REFUSED = [
    (s, "flagger", lb) for s in STRATEGY for lb in INGRESS if (s, "flagger", lb) not in _accepted()
]


def test_the_matrix_has_every_argo_combination_and_flagger_canaries_off_alb() -> None:
    assert len(_accepted()) == 4 * 3 + 2
    assert len(REFUSED) == 4 * 3 - 2


@pytest.mark.parametrize(("strategy", "engine", "lb"), REFUSED)
def test_flagger_refuses_what_it_cannot_run(
    strategy: str, engine: str, lb: str, tmp_path: Path
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(_spec(strategy, engine, lb), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_specs([path])
    assert err.value.path == "spec.deploy.strategy.engine"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("matrix")
    specs = []
    for combo in _accepted():
        path = root / f"{'-'.join(combo)}.yaml"
        path.write_text(_spec(*combo), encoding="utf-8")
        specs.append(str(path))
    assert main(["render-deploy", *specs, "-o", str(root / "out")]) == 0
    return gates.folders(root / "out")


def test_every_accepted_combination_passes_the_schema_and_security_gates(
    rendered: list[Path], schemas: SchemaSet
) -> None:
    assert len(rendered) == len(_accepted())
    failures = {
        folder.name: [(r.name, r.failures) for r in results if r.failures]
        for folder in rendered
        if (results := gates.check_folder(folder, schemas, checkov_failed={}))
    }
    assert failures == {folder.name: [] for folder in rendered}


def test_every_accepted_combination_passes_checkov(
    rendered: list[Path], checkov_binary: str
) -> None:
    failed = gates.run_checkov(checkov_binary, rendered)
    assert {str(f): failed[str(f)] for f in rendered} == {str(f): [] for f in rendered}
