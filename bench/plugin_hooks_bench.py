"""What the ADK plugin's own recording costs per turn: its hooks plus the work queue's worker.

One scripted turn is what `bench/adk_turn_bench.py` runs (a run, two model calls, one tool
call), fed to the plugin's hook bodies directly with stand-in ADK objects, so ADK's own work is
not in the figure: the CPU time of the process (the worker thread included; the queue is applied
at the end of every round) per turn, best of `--rounds` rounds. Logging and tracing are off:
only the recording (metrics) is timed. The adk_turn_bench ratio cannot resolve a few
microseconds on a shared machine; this can. To compare two versions, run it from each checkout
(`PYTHONPATH=<checkout>/src python bench/plugin_hooks_bench.py`) one after the other.

    .venv/bin/python bench/plugin_hooks_bench.py [--rounds 6] [--turns 3000]
"""

from __future__ import annotations

import argparse
import time
import types
from typing import Any

from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe.adk import ObservabilityPlugin


def _turn(plugin: Any, i: int, request: Any, response: Any, tool: Any, session: Any) -> None:
    agent = types.SimpleNamespace(name="shop_assistant")
    run = types.SimpleNamespace(invocation_id=f"i{i}", agent=agent, session=session)
    call = types.SimpleNamespace(invocation_id=f"i{i}", agent_name="shop_assistant")
    tool_call = types.SimpleNamespace(
        invocation_id=f"i{i}", agent_name="shop_assistant", function_call_id=f"f{i}"
    )
    plugin._guard(plugin._before_run, run)
    for _ in range(2):
        plugin._guard(plugin._before_model, call, request)
        plugin._guard(plugin._after_model, call, response)
    plugin._guard(plugin._before_tool, tool_call)
    plugin._guard(plugin._tool_done, tool, tool_call, True, "")
    plugin._guard(plugin._finish_run, run, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--turns", type=int, default=3000)
    args = parser.parse_args()
    handle = adk_observe.init(
        "bench-agent", registry=CollectorRegistry(), metrics_port=-1, logging_enabled=False,
        tracing_enabled=False, prices={"scripted-model": (1.0, 2.0)},
    )
    plugin = ObservabilityPlugin()
    usage = types.SimpleNamespace(
        prompt_token_count=100, candidates_token_count=20, cached_content_token_count=None,
        thoughts_token_count=None,
    )
    response = types.SimpleNamespace(partial=False, usage_metadata=usage, error_code=None)
    request = types.SimpleNamespace(model="scripted-model")
    tool = types.SimpleNamespace(name="get_weather")
    session = types.SimpleNamespace(id="s", events=[], state={})
    best, n = float("inf"), 0
    for _ in range(args.rounds):
        start = time.process_time()
        for _ in range(args.turns):
            _turn(plugin, n, request, response, tool, session)
            n += 1
        handle.force_flush()  # the worker's share is charged to this round
        best = min(best, (time.process_time() - start) / args.turns)
    adk_observe.shutdown()
    print(f"plugin hooks + work queue worker: {best * 1e6:.1f} us per turn (best of {args.rounds})")


if __name__ == "__main__":
    main()
