"""Load-balancer classes are rows: the facts of `ingress.class` (load_balancers.LOAD_BALANCERS and
MANAGED_ANNOTATIONS) and the objects that route to the service (deploy/loadbalancer.py ROUTERS,
from deploy/lb_<class>.py). A test-only class, registered in those tables the way a class is
added, renders a rolling and a canary deploy that follow its row. (The loader and the schema take
the class names from `LoadBalancer`: tests/deploy/test_kinds.py.)"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from tests.deploy.cases import GOLDEN

from adk_observe import load_balancers as lbs
from adk_observe.deploy import loadbalancer
from adk_observe.deploy.kustomize import files
from adk_observe.deploy_model import DeployConfig
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec

TOY = "toy"
# In-cluster proxies without weights: Argo runs a replica-count canary, as on class gke.
TOY_FACTS = lbs.LoadBalancerFacts(
    lbs.Routing.REPLICAS, False, False, "", "toy-system", False, False
)


def _toy_objects(spec: ServiceSpec, deploy: DeployConfig) -> list[dict[str, Any]]:
    """What deploy/lb_toy.py would hold: one Ingress of the toy controller."""
    return [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": spec.name, "namespace": spec.namespace},
            "spec": {"ingressClassName": TOY},
        }
    ]


@pytest.fixture
def toy_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole addition: the class's rows."""
    monkeypatch.setitem(lbs.LOAD_BALANCERS, TOY, TOY_FACTS)  # type: ignore[arg-type]
    monkeypatch.setitem(lbs.MANAGED_ANNOTATIONS, TOY, frozenset())  # type: ignore[arg-type]
    monkeypatch.setitem(loadbalancer.ROUTERS, TOY, _toy_objects)  # type: ignore[arg-type]


def _on_toy(case: str) -> ServiceSpec:
    """A golden spec moved to the toy class, as the loader maps `ingress: {class: toy}` (the
    controller namespace from its row)."""
    (spec,) = load_specs([GOLDEN / case / "spec.yaml"])
    assert spec.deploy is not None
    ingress = dataclasses.replace(
        spec.deploy.ingress,
        load_balancer=TOY,  # type: ignore[arg-type]
        controller_namespace=TOY_FACTS.controller_namespace,
        tls_secret="",
    )
    return dataclasses.replace(spec, deploy=dataclasses.replace(spec.deploy, ingress=ingress))


def test_every_class_has_its_rows() -> None:
    assert set(lbs.LOAD_BALANCERS) == set(lbs.LoadBalancer)
    assert set(lbs.MANAGED_ANNOTATIONS) == set(lbs.LoadBalancer)
    assert set(loadbalancer.ROUTERS) == set(lbs.LoadBalancer)


@pytest.mark.usefixtures("toy_class")
@pytest.mark.parametrize("case", ["deploy-rolling-nginx", "deploy-canary-nginx"])
def test_a_new_class_is_its_rows(case: str) -> None:
    out = files(_on_toy(case))
    assert out["ingress.yaml"]["spec"] == {"ingressClassName": TOY}  # its router's objects
    (allowed, *_) = out["networkpolicy.yaml"]["spec"]["ingress"]
    assert allowed["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "toy-system"}}}
    ]
    if "rollout.yaml" in out:  # no weights: a replica-count canary, no canary Service
        assert "trafficRouting" not in out["rollout.yaml"]["spec"]["strategy"]["canary"]
        assert "service-canary.yaml" not in out
