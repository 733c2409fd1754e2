"""One line that says what an SLO promises: shown on the SLO dashboard."""

from __future__ import annotations

from adk_observe.durations import format_ms
from adk_observe.model import SLI, SLO, BuiltinSLI, EventsSLI, LatencySLI, RawSLI
from adk_observe.promql import number
from adk_observe.sli_kinds import ParamType


def _seconds(value: float) -> str:
    """A threshold as a person writes it: `500ms`, `1s`, `1m30s`, and `1.5s` (not `1s500ms`)
    for a fraction above a second."""
    ms = value * 1000
    if ms == round(ms) and (value < 1 or value == round(value)):
        return format_ms(round(ms))
    return f"{number(value)}s"


def _builtin_text(sli: BuiltinSLI) -> str:
    """The kind's text (sli_kinds.py) with its parameters filled in; label parameters that are
    set, and not in the text, follow it (`..., evaluator "x"`)."""
    values: dict[str, str] = {}
    for param in sli.kind.params:
        if param.type is ParamType.LABEL_VALUE:
            value = dict(sli.matchers).get(param.label)
            if value is not None:
                values[param.key] = value
        elif sli.threshold is not None:
            seconds = param.type is ParamType.SECONDS
            values[param.key] = _seconds(sli.threshold) if seconds else number(sli.threshold)
    text = sli.kind.text.format_map(values)
    extra = [
        f'{key} "{value}"' for key, value in values.items() if f"{{{key}}}" not in sli.kind.text
    ]
    return ", ".join((text, *extra))


def sli_text(sli: SLI) -> str:
    if isinstance(sli, BuiltinSLI):
        return _builtin_text(sli)
    if isinstance(sli, LatencySLI):
        return f"{sli.metric} observations under {_seconds(sli.threshold)}"
    if isinstance(sli, EventsSLI):
        return "good events of a custom query"
    if isinstance(sli, RawSLI):
        return "a custom error ratio"
    # An SLI type added to the model (docs/architecture.md) says what it promises here; it
    # must not be shown as another type's words.
    raise TypeError(f"no words for {type(sli).__name__} in dashboards/sli_text.py")


def definition(slo: SLO) -> str:
    """`latency: 95% of requests answered in under 500ms over 30d`, braces removed (Grafana
    reads `{{...}}` in a legend as a label reference)."""
    text = f"{slo.name}: {number(slo.objective)}% of {sli_text(slo.sli)} over {_period(slo)}"
    if slo.description:
        text = f"{text}. {slo.description}"
    return text.replace("{", "").replace("}", "")


def _period(slo: SLO) -> str:
    return format_ms(slo.period * 1000)
