"""What recording alone costs per turn: `AgentMetrics.record` of one scripted turn's events.

The events are what the ADK plugin builds for the turn `bench/plugin_hooks_bench.py` feeds it (a
run started, two LLM calls with token usage and a price, one tool call, the finished turn), on a
sampled span so histograms take exemplars. CPU time per turn, best of `--rounds` rounds, and each
kind's share. This is the work queue's worker's part of plugin_hooks_bench's figure; to compare
two versions, run it from each checkout (`PYTHONPATH=<checkout>/src python
bench/recording_bench.py`) one after the other, several times.

    .venv/bin/python bench/recording_bench.py [--rounds 7] [--turns 20000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from opentelemetry.trace import SpanContext, TraceFlags
from prometheus_client import CollectorRegistry

from adk_observe.instrument import events
from adk_observe.instrument.cost import Usage
from adk_observe.instrument.metrics import AgentMetrics


def _turn_events() -> list[events.Event]:
    ctx = SpanContext(trace_id=0x1234, span_id=0x99, is_remote=False, trace_flags=TraceFlags(1))
    usage = Usage(100, 20, 0, 0)
    llm = events.LlmCall(agent_id="shop", ctx=ctx, seconds=0.5, ok=True, model="m", usage=usage,
                         cost=0.0001, cost_center="")
    return [
        events.TurnStarted(agent_id="shop"),
        llm,
        llm,
        events.ToolCall(agent_id="shop", ctx=ctx, seconds=0.2, ok=True, tool="get_weather"),
        events.Turn(agent_id="shop", ctx=ctx, seconds=1.0, ok=True, status_code="200",
                    cost=0.0002, cost_center=""),
    ]


Record = Callable[[events.Event], None]


def _best(record: Record, batch: list[events.Event], rounds: int, turns: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(turns):
            for event in batch:
                record(event)
        best = min(best, (time.process_time() - start) / turns)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--turns", type=int, default=20000)
    args = parser.parse_args()
    metrics = AgentMetrics(CollectorRegistry())
    turn = _turn_events()
    total = _best(metrics.record, turn, args.rounds, args.turns)
    kinds = {e.kind: e for e in turn}
    shares = "  ".join(
        f"{kind} {_best(metrics.record, [e], args.rounds, args.turns) * 1e6:.2f}"
        for kind, e in kinds.items()
    )
    print(f"recording: {total * 1e6:.2f} us per turn (best of {args.rounds}); per event: {shares}")


if __name__ == "__main__":
    main()
