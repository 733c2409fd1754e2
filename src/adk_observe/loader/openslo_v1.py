"""OpenSLO v1 documents as pydantic models: strict (unknown keys are errors) on what maps.

Shapes from the OpenSLO v1 specification (README and schemas of github.com/OpenSLO/OpenSLO and
the OpenSLO go-sdk). Mapping to the core model is in `openslo.py` and `openslo_sli.py`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from adk_observe.loader.fields import DNS_LABEL, Strict

API_VERSION = "openslo/v1"

_NAME = Field(pattern=DNS_LABEL, max_length=63)


class MetadataOS(Strict):
    name: str = _NAME
    display_name: str | None = Field(None, alias="displayName")
    labels: dict[str, str | list[str]] = {}
    annotations: dict[str, str] = {}


class MetricSourceOS(Strict):
    metric_source_ref: str | None = Field(None, alias="metricSourceRef")
    type: str | None = None
    spec: dict[str, Any]


class MetricOS(Strict):
    metric_source: MetricSourceOS = Field(alias="metricSource")


class RatioMetricOS(Strict):
    counter: bool | None = None
    good: MetricOS | None = None
    bad: MetricOS | None = None
    total: MetricOS | None = None
    raw_type: Literal["success", "failure"] | None = Field(None, alias="rawType")
    raw: MetricOS | None = None

    @model_validator(mode="after")
    def _shape(self) -> RatioMetricOS:
        if self.raw is not None:
            if self.good or self.bad or self.total:
                raise ValueError("raw cannot be combined with good, bad or total")
            if self.raw_type is None:
                raise ValueError("raw needs rawType: success or failure")
            return self
        if self.total is None or (self.good is None) == (self.bad is None):
            raise ValueError("set total and exactly one of good or bad (or raw with rawType)")
        if self.counter is None:
            raise ValueError("counter is required: true for counters, false for gauges")
        return self


class SLISpecOS(Strict):
    description: str = ""
    threshold_metric: MetricOS | None = Field(None, alias="thresholdMetric")
    ratio_metric: RatioMetricOS | None = Field(None, alias="ratioMetric")

    @model_validator(mode="after")
    def _one(self) -> SLISpecOS:
        if (self.threshold_metric is None) == (self.ratio_metric is None):
            raise ValueError("set exactly one of ratioMetric or thresholdMetric")
        return self


class InlineSLIOS(Strict):
    metadata: MetadataOS
    spec: SLISpecOS


class ObjectiveOS(Strict):
    display_name: str | None = Field(None, alias="displayName")
    op: Literal["lte", "gte", "lt", "gt"] | None = None
    value: float | None = None
    target: float | None = Field(None, ge=0, lt=1)
    target_percent: float | None = Field(None, alias="targetPercent", ge=0, lt=100)
    time_slice_target: float | None = Field(None, alias="timeSliceTarget")
    time_slice_window: str | int | None = Field(None, alias="timeSliceWindow")
    indicator: dict[str, Any] | None = None
    indicator_ref: str | None = Field(None, alias="indicatorRef")
    composite_weight: float | None = Field(None, alias="compositeWeight")


class TimeWindowOS(Strict):
    duration: str
    is_rolling: bool | None = Field(None, alias="isRolling")
    calendar: dict[str, Any] | None = None


class SLOSpecOS(Strict):
    description: str = ""
    service: str = _NAME
    indicator: InlineSLIOS | None = None
    indicator_ref: str | None = Field(None, alias="indicatorRef")
    time_window: list[TimeWindowOS] = Field([], alias="timeWindow")
    budgeting_method: Literal["Occurrences", "Timeslices", "RatioTimeslices"] = Field(
        alias="budgetingMethod"
    )
    objectives: list[ObjectiveOS] = Field(min_length=1)
    # `alertPolicies:` with nothing after it (OpenSLO's own examples) is YAML null: none.
    alert_policies: list[Any] | None = Field(None, alias="alertPolicies")


class ServiceSpecOS(Strict):
    description: str = ""


class DataSourceSpecOS(Strict):
    description: str = ""
    type: str
    connection_details: Any = Field(None, alias="connectionDetails")


class DocOS(Strict):
    api_version: Literal["openslo/v1"] = Field(alias="apiVersion")
    kind: str
    metadata: MetadataOS


class SLODoc(DocOS):
    kind: Literal["SLO"]
    spec: SLOSpecOS


class SLIDoc(DocOS):
    kind: Literal["SLI"]
    spec: SLISpecOS


class ServiceDoc(DocOS):
    kind: Literal["Service"]
    spec: ServiceSpecOS = ServiceSpecOS()


class DataSourceDoc(DocOS):
    kind: Literal["DataSource"]
    spec: DataSourceSpecOS
