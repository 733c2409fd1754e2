"""A real Google ADK agent instrumented by adk_observe's plugin, with no API key.

    pip install 'adk-observe[adk]'
    python examples/adk_agent.py

The model is `adk_observe.testing.ScriptedModel` (offline, scripted): each turn asks for the
`get_weather` tool, then answers. Two turns run through a real `InMemoryRunner`; the script then
prints the series they recorded, read back from the registry.
"""

from __future__ import annotations

import asyncio
import io

from google.adk.agents import LlmAgent
from google.adk.apps import App
from google.adk.runners import InMemoryRunner
from google.genai import types
from prometheus_client import CollectorRegistry, generate_latest

import adk_observe
from adk_observe.adk import ObservabilityPlugin
from adk_observe.testing import Answer, ScriptedModel, ToolCall


def get_weather(city: str) -> dict[str, str]:
    """The weather in `city`."""
    return {"city": city, "sky": "sunny"}


async def run(runner: InMemoryRunner, text: str) -> str:
    session = await runner.session_service.create_session(app_name="weather", user_id="u1")
    message = types.Content(role="user", parts=[types.Part(text=text)])
    answer = ""
    async for event in runner.run_async(user_id="u1", session_id=session.id, new_message=message):
        for part in (event.content.parts or ()) if event.content else ():
            if part.text and not event.partial:
                answer = part.text
    return answer


def main() -> None:
    registry = CollectorRegistry()
    # metrics_port=-1: no HTTP server here; a real agent keeps the default port 9464.
    adk_observe.init(service_name="weather-agent", registry=registry, metrics_port=-1,
                     log_output=io.StringIO(), background_recording=False)
    model = ScriptedModel([
        ToolCall("get_weather", {"city": "Paris"}, input_tokens=12, output_tokens=4),
        Answer("Sunny in Paris.", input_tokens=30, output_tokens=8),
    ])
    agent = LlmAgent(name="forecaster", model=model, tools=[get_weather], instruction="Help.")
    runner = InMemoryRunner(app=App(name="weather", root_agent=agent,
                                    plugins=[ObservabilityPlugin()]))
    for text in ("weather in Paris?", "and tomorrow?"):
        print(asyncio.run(run(runner, text)))
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith(("adk_agent_requests_total", "adk_agent_llm_calls_total",
                            "adk_agent_tool_calls_total", "adk_agent_llm_tokens_total")):
            print(line)
    adk_observe.shutdown()


if __name__ == "__main__":
    main()
