"""One line that says what an SLO promises: shown on the SLO dashboard."""

from __future__ import annotations

from adk_observe.durations import format_ms
from adk_observe.model import SLI, SLO, BuiltinKind, BuiltinSLI, EventsSLI, LatencySLI
from adk_observe.promql import number

_BUILTIN = {
    BuiltinKind.UPTIME: "scrape target up",
    BuiltinKind.SUCCESS: "requests without a server error (5xx)",
    BuiltinKind.TOOL_SUCCESS: "tool calls that succeed",
    BuiltinKind.MCP_SUCCESS: "MCP calls that succeed",
    BuiltinKind.LLM_SUCCESS: "LLM calls that succeed",
}


def _seconds(value: float) -> str:
    return format_ms(round(value * 1000))


def sli_text(sli: SLI) -> str:
    if isinstance(sli, BuiltinSLI):
        if sli.kind is BuiltinKind.LATENCY and sli.threshold is not None:
            return f"requests answered in under {_seconds(sli.threshold)}"
        if sli.kind is BuiltinKind.SATISFACTION and sli.threshold is not None:
            return f"interactions rated above {number(sli.threshold)}"
        return _BUILTIN.get(sli.kind, sli.kind.value)
    if isinstance(sli, LatencySLI):
        return f"{sli.metric} observations under {_seconds(sli.threshold)}"
    if isinstance(sli, EventsSLI):
        return "good events of a custom query"
    return "a custom error ratio"


def definition(slo: SLO) -> str:
    """`latency: 95% of requests answered in under 500ms over 30d`, braces removed (Grafana
    reads `{{...}}` in a legend as a label reference)."""
    text = f"{slo.name}: {number(slo.objective)}% of {sli_text(slo.sli)} over {_period(slo)}"
    if slo.description:
        text = f"{text}. {slo.description}"
    return text.replace("{", "").replace("}", "")


def _period(slo: SLO) -> str:
    return format_ms(slo.period * 1000)
