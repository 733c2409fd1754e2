"""The instrumentation hot path versus the raw library calls it makes (target <= 1.2x).

One "turn" = agent_turn + llm_call (with token usage) + tool_call + one application log line.
The raw version makes the same prometheus-client calls (`.labels(...)` then inc/observe/set),
opens the same three OpenTelemetry spans on the same provider (same sampler, processor and
exporter), attaches them as current, sets the same attributes, and writes the same two JSON
log lines with python-json-logger to the same sink, with the current span's trace and span ids
(the same OpenTelemetry calls). adk-observe adds label caps, exemplars, redaction, cost, the
handle lookup and the agent-turn bookkeeping on top.

Same process, interleaved rounds (alternating order), CPU time, median of per-round ratios.
adk-observe's own log lines wait in the recorder's queue: each round ends by writing them,
inside the timed region.

    .venv/bin/python bench/instrument_bench.py [--rounds 40] [--turns 500] [--sampling 0.1]
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import IO

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from pythonjsonlogger.json import JsonFormatter

import adk_observe
from adk_observe import agent_turn, llm_call, tool_call
from adk_observe import conventions as c

APP_LOG = logging.getLogger("agent.bench")


class DiscardExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def instrumented_turn(i: int) -> None:
    with agent_turn("bench"):
        with llm_call("gpt-test") as call:
            call.record_usage(120, 30)
        with tool_call("lookup"):
            APP_LOG.info("looked up %d", i)


class Raw:
    """The same library calls, written by hand."""

    def __init__(self, sink: IO[str]) -> None:
        reg = CollectorRegistry()
        d = c  # metric names from the conventions, registered a second time on another registry
        self.requests = Counter(d.REQUESTS.name.removesuffix("_total"), "h", d.REQUESTS.labels,
                                registry=reg)
        self.duration = Histogram(d.REQUEST_DURATION.name, "h", d.REQUEST_DURATION.labels,
                                  buckets=d.REQUEST_DURATION.buckets, registry=reg)
        self.active = Gauge(d.ACTIVE_CONVERSATIONS.name, "h", d.ACTIVE_CONVERSATIONS.labels,
                            registry=reg)
        self.interactions = Counter(d.SUCCESSFUL_INTERACTIONS.name.removesuffix("_total"), "h",
                                    d.SUCCESSFUL_INTERACTIONS.labels, registry=reg)
        self.cost = Gauge(d.COST_PER_INTERACTION.name, "h", d.COST_PER_INTERACTION.labels,
                          registry=reg)
        self.llm = Counter(d.LLM_CALLS.name.removesuffix("_total"), "h", d.LLM_CALLS.labels,
                           registry=reg)
        self.llm_duration = Histogram(d.LLM_CALL_DURATION.name, "h", d.LLM_CALL_DURATION.labels,
                                      buckets=d.LLM_CALL_DURATION.buckets, registry=reg)
        self.tokens = Counter(d.LLM_TOKENS.name.removesuffix("_total"), "h",
                              d.LLM_TOKENS.labels, registry=reg)
        self.cost_total = Counter(d.COST_TOTAL.name.removesuffix("_total"), "h",
                                  d.COST_TOTAL.labels, registry=reg)
        self.tool = Counter(d.TOOL_CALLS.name.removesuffix("_total"), "h", d.TOOL_CALLS.labels,
                            registry=reg)
        self.tool_duration = Histogram(d.TOOL_CALL_DURATION.name, "h",
                                       d.TOOL_CALL_DURATION.labels,
                                       buckets=d.TOOL_CALL_DURATION.buckets, registry=reg)
        self.tracer = trace.get_tracer("raw")
        self.log = logging.getLogger("raw.bench")
        self.log.propagate = False
        self.log.setLevel(logging.INFO)
        handler = logging.StreamHandler(sink)
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           static_fields={"service": "bench"}))
        self.log.addHandler(handler)

    @staticmethod
    def ids() -> dict[str, str]:
        """Log correlation: the current span's ids (the same OpenTelemetry API calls)."""
        ctx = trace.get_current_span().get_span_context()
        return {c.LOG_TRACE_ID: format(ctx.trace_id, "032x"),
                c.LOG_SPAN_ID: format(ctx.span_id, "016x")}

    def span(self, name: str, attrs: dict[str, object]) -> tuple[trace.Span, object, float]:
        span = self.tracer.start_span(name, attributes=attrs)  # type: ignore[arg-type]
        return span, otel_context.attach(trace.set_span_in_context(span)), time.perf_counter()

    def end(self, span: trace.Span, token: object) -> None:
        span.end()
        otel_context.detach(token)  # type: ignore[arg-type]

    def turn(self, i: int) -> None:
        turn, t_tok, t0 = self.span("invoke_agent bench", {"gen_ai.operation.name": "invoke_agent",
                                                        "gen_ai.agent.name": "bench"})
        self.active.labels("bench").inc()
        llm, l_tok, l0 = self.span("chat gpt-test", {"gen_ai.operation.name": "chat",
                                                     "gen_ai.request.model": "gpt-test"})
        seconds = time.perf_counter() - l0
        self.llm.labels("bench", "gpt-test", "ok").inc()
        self.llm_duration.labels("bench", "gpt-test", "ok").observe(seconds)
        self.tokens.labels("bench", "gpt-test", "input").inc(120)
        self.tokens.labels("bench", "gpt-test", "output").inc(30)
        self.cost_total.labels("bench", "gpt-test", "default").inc(0.00048)
        llm.set_attribute("gen_ai.usage.input_tokens", 120)
        llm.set_attribute("gen_ai.usage.output_tokens", 30)
        llm.set_attribute("adk_observe.cost", 0.00048)
        self.end(llm, l_tok)
        tool, o_tok, o0 = self.span("execute_tool lookup", {"gen_ai.operation.name": "execute_tool",
                                                       "gen_ai.tool.name": "lookup"})
        self.log.info("looked up %d", i, extra=self.ids())
        seconds = time.perf_counter() - o0
        self.tool.labels("bench", "lookup", "ok").inc()
        self.tool_duration.labels("bench", "lookup", "ok").observe(seconds)
        self.end(tool, o_tok)
        seconds = time.perf_counter() - t0
        self.requests.labels("bench", "turn", "agent", "200").inc()
        self.duration.labels("bench", "turn", "agent").observe(seconds)
        self.active.labels("bench").dec()
        self.interactions.labels("bench", "agent_turn").inc()
        self.cost.labels("bench", "default").set(0.00048)
        turn.set_attribute("http.response.status_code", 200)
        turn.set_attribute("adk_observe.cost", 0.00048)
        self.log.info("agent turn", extra={"agent_id": "bench", "status_code": "200",
                                           "duration_ms": round(seconds * 1000, 3),
                                           "cost": 0.00048, **self.ids()})
        self.end(turn, t_tok)


def timed(fn: Callable[[int], None], turns: int, flush: Callable[[], None] | None = None) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        for i in range(turns):
            fn(i)
        if flush is not None:  # the recorder's queued log lines are written inside the timing
            flush()
        return (time.process_time() - start) / turns
    finally:
        gc.enable()


def main(rounds: int, turns: int, sampling: float) -> None:
    sink = open(os.devnull, "w")  # noqa: SIM115
    obs = adk_observe.init("bench", registry=CollectorRegistry(), metrics_port=-1,
                           sampling=sampling, span_exporter=DiscardExporter(), log_output=sink,
                           prices={"gpt-test": (2.0, 8.0)})
    flush = obs.queues.flush_all if obs.queues is not None else None
    raw = Raw(sink)
    for fn in (raw.turn, instrumented_turn):
        timed(fn, turns)  # warm up
    base: list[float] = []
    ours: list[float] = []
    for r in range(rounds):
        pairs = ((raw.turn, base, None), (instrumented_turn, ours, flush))
        for fn, out, after in pairs if r % 2 == 0 else pairs[::-1]:
            out.append(timed(fn, turns, after))
    ratio = statistics.median(o / b for o, b in zip(ours, base, strict=True))
    print(f"rounds={rounds} turns/round={turns} sampling={sampling} (process CPU time)")
    print(f"raw library calls: median {statistics.median(base) * 1e6:.1f} us/turn")
    print(f"adk_observe:       median {statistics.median(ours) * 1e6:.1f} us/turn")
    print(f"median of per-round ratios (target <= 1.2): {ratio:.3f}")
    adk_observe.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--sampling", type=float, default=0.1)
    args = parser.parse_args()
    main(args.rounds, args.turns, args.sampling)
