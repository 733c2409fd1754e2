"""A real ADK App around the scripted model: a function tool and (optionally) an MCP toolset."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.adk.agents import LlmAgent
from google.adk.agents.run_config import RunConfig, StreamingMode
from google.adk.apps import App
from google.adk.events import Event
from google.adk.plugins.base_plugin import BasePlugin
from google.adk.runners import InMemoryRunner
from google.adk.tools.mcp_tool.mcp_session_manager import StdioConnectionParams
from google.adk.tools.mcp_tool.mcp_toolset import McpToolset
from google.genai import types
from mcp import StdioServerParameters

from adk_observe.testing import ScriptedModel, Step

APP = "shop"
USER = "user-1"


def get_weather(city: str) -> dict[str, str]:
    """The weather in `city`."""
    return {"city": city, "sky": "sunny"}


def charge_card(amount: int) -> dict[str, str]:
    """Charge the card; always raises (a failing function tool)."""
    raise ValueError(f"card declined for {amount}")


def build_runner(
    script: Sequence[Step],
    plugins: Sequence[BasePlugin] = (),
    mcp: tuple[str, list[str]] | None = None,
    agent_name: str = "shop_assistant",
    extra_tools: Sequence[Any] = (),
    **callbacks: Any,
) -> tuple[InMemoryRunner, ScriptedModel, McpToolset | None]:
    """`callbacks`: the agent's own, e.g. before_model_callback=..."""
    model = ScriptedModel(script)
    tools: list[Any] = [get_weather, charge_card, *extra_tools]
    toolset = None
    if mcp is not None:
        toolset = McpToolset(connection_params=StdioConnectionParams(
            server_params=StdioServerParameters(command=mcp[0], args=mcp[1]), timeout=20))
        tools.append(toolset)
    agent = LlmAgent(name=agent_name, model=model, tools=tools, instruction="Help.", **callbacks)
    app = App(name=APP, root_agent=agent, plugins=list(plugins))
    return InMemoryRunner(app=app), model, toolset


async def new_session(runner: InMemoryRunner) -> str:
    session = await runner.session_service.create_session(app_name=APP, user_id=USER)
    return session.id


async def run_turn(
    runner: InMemoryRunner, session_id: str, text: str = "hello", streaming: bool = False
) -> list[Event]:
    config = RunConfig(streaming_mode=StreamingMode.SSE if streaming else StreamingMode.NONE)
    message = types.Content(role="user", parts=[types.Part(text=text)])
    return [
        event async for event in runner.run_async(
            user_id=USER, session_id=session_id, new_message=message, run_config=config)
    ]


def final_text(events: Sequence[Event]) -> str:
    texts = [p.text for e in events if e.content and not e.partial
             for p in e.content.parts or () if p.text]
    return texts[-1] if texts else ""


def summary(events: Sequence[Event]) -> list[tuple[str, str]]:
    """What a run produced, independent of ids and timestamps: (author, kind:detail) pairs."""
    out = []
    for event in events:
        for part in (event.content.parts or ()) if event.content else ():
            if part.function_call:
                out.append((event.author, f"call:{part.function_call.name}"))
            elif part.function_response:
                out.append((event.author, f"result:{part.function_response.name}"))
            elif part.text:
                out.append((event.author, f"text:{part.text}"))
    return out
