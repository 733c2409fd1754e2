"""ADK turn with the plugin and full telemetry versus without (target ratio <= 1.05).

Same process, interleaved rounds (order alternating), fixed turns per session; the time is the
process's CPU time (it includes adk-observe's background threads, and excludes CPU stolen by
other processes on a shared machine); the result is the median of per-round ratios.
Each turn is a real ADK Runner turn with the scripted model: one function-tool call, then an
answer (two model calls).
"Full telemetry" is `adk_observe.init()` defaults: catalogue metrics, ADK's gen_ai metrics,
10% parent-based trace sampling into a BatchSpanProcessor (OTLP exporter replaced by one that
discards, so no network), JSON logs with redaction written to /dev/null, and the plugin.
"Without" is the same Runner without the plugin, with tracing sampled off and no log handlers.

    .venv/bin/python bench/adk_turn_bench.py [--rounds 40] [--turns 10] [--sampling 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import statistics
import time
from collections.abc import Sequence

from google.adk.agents import LlmAgent
from google.adk.apps import App
from google.adk.runners import InMemoryRunner
from google.genai import types
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, TraceIdRatioBased
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe.adk import ObservabilityPlugin
from adk_observe.instrument import tracing
from adk_observe.testing import Answer, ScriptedModel, ToolCall

TURNS_PER_SESSION = 5


class DiscardExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def get_weather(city: str) -> dict[str, str]:
    """The weather in `city`."""
    return {"city": city, "sky": "sunny"}


def make_runner(plugin: bool) -> InMemoryRunner:
    model = ScriptedModel([ToolCall("get_weather", {"city": "Paris"}), Answer("Sunny.")])
    agent = LlmAgent(name="bench_agent", model=model, tools=[get_weather])
    app = App(name="bench", root_agent=agent, plugins=[ObservabilityPlugin()] if plugin else [])
    return InMemoryRunner(app=app)


async def run_turns(runner: InMemoryRunner, turns: int) -> float:
    message = types.Content(role="user", parts=[types.Part(text="weather?")])
    session_id = ""
    start = time.process_time()
    for i in range(turns):
        if i % TURNS_PER_SESSION == 0:
            session = await runner.session_service.create_session(app_name="bench", user_id="u")
            session_id = session.id
        async for _ in runner.run_async(user_id="u", session_id=session_id, new_message=message):
            pass
    return (time.process_time() - start) / turns


def telemetry(on: bool, handlers: list[logging.Handler], sampling: float) -> None:
    sampler = tracing._Globals.sampler
    assert sampler is not None
    sampler.delegate = ParentBased(TraceIdRatioBased(sampling)) if on else ALWAYS_OFF
    root = logging.getLogger()
    for handler in handlers:
        (root.addHandler if on else root.removeHandler)(handler)


async def main(rounds: int, turns: int, sampling: float) -> None:
    devnull = open(os.devnull, "w")  # noqa: SIM115
    obs = adk_observe.init("bench", registry=CollectorRegistry(), metrics_port=-1,
                           span_exporter=DiscardExporter(), log_output=devnull, sampling=sampling)
    handlers = list(obs.logging.handlers) if obs.logging else []
    with_plugin, without = make_runner(True), make_runner(False)
    for on, runner in ((True, with_plugin), (False, without)):  # warm up both paths
        telemetry(on, handlers, sampling)
        await run_turns(runner, turns)
    base: list[float] = []
    instrumented: list[float] = []
    for r in range(rounds):
        order = ((False, without), (True, with_plugin))
        for on, runner in order if r % 2 == 0 else order[::-1]:
            telemetry(on, handlers, sampling)
            gc.collect()
            gc.disable()
            try:
                (instrumented if on else base).append(await run_turns(runner, turns))
            finally:
                gc.enable()
    if os.environ.get("BENCH_VERBOSE"):
        print("base", [round(x * 1e3, 2) for x in base])
        print("inst", [round(x * 1e3, 2) for x in instrumented])
    ratio = statistics.median(i / b for i, b in zip(instrumented, base, strict=True))
    print(f"rounds={rounds} turns/round={turns} turns/session={TURNS_PER_SESSION} "
          f"sampling={sampling} (process CPU time, so other processes' load does not count)")
    print(f"without plugin/telemetry: median {statistics.median(base) * 1e3:.3f} ms/turn")
    print(f"with plugin + telemetry:  median {statistics.median(instrumented) * 1e3:.3f} ms/turn")
    print(f"median of per-round ratios (target <= 1.05): {ratio:.3f}")
    print(f"ratio of the fastest rounds:                 {min(instrumented) / min(base):.3f}")
    adk_observe.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--sampling", type=float, default=0.1)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.turns, args.sampling))
