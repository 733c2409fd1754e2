"""Deploy strategies as a table: for each `strategy.type`, what objects it emits. The assembler
(kustomize.py), the Services, the autoscaler target and the load balancer all read this row
instead of re-deriving it, so a new strategy is one row plus its Rollout generator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adk_observe.deploy import strategies
from adk_observe.deploy_model import DeployConfig, Engine, StrategyType
from adk_observe.model import ServiceSpec


@dataclass(frozen=True)
class StrategyKind:
    # The Argo Rollout's `strategy` block; None: a plain Deployment (rolling update).
    rollout: Callable[[ServiceSpec, DeployConfig], dict[str, Any]] | None
    # Blue-green: a preview Service that the new version answers on before the switch.
    preview_service: bool = False
    # Canary, A/B: a canary Service, and the load balancer's weights/routes are Rollout-managed.
    traffic_routed: bool = False
    # Canary, A/B: the analysis also runs in the background (the -slo-watch AnalysisTemplate).
    background_analysis: bool = False
    # strategy.engine flagger: a Deployment, a Flagger Canary and MetricTemplates (flagger.py);
    # Flagger makes its own canary/primary Services and, on the Gateway API, the HTTPRoute.
    flagger: bool = False


STRATEGIES: dict[str, StrategyKind] = {
    StrategyType.ROLLING: StrategyKind(rollout=None),
    StrategyType.CANARY: StrategyKind(
        strategies.canary, traffic_routed=True, background_analysis=True
    ),
    StrategyType.AB: StrategyKind(strategies.ab, traffic_routed=True, background_analysis=True),
    StrategyType.BLUE_GREEN: StrategyKind(strategies.blue_green, preview_service=True),
}
# The one Flagger row (the loader allows engine flagger with type canary only).
FLAGGER_CANARY = StrategyKind(rollout=None, flagger=True)


def strategy_kind(deploy: DeployConfig) -> StrategyKind:
    if deploy.strategy.engine is Engine.FLAGGER:
        return FLAGGER_CANARY
    kind = deploy.strategy.type
    try:
        return STRATEGIES[kind]
    except KeyError:
        raise TypeError(f"no deploy strategy row for {kind!r} in deploy/kinds.py") from None


def routes_traffic(deploy: DeployConfig) -> bool:
    """Argo Rollouts moves traffic through the load balancer between the stable and canary
    Services we render (canary, A/B on a class with weights). Flagger makes its own Services;
    on a class without weights (gke) the canary's share of pods is its share of traffic."""
    return strategy_kind(deploy).traffic_routed and deploy.weighted
