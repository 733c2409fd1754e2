"""canary-check: the generated Argo analysis, measured against a live Prometheus with Argo's
own semantics, so a team can ask "would this gate have stopped that release?".

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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from adk_observe.checks.argo_expr import EvalError, ExprError, compile_condition
from adk_observe.checks.prometheus import PrometheusClient
from adk_observe.errors import AdkObserveError, PrometheusQueryError, PrometheusUnavailableError

HTTP_TIMEOUT = 10.0
DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
ARG_REF = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}")
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


class PrometheusUnreachable(Exception):
    """Prometheus did not answer (or not with a usable body)."""


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


# --- loading ------------------------------------------------------------------------------------


def _int(value: Any, default: int) -> int:
    return default if value is None else int(value)


def templates(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every AnalysisTemplate in the YAML files under `folder`, sorted by file."""
    if not folder.is_dir():
        raise CanaryCheckError(f"{folder} is not a directory")
    found = []
    for path in sorted(folder.rglob("*.yaml")):
        try:
            docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError) as exc:
            raise CanaryCheckError(f"cannot read {path}: {exc}") from None
        found += [
            (path, d) for d in docs if isinstance(d, dict) and d.get("kind") == "AnalysisTemplate"
        ]
    if not found:
        raise CanaryCheckError(f"no AnalysisTemplate under {folder} (render-deploy writes one)")
    return found


def resolve(text: str, args: Mapping[str, str], where: str) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in args:
            raise CanaryCheckError(f"{where}: argument {name!r} has no value")
        return args[name]

    return ARG_REF.sub(value, text)


def template_args(doc: dict[str, Any], given: Mapping[str, str]) -> dict[str, str]:
    """The template's declared args: given values win over its defaults (as in Argo)."""
    out = {}
    for a in (doc.get("spec") or {}).get("args") or []:
        name = str(a.get("name"))
        if name in given:
            out[name] = given[name]
        elif a.get("value") is not None:
            out[name] = str(a["value"])
    return out


def metrics(found: Iterable[tuple[Path, dict[str, Any]]], given: Mapping[str, str]) -> list[Metric]:
    """The templates' Prometheus metrics with the arguments filled in; a metric that appears
    in several templates (the step gate and the background watch) is measured once."""
    out: list[Metric] = []
    seen: set[tuple[str, str, str, str]] = set()
    for path, doc in found:
        name = str((doc.get("metadata") or {}).get("name"))
        args = template_args(doc, given)
        for i, m in enumerate((doc.get("spec") or {}).get("metrics") or []):
            where = f"{path}: {name}: spec.metrics[{i}]"
            prom = (m.get("provider") or {}).get("prometheus")
            if not prom or not prom.get("query"):
                raise CanaryCheckError(f"{where}: only Prometheus metrics can be checked")
            metric = Metric(
                template=name,
                name=str(m.get("name")),
                query=resolve(str(prom["query"]), args, where),
                address=str(prom.get("address", "")),
                success=str(m.get("successCondition") or ""),
                failure=str(m.get("failureCondition") or ""),
                interval=str(m.get("interval") or ""),
                count=_int(m.get("count"), 0) or None,
                failure_limit=_int(m.get("failureLimit"), 0),
                inconclusive_limit=_int(m.get("inconclusiveLimit"), 0),
                consecutive_error_limit=_int(
                    m.get("consecutiveErrorLimit"), DEFAULT_CONSECUTIVE_ERROR_LIMIT
                ),
            )
            for label, cond in (
                ("successCondition", metric.success),
                ("failureCondition", metric.failure),
            ):
                try:
                    compile_condition(cond) if cond else None
                except ExprError as exc:
                    raise CanaryCheckError(f"{where}: {label} {cond!r}: {exc}") from None
            key = (metric.name, metric.query, metric.success, metric.failure)
            if key not in seen:
                seen.add(key)
                out.append(metric)
    return out


def check_hash(option: str, value: str) -> str:
    if not HASH.match(value):
        raise CanaryCheckError(
            f"{option} {value!r} is not a pod template hash (lower-case letters and digits, "
            "as in the pods' rollouts-pod-template-hash label)"
        )
    return value


# --- one measurement ----------------------------------------------------------------------------


def query(base_url: str, expr: str, at: float | None = None) -> Any:
    """Instant query; the `data` of the answer. A query Prometheus rejects is an error the
    measurement reports (Argo's Error phase); no usable answer is PrometheusUnreachable."""
    try:
        return PrometheusClient(base_url, HTTP_TIMEOUT).query_data(expr, at)
    except PrometheusQueryError as exc:
        raise EvalError(f"query failed: {exc}") from None
    except PrometheusUnavailableError as exc:
        raise PrometheusUnreachable(str(exc)) from None


def result_value(data: Mapping[str, Any]) -> tuple[Any, str]:
    """Argo's processResponse: (the `result` the conditions see, its display text)."""
    kind = data.get("resultType")
    if kind == "scalar":
        value = float(data["result"][1])
        return value, _fmt(value)
    if kind == "vector":
        values = [float(s["value"][1]) for s in data["result"]]
        return values, "[" + ",".join(_fmt(v) for v in values) + "]"
    if kind == "matrix":
        values = [float(v[1]) for s in data["result"] for v in s["values"]]
        return values, "[" + ",".join(_fmt(v) for v in values) + "]"
    raise EvalError(f"Prometheus metric type not supported: {kind}")


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


def measure(metric: Metric, base_url: str, at: float | None = None) -> Measurement:
    """One measurement (PrometheusUnreachable propagates: that is no measurement at all)."""
    try:
        value, text = result_value(query(base_url, metric.query, at))
        return Measurement(evaluate(metric, value), text)
    except EvalError as exc:
        return Measurement(Phase.ERROR, message=str(exc))


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
