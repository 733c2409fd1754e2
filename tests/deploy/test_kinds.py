"""Deploy strategies are a table (deploy/kinds.py): a new strategy is one row plus its Rollout
generator, and every object that depends on the strategy follows the row."""

from __future__ import annotations

import ast
import dataclasses
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from tests import doc_text
from tests.deploy.cases import GOLDEN

from adk_observe.deploy.kinds import STRATEGIES, StrategyKind, strategy_kind
from adk_observe.deploy.kustomize import files
from adk_observe.deploy_model import StrategyType
from adk_observe.load_balancers import LoadBalancer
from adk_observe.loader import deploy_v1
from adk_observe.loader.load import load_specs
from adk_observe.model import ServiceSpec


def _with_strategy(kind: str) -> ServiceSpec:
    (spec,) = load_specs([GOLDEN / "deploy-rolling-nginx" / "spec.yaml"])
    assert spec.deploy is not None
    strategy = dataclasses.replace(spec.deploy.strategy, type=kind)
    return dataclasses.replace(spec, deploy=dataclasses.replace(spec.deploy, strategy=strategy))


def _shadow(spec: ServiceSpec, deploy: Any) -> dict[str, Any]:
    """A test-only strategy: surge one pod of the new version and wait for a human."""
    return {"canary": {"maxSurge": 1, "steps": [{"pause": {}}]}}


def test_every_strategy_type_has_a_row() -> None:
    assert set(STRATEGIES) == set(StrategyType)


def test_a_strategy_without_a_row_is_a_clear_error() -> None:
    spec = _with_strategy("shadow")
    assert spec.deploy is not None
    with pytest.raises(TypeError, match=r"no deploy strategy row for 'shadow' in deploy/kinds\.py"):
        strategy_kind(spec.deploy)


def test_a_new_strategy_is_a_row_and_its_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole addition: the row (in the source, a line of deploy/kinds.py) and `_shadow` (in
    # the source, a function of deploy/strategies.py).
    monkeypatch.setitem(STRATEGIES, "shadow", StrategyKind(_shadow))
    out = files(_with_strategy("shadow"))
    assert "deployment.yaml" not in out
    assert out["rollout.yaml"]["spec"]["strategy"] == {
        "canary": {"maxSurge": 1, "steps": [{"pause": {}}]}
    }
    target = out["horizontalpodautoscaler.yaml"]["spec"]["scaleTargetRef"]
    assert target == {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "faq-agent"}
    # Not traffic-routed and no preview: the same Services as the rolling update.
    rolling = files(_with_strategy("rolling"))
    services = sorted(k for k in out if k.startswith("service"))
    assert services == sorted(k for k in rolling if k.startswith("service"))


def _literal_values(path: Path) -> set[str]:
    """Every string spelled inside a `Literal[...]` of a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("Literal"):
            found |= {
                c.value
                for c in ast.walk(node.slice)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            }
    return found


def test_the_spec_takes_every_strategy_and_class_from_the_model() -> None:
    # A strategy (StrategyType) or a class (LoadBalancer) added by the files docs/architecture.md
    # names is accepted by the loader and listed by the schema: no loader module spells a list
    # of its own (loader/deploy_v1.py did, and refused a new one).
    names = {t.value for t in StrategyType} | {c.value for c in LoadBalancer}
    loader = Path(deploy_v1.__file__).parent
    spelled = {p.name: _literal_values(p) & names for p in sorted(loader.glob("*.py"))}
    assert {name: values for name, values in spelled.items() if values} == {}
    assert typing.get_args(deploy_v1.StrategyV1.model_fields["type"].annotation) == tuple(
        t.value for t in StrategyType
    )
    assert typing.get_args(deploy_v1.IngressV1.model_fields["class_"].annotation) == tuple(
        c.value for c in LoadBalancer
    )


def _listed(doc: str, key: str) -> list[str]:
    """The values a `key: value  # a | b | c` comment of a YAML example lists."""
    (line,) = re.findall(rf"^\s+{key}: \S+\s+# ([\w-]+(?: \| [\w-]+)+)\s*$", doc, flags=re.M)
    return line.split(" | ")


def test_the_deploy_reference_lists_every_strategy_and_class() -> None:
    doc = doc_text.text("deploy.md")
    assert _listed(doc, "type") == [t.value for t in StrategyType]
    assert _listed(doc, "class") == [c.value for c in LoadBalancer]
