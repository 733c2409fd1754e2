"""A small Prometheus HTTP API client for the report and the gate.

Only instant and range queries, each with a timeout. Every failure (connection refused, timeout,
an HTTP or PromQL error, a body that is not the API's JSON) is a PrometheusUnavailableError, which
the CLI turns into exit code 3: a budget we cannot read must never look like a budget that holds.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from adk_observe.errors import PrometheusQueryError, PrometheusUnavailableError

DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: tuple[tuple[float, float], ...]  # (unix seconds, value)


def _number(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        raise PrometheusUnavailableError(f"not a sample value: {text!r}") from None


class PrometheusClient:
    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, params: dict[str, str]) -> Any:
        # POST keeps long PromQL out of the URL (the API accepts form-encoded POST for queries).
        body = urllib.parse.urlencode(params).encode()
        request = urllib.request.Request(
            f"{self.url}/api/v1/{path}",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = _error_of(exc.read())
            # 4xx with the API's error body: the query was read and refused.
            error = (
                PrometheusQueryError if exc.code < 500 and detail else PrometheusUnavailableError
            )
            raise error(
                f"{self.url}: HTTP {exc.code} for {params.get('query', path)!r}{detail}"
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PrometheusUnavailableError(f"{self.url} is unreachable: {reason}") from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise PrometheusUnavailableError(
                f"{self.url} did not answer with the Prometheus API's JSON"
            ) from None
        if not isinstance(answer, dict):
            raise PrometheusUnavailableError(f"{self.url}: an answer that is not an object")
        if answer.get("status") != "success":
            raise PrometheusQueryError(f"{self.url}: query failed{_error_of(raw)}")
        data = answer.get("data")
        if not isinstance(data, dict) or "result" not in data:
            raise PrometheusUnavailableError(f"{self.url}: an answer without data")
        return data

    def query_data(self, expr: str, at: float | None = None) -> dict[str, Any]:
        """The `data` of an instant query at `at` (now when None), as Prometheus sent it."""
        params = {"query": expr} if at is None else {"query": expr, "time": f"{at:.3f}"}
        data: dict[str, Any] = self._get("query", params)
        return data

    def query(self, expr: str, at: float) -> list[Sample]:
        """Instant query at `at`; NaN and infinite values are dropped (they are not data)."""
        data = self.query_data(expr, at)
        kind, result = data.get("resultType"), data["result"]
        if kind == "scalar":
            result = [{"metric": {}, "value": result}]
        elif kind != "vector":
            raise PrometheusUnavailableError(f"{self.url}: expected a vector, got {kind}")
        out = []
        for item in result:
            value = _number(item["value"][1])
            if math.isfinite(value):
                out.append(Sample(dict(item.get("metric", {})), value))
        return out

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        data = self._get("query_range", params)
        if data.get("resultType") != "matrix":
            raise PrometheusUnavailableError(f"{self.url}: expected a matrix")
        out = []
        for item in data["result"]:
            points = tuple(
                (float(t), v)
                for t, text in item.get("values", [])
                if math.isfinite(v := _number(text))
            )
            out.append(Series(dict(item.get("metric", {})), points))
        return out


def _error_of(raw: bytes) -> str:
    try:
        answer = json.loads(raw)
    except ValueError:
        return ""
    error = answer.get("error") if isinstance(answer, dict) else None
    return f": {error}" if error else ""
