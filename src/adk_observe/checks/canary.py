"""canary-check: the generated Argo analysis, measured against a live Prometheus with Argo's
own semantics, so a team can ask "would this gate have stopped that release?". (The templates
are read in canary_load.py.)

- Arguments: `{{args.NAME}}` in a template is replaced by the value given (Argo resolves
  templates the same way before running them); an argument without a value is bad input.
- A measurement (Argo's Prometheus provider + `evaluate.EvaluateResult`): a vector becomes the
  list of its sample values (an empty result is an empty list), a scalar a number; then
  success and failure conditions: failure wins; neither true is Inconclusive; with only a
  success condition, not successful is Failed (and the reverse); a condition that cannot be
  evaluated (e.g. `result[0]` of no data) makes the measurement Error.
- A metric over several measurements (Argo's `assessMetricStatus`): Failed once failures
  exceed `failureLimit` (default 0, negative: never), Inconclusive once inconclusive ones
  exceed `inconclusiveLimit` (default 0), Error once consecutive errors exceed
  `consecutiveErrorLimit` (default 4), Successful once `count` measurements are taken.
- One departure from Argo, which only logs them: an answer that carries Prometheus `warnings`
  (a remote-read or Thanos store that did not answer: the data may be partial) is never
  Successful. That measurement is Inconclusive, its line names the warning; a Failed,
  Inconclusive or Error one stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from adk_observe.checks.argo_expr import EvalError, compile_condition
from adk_observe.checks.prometheus import warned_text
from adk_observe.errors import AdkObserveError, PrometheusQueryError, printable, quote

if TYPE_CHECKING:
    from adk_observe.checks.prometheus import PrometheusClient, Result

DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
SHOWN = 10  # values of a result shown in a line
# A pod template hash as Kubernetes writes it (a short alphanumeric string): anything else
# would end up inside a PromQL string literal.
HASH = re.compile(r"^[a-z0-9]{1,32}$")


class Phase(StrEnum):
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    INCONCLUSIVE = "Inconclusive"
    ERROR = "Error"
    RUNNING = "Running"


class CanaryCheckError(AdkObserveError):
    """Bad input: no analysis under the folder, a missing argument, a bad condition."""


@dataclass(frozen=True)
class Metric:
    template: str
    name: str
    query: str
    address: str
    success: str = ""
    failure: str = ""
    interval: str = ""
    count: int | None = None
    failure_limit: int = 0
    inconclusive_limit: int = 0
    consecutive_error_limit: int = DEFAULT_CONSECUTIVE_ERROR_LIMIT


@dataclass(frozen=True)
class Measurement:
    phase: Phase
    value: str = ""
    message: str = ""


@dataclass
class MetricResult:
    """Argo's MetricResult counters."""

    measurements: list[Measurement] = field(default_factory=list)
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    consecutive_error: int = 0

    def add(self, m: Measurement) -> None:
        self.measurements.append(m)
        if m.phase is Phase.ERROR:
            self.error += 1
            self.consecutive_error += 1
            return
        self.consecutive_error = 0
        if m.phase is Phase.SUCCESSFUL:
            self.successful += 1
        elif m.phase is Phase.FAILED:
            self.failed += 1
        else:
            self.inconclusive += 1

    @property
    def count(self) -> int:
        return len(self.measurements)


def check_hash(option: str, value: str) -> str:
    if not HASH.fullmatch(value):
        raise CanaryCheckError(
            f"{option} {quote(value, 40)} is not a pod template hash (lower-case letters and "
            "digits, as in the pods' rollouts-pod-template-hash label)"
        )
    return value


# --- one measurement ----------------------------------------------------------------------------


def result_value(result: Result) -> tuple[Any, str]:
    """Argo's processResponse: (the `result` the conditions see, its display text, at most
    SHOWN values of it)."""
    if result.kind == "scalar":
        return result.values[0], _fmt(result.values[0])
    if result.kind in ("vector", "matrix"):
        values = list(result.values)
        shown = ",".join(_fmt(v) for v in values[:SHOWN])
        more = f",... ({len(values)} values)" if len(values) > SHOWN else ""
        return values, f"[{shown}{more}]"
    raise EvalError(f"Prometheus metric type not supported: {result.kind}")


def _fmt(value: float) -> str:
    return repr(value).removesuffix(".0") if value == value else "NaN"


def evaluate(metric: Metric, result: Any) -> Phase:
    """Argo's evaluate.EvaluateResult. EvalError when a condition cannot be evaluated."""
    success = compile_condition(metric.success)(result) if metric.success else False
    failure = compile_condition(metric.failure)(result) if metric.failure else False
    if not metric.success and not metric.failure:
        return Phase.SUCCESSFUL
    if metric.success and not metric.failure:
        failure = not success
    elif metric.failure and not metric.success:
        success = not failure
    if failure:
        return Phase.FAILED
    if not success:
        return Phase.INCONCLUSIVE
    return Phase.SUCCESSFUL


def measure(metric: Metric, client: PrometheusClient, at: float | None = None) -> Measurement:
    """One measurement. A query Prometheus rejects is the measurement's Error (as in Argo);
    no usable answer (PrometheusUnavailableError) propagates: that is no measurement at all."""
    try:
        result = client.instant(metric.query, at)
    except PrometheusQueryError as exc:
        return Measurement(Phase.ERROR, message=str(exc))
    try:
        value, text = result_value(result)
        phase = evaluate(metric, value)
    except EvalError as exc:
        return Measurement(Phase.ERROR, message=printable(str(exc), 300))
    if not result.warnings:
        return Measurement(phase, text)
    warned = warned_text(result.warnings)
    if phase is Phase.SUCCESSFUL:
        return Measurement(Phase.INCONCLUSIVE, text, f"{warned} (a partial answer: not Successful)")
    return Measurement(phase, text, warned)


# --- several measurements -----------------------------------------------------------------------


def assess(metric: Metric, result: MetricResult) -> Phase:
    """Argo's assessMetricStatus (not terminating): the metric's phase after its measurements."""
    if not result.measurements:
        return Phase.RUNNING
    phase = Phase.RUNNING
    if metric.failure_limit >= 0 and result.failed > metric.failure_limit:
        phase = Phase.FAILED
    if result.inconclusive > metric.inconclusive_limit:
        phase = Phase.INCONCLUSIVE
    if result.consecutive_error > metric.consecutive_error_limit:
        phase = Phase.ERROR
    if phase is not Phase.RUNNING:
        return phase
    if metric.count is not None and result.count >= metric.count:
        return Phase.SUCCESSFUL
    if metric.count is None and not metric.interval:
        return Phase.SUCCESSFUL  # Argo's effective count is 1 without count and interval
    return Phase.RUNNING


# Argo's run phase: the worst of its metrics' phases (utils/analysis analysisStatusOrder). A
# Failed, Error or Inconclusive metric terminates the run; the metrics still running then end
# Successful, so the run's phase is that worst one.
WORST_FIRST = (Phase.FAILED, Phase.ERROR, Phase.INCONCLUSIVE, Phase.RUNNING, Phase.SUCCESSFUL)


def run_phase(phases: Iterable[Phase]) -> Phase:
    present = set(phases)
    return next((p for p in WORST_FIRST if p in present), Phase.SUCCESSFUL)
