"""`deploy.strategy`: rolling, blue-green, canary or A/B, by Argo Rollouts or Flagger, and the
SLO analysis that gates it. What each load balancer class can route comes from its row in
`deploy_model.LOAD_BALANCERS`."""

from __future__ import annotations

from adk_observe import deploy_model as d
from adk_observe import load_balancers as lbs
from adk_observe.loader.deploy_facts import Locator, ServiceFacts
from adk_observe.loader.deploy_v1 import AnalysisV1, MatchV1, StrategyV1
from adk_observe.yamlsource import KeyPath

DEFAULT_STEPS = (10, 25, 50)


def strategy(spec: StrategyV1, lb: d.LoadBalancer, facts: ServiceFacts, at: Locator) -> d.Strategy:
    kind = d.StrategyType(spec.type)
    where: KeyPath = ("strategy",)
    if spec.steps is not None and kind is not d.StrategyType.CANARY:
        raise at.fail((*where, "steps"), "steps belong to strategy type canary only")
    if spec.match is not None and kind is not d.StrategyType.AB:
        raise at.fail((*where, "match"), "match belongs to strategy type ab only")
    if spec.analysis is not None and kind is d.StrategyType.ROLLING:
        raise at.fail((*where, "analysis"), "analysis belongs to canary, blue-green and ab only")
    engine = d.Engine(spec.engine)
    if engine is d.Engine.FLAGGER and kind is not d.StrategyType.CANARY:
        raise at.fail(
            (*where, "engine"),
            "engine flagger renders a Flagger Canary: strategy type canary only",
        )
    facts_lb = lbs.LOAD_BALANCERS[lb]
    if engine is d.Engine.FLAGGER and not facts_lb.flagger_provider:
        routers = sorted(k.value for k, v in lbs.LOAD_BALANCERS.items() if v.flagger_provider)
        raise at.fail(
            (*where, "engine"),
            f"Flagger has no router for class {lb.value}: use class {' or '.join(routers)} "
            f"with engine flagger, or engine argo with class {lb.value}",
        )
    steps = tuple(spec.steps) if spec.steps is not None else ()
    if kind is d.StrategyType.CANARY:
        steps = steps or DEFAULT_STEPS
        _check_steps(steps, at)
    match = None
    if kind is d.StrategyType.AB:
        if spec.match is None:
            raise at.fail(where, "strategy ab needs match: {header: NAME, value: VALUE} or cookie")
        match = _match(spec.match, lb, at)
        if match.kind is d.MatchKind.HEADER and not facts_lb.header_match:
            raise at.fail(
                (*where, "match", "header"),
                f"class {lb.value} cannot route by header (the gce Ingress has no header "
                "matches): use class gke-gateway for A/B, or strategy canary or blue-green",
            )
    analysis = None
    if kind is not d.StrategyType.ROLLING:
        analysis = _analysis(spec.analysis or AnalysisV1(), facts, at)
    return d.Strategy(kind, steps, spec.pause, analysis, match, engine)


def _check_steps(steps: tuple[int, ...], at: Locator) -> None:
    previous = 0
    for i, weight in enumerate(steps):
        if not 0 < weight <= 100:
            raise at.fail(("strategy", "steps", i), f"weight {weight} must be within 1..100")
        if weight <= previous:
            raise at.fail(
                ("strategy", "steps", i),
                f"weight {weight} is not above the previous step {previous}: "
                "canary weights must increase",
            )
        previous = weight


def _match(spec: MatchV1, lb: d.LoadBalancer, at: Locator) -> d.Match:
    if (spec.header is None) == (spec.cookie is None):
        raise at.fail(("strategy", "match"), "set exactly one of header or cookie")
    if spec.cookie is not None:
        if not lbs.LOAD_BALANCERS[lb].cookie_match:
            raise at.fail(
                ("strategy", "match", "cookie"),
                "cookie matching needs class nginx (canary-by-cookie); use a header match",
            )
        if spec.value != "always":
            raise at.fail(
                ("strategy", "match", "value"),
                "ingress-nginx routes a cookie match when the cookie's value is 'always'",
            )
        return d.Match(d.MatchKind.COOKIE, spec.cookie, spec.value)
    assert spec.header is not None
    return d.Match(d.MatchKind.HEADER, spec.header, spec.value)


def _analysis(spec: AnalysisV1, facts: ServiceFacts, at: Locator) -> d.Analysis:
    slos = dict(facts.slos)
    known = set(slos)
    for i, name in enumerate(spec.slos):
        if name not in known:
            raise at.fail(
                ("strategy", "analysis", "slos", i),
                f"analysis names SLO {name!r}, which the spec does not define "
                f"(SLOs: {', '.join(sorted(str(k) for k in known))})",
            )
        if slos[name]:
            raise at.fail(
                ("strategy", "analysis", "slos", i),
                f"SLO {name!r} has a custom PromQL SLI ({slos[name]}): the analysis selects the "
                "canary's own series by pod template hash, which user PromQL cannot be narrowed "
                "to; gate on builtin or latency SLIs",
            )
    if len(set(spec.slos)) != len(spec.slos):
        raise at.fail(("strategy", "analysis", "slos"), "an SLO is listed twice")
    if spec.query_window % 60:
        raise at.fail(("strategy", "analysis", "query_window"), "must be whole minutes")
    return d.Analysis(
        slos=tuple(spec.slos),
        prometheus_address=spec.prometheus,
        interval_seconds=spec.interval,
        count=spec.count,
        query_window=f"{spec.query_window // 60}m",
        min_success_percent=spec.min_success,
        max_p95_seconds=spec.max_p95,
        min_requests=spec.min_requests,
        stable_margin=spec.stable_margin,
    )
