"""Deploy strategies as a table: for each `strategy.type`, what objects it emits. The assembler
(kustomize.py), the Services, the autoscaler target and the load balancer all read this row
instead of re-deriving it, so a new strategy is one row plus its Rollout generator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adk_observe.deploy import strategies
from adk_observe.deploy_model import DeployConfig, StrategyType
from adk_observe.model import ServiceSpec


@dataclass(frozen=True)
class StrategyKind:
    # The Argo Rollout's `strategy` block; None: a plain Deployment (rolling update).
    rollout: Callable[[ServiceSpec, DeployConfig], dict[str, Any]] | None
    # Blue-green: a preview Service that the new version answers on before the switch.
    preview_service: bool = False
    # Canary, A/B: a canary Service, and the load balancer's weights/routes are Rollout-managed.
    traffic_routed: bool = False


STRATEGIES: dict[str, StrategyKind] = {
    StrategyType.ROLLING: StrategyKind(rollout=None),
    StrategyType.CANARY: StrategyKind(strategies.canary, traffic_routed=True),
    StrategyType.AB: StrategyKind(strategies.ab, traffic_routed=True),
    StrategyType.BLUE_GREEN: StrategyKind(strategies.blue_green, preview_service=True),
}


def strategy_kind(deploy: DeployConfig) -> StrategyKind:
    kind = deploy.strategy.type
    try:
        return STRATEGIES[kind]
    except KeyError:
        raise TypeError(f"no deploy strategy row for {kind!r} in deploy/kinds.py") from None
