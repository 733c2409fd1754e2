"""A plain Python agent (no ADK) instrumented with adk_observe's context managers.

    .venv/bin/python examples/plain_agent.py

It runs three turns against a fake LLM client (one of them fails), then prints the series it
recorded, read back from the registry: the same catalogue the ADK plugin fills.
"""

from __future__ import annotations

import contextlib
import io

from prometheus_client import CollectorRegistry, generate_latest

import adk_observe
from adk_observe import agent_turn, llm_call, tool_call


class FakeLLM:
    """Stands in for an LLM SDK client: answers, and reports token usage."""

    def complete(self, prompt: str) -> tuple[str, int, int]:
        if "refund" in prompt:
            raise TimeoutError("upstream LLM timed out")
        return f"answer to {prompt!r}", len(prompt.split()), 7


def lookup_invoice(number: str) -> dict[str, str]:
    return {"invoice": number, "status": "paid"}


def handle(client: FakeLLM, prompt: str) -> str:
    with agent_turn("billing"):  # requests, duration, active conversations, success
        with tool_call("lookup_invoice"):
            lookup_invoice("INV-1")
        with llm_call("gpt-4o") as call:  # an exception marks the call (and the turn) failed
            answer, tokens_in, tokens_out = client.complete(prompt)
            call.record_usage(tokens_in, tokens_out)
        return answer


def main() -> None:
    registry = CollectorRegistry()
    # metrics_port=-1: no HTTP server here; a real agent keeps the default port 9464.
    adk_observe.init(service_name="billing-agent", registry=registry, metrics_port=-1,
                     log_output=io.StringIO(), prices={"gpt-4o": (2.5, 10.0)})
    client = FakeLLM()
    for prompt in ("where is my invoice", "what do I owe", "refund me"):
        # The failure propagates to the caller unchanged, and is recorded.
        with contextlib.suppress(TimeoutError):
            handle(client, prompt)
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith(("adk_agent_requests_total", "adk_agent_llm_calls_total",
                            "adk_agent_tool_calls_total", "adk_agent_llm_tokens_total")):
            print(line)
    adk_observe.shutdown()


if __name__ == "__main__":
    main()
