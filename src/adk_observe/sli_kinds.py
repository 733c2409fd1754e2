"""Built-in SLI kinds as rows: every fact of a kind in one place, read by every layer.

A row says which series a kind reads and how they split into good and bad events (its shape),
which parameters a spec gives it beside `builtin:` and how they are checked, which labels its
SLO may be grouped by, and the words its SLO dashboard uses. Nothing else names a built-in kind:

- the loader (loader/builtin_v1.py) accepts `builtin: <name>` for every row and checks each
  parameter by its type (a bound must be a bucket bound of the row's histogram);
- the rules (rules/sli.py) and the promtool tests (rules/series.py) read the shape: three shapes
  cover every kind (a counter split by a label, a histogram cut at a threshold, scrape health);
- the SLO dashboard (dashboards/sli_text.py) fills the row's `text`;
- lint (checks/lint.py) knows the row's metric, its series and its labels.

Adding a built-in kind is its row here plus its test; a kind of a new shape also needs the
shape's query (rules/sli.py) and series (rules/series.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from adk_observe import conventions as c


class ParamType(StrEnum):
    """How a parameter is spelled in a spec and what the model keeps of it."""

    SECONDS = "seconds"  # `500ms`, `2s` or a number of seconds: a float of seconds
    NUMBER = "number"  # a plain number (a rating, a cost)
    LABEL_VALUE = "label_value"  # a label value: the SLI reads only series with label=value


@dataclass(frozen=True)
class Param:
    """One key a spec writes beside `builtin:`. A SECONDS or NUMBER parameter of a histogram
    kind is its threshold (a bucket bound of the histogram); a LABEL_VALUE parameter narrows the
    series to `label="<value>"`."""

    key: str
    type: ParamType
    example: str  # in the schema's description and in "needs <key>, e.g. <example>"
    required: bool = True
    label: str = ""  # LABEL_VALUE: the label the value selects


@dataclass(frozen=True)
class CounterShape:
    """Events are the counter's increments; the bad ones carry `label` matching `bad` (a regex
    when `bad_regex`). Synthetic test series use `good_sample` and `bad_sample` as values."""

    metric: c.MetricDef
    label: str
    bad: str
    good_sample: str
    bad_sample: str
    bad_regex: bool = False


@dataclass(frozen=True)
class HistogramShape:
    """Events are the histogram's observations; the bad ones lie above the threshold (the
    `le=threshold` bucket holds the good ones), or with `bad_at_or_below` at or below it (the
    bucket holds the bad ones: low ratings)."""

    metric: c.MetricDef
    bad_at_or_below: bool = False


@dataclass(frozen=True)
class ScrapeShape:
    """Events are `up` samples of the service's scrape targets; a target down is a bad one. Its
    budget is time (minutes of downtime), not requests."""


Shape = CounterShape | HistogramShape | ScrapeShape


@dataclass(frozen=True)
class BuiltinKind:
    name: str  # what a spec writes: `builtin: <name>`
    shape: Shape
    # The SLO dashboard's words for the good events; `{key}` is replaced by a parameter's value.
    text: str
    params: tuple[Param, ...] = ()
    # Set when a stretch without events means the events stopped coming, not a quiet time: its
    # SLO raises SLONoData by default (a spec may turn it off) when its total rate is 0 or gone,
    # and this says what to check. Empty: no events is no traffic (no ratio, no alert).
    no_events: str = ""

    def __post_init__(self) -> None:
        # The dashboard fills every `{key}` of the text, so each names a parameter every SLO of
        # the kind has: a required one (an optional label value that is left out would leave a
        # hole; set ones the text does not name follow it, sli_text.py).
        required = {p.key for p in self.params if p.required}
        holes = sorted(set(re.findall(r"\{(\w+)\}", self.text)) - required)
        if holes:
            raise ValueError(
                f"built-in kind {self.name!r}: its text names {holes}, which are not required "
                "parameters of the kind"
            )

    @property
    def metric(self) -> c.MetricDef | None:
        """The catalogue metric the kind reads (None: `up`, which the scrape adds)."""
        return None if isinstance(self.shape, ScrapeShape) else self.shape.metric

    @property
    def threshold(self) -> Param | None:
        """The parameter that is a bucket bound of the histogram (histogram kinds only)."""
        if not isinstance(self.shape, HistogramShape):
            return None
        return next((p for p in self.params if p.type is not ParamType.LABEL_VALUE), None)

    @property
    def counts_time(self) -> bool:
        return isinstance(self.shape, ScrapeShape)

    def series_names(self) -> tuple[str, ...]:
        """The series the kind's rules select (what lint must know)."""
        return (c.METRIC_UP,) if self.metric is None else self.metric.series_names()

    def group_labels(self) -> tuple[str, ...]:
        """Labels an SLO of this kind may be grouped by (`group_by`): the target labels and its
        metric's labels, without the one that splits good from bad events (grouping by it would
        split each ratio into an all-good and an all-bad series)."""
        own = () if self.metric is None else self.metric.labels
        split = self.shape.label if isinstance(self.shape, CounterShape) else c.LABEL_LE
        return tuple(sorted({*c.TARGET_LABELS, *(label for label in own if label != split)}))


def _status(metric: c.MetricDef) -> CounterShape:
    """Calls counted with `status` ok or error."""
    return CounterShape(metric, c.LABEL_STATUS, c.STATUS_ERROR, c.STATUS_OK, c.STATUS_ERROR)


UPTIME = BuiltinKind("uptime", ScrapeShape(), "scrape target up")
SUCCESS = BuiltinKind(
    "success",
    CounterShape(
        c.REQUESTS,
        c.LABEL_STATUS_CODE,
        c.SERVER_ERROR_REGEX,
        c.STATUS_CODE_OK,
        c.STATUS_CODE_ERROR,
        bad_regex=True,
    ),
    "requests without a server error (5xx)",
)
LATENCY = BuiltinKind(
    "latency",
    HistogramShape(c.REQUEST_DURATION),
    "requests answered in under {threshold}",
    (Param("threshold", ParamType.SECONDS, "500ms"),),
)
TOOL_SUCCESS = BuiltinKind("tool_success", _status(c.TOOL_CALLS), "tool calls that succeed")
MCP_SUCCESS = BuiltinKind("mcp_success", _status(c.MCP_CALLS), "MCP calls that succeed")
LLM_SUCCESS = BuiltinKind("llm_success", _status(c.LLM_CALLS), "LLM calls that succeed")
SATISFACTION = BuiltinKind(
    "satisfaction",
    HistogramShape(c.SATISFACTION_RATING, bad_at_or_below=True),
    "interactions rated above {good_above}",
    (Param("good_above", ParamType.NUMBER, "4.0"),),
)
COST_PER_TURN = BuiltinKind(
    "cost_per_turn",
    HistogramShape(c.INTERACTION_COST),
    "turns that cost at most {threshold}",
    (Param("threshold", ParamType.NUMBER, "0.05"),),
)
TIME_TO_FIRST_TOKEN = BuiltinKind(
    "time_to_first_token",
    HistogramShape(c.FIRST_TOKEN),
    "streamed turns that show text within {threshold}",
    (Param("threshold", ParamType.SECONDS, "1s"),),
)
QUALITY = BuiltinKind(
    "quality",
    CounterShape(c.EVALUATIONS, c.LABEL_RESULT, c.RESULT_FAIL, c.RESULT_PASS, c.RESULT_FAIL),
    "evaluated answers that pass",
    (
        Param(
            "evaluator", ParamType.LABEL_VALUE, "grounded", required=False, label=c.LABEL_EVALUATOR
        ),
    ),
    no_events="its evaluators still record evaluations (record_evaluation)",
)

# Every built-in kind by name, in the order the docs and the schema list them.
BUILTIN_KINDS: dict[str, BuiltinKind] = {
    kind.name: kind
    for kind in (
        UPTIME,
        SUCCESS,
        LATENCY,
        TOOL_SUCCESS,
        MCP_SUCCESS,
        LLM_SUCCESS,
        SATISFACTION,
        COST_PER_TURN,
        TIME_TO_FIRST_TOKEN,
        QUALITY,
    )
}


def param_keys() -> tuple[str, ...]:
    """Every parameter key some built-in kind takes, in first-declared order."""
    return tuple(dict.fromkeys(p.key for kind in BUILTIN_KINDS.values() for p in kind.params))


def kinds_taking(key: str) -> tuple[BuiltinKind, ...]:
    return tuple(k for k in BUILTIN_KINDS.values() if any(p.key == key for p in k.params))
