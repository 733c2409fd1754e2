"""Hostile label values through every label the runtime takes: /metrics always answers 200.

Surface: the label values of the runtime, from the public API (`agent_turn` agent_id, method,
endpoint and status code, `llm_call` model, `tool_call` tool, `mcp_call` server and method,
`record_feedback` agent_id) and from the ADK plugin (its agent_id, the model name, tool names and
MCP server names as an MCP server sends them, session and user ids), which also reach ADK's own
gen_ai.* OpenTelemetry metrics on the same /metrics.

Generator: `hostile` below: lone surrogates (what `surrogateescape` makes of invalid bytes), NUL,
CR/LF, ANSI escapes, right-to-left overrides, byte-order marks, quotes and backslashes, any
unicode text, values of 1 KB to 1 MB, and objects that are not text (whose `str()` may fail).

Bound: every label value is valid UTF-8 without control characters and at most
`label_value_max_length` (128) characters; each family keeps at most `series_limit` series.
After every example the real metrics server answers 200 in both formats and
`promtool check metrics` accepts the text exposition.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

import adk_observe
from adk_observe import agent_turn, llm_call, mcp_call, tool_call
from adk_observe import conventions as c
from adk_observe.instrument import runtime

MAX_LENGTH = 128
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
OPENMETRICS = "application/openmetrics-text; version=1.0.0"


class Unprintable:
    """A name object whose `str()` raises."""

    def __str__(self) -> str:
        raise RuntimeError("no text for you")


SPECIALS = [
    "\udcff", "\ud800", "a\udcffb", "\udc80" * 3, "\x00", "a\x00b", "\r\n", "line\nbreak",
    "\x1b[31mred\x1b[0m", "\u202egnp.exe", "\ufeffbom", "\x85", "\x7f", '"', "\\", '\\"',
    "{le=\"1\"}", c.OVERFLOW_LABEL_VALUE, "", " ", "\U0001f600", "\uffff", "\ue000",
]
any_text = st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates included
hostile: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(SPECIALS),
    any_text,
    st.builds(lambda seed, size: (seed or "\udcff") * (size // max(1, len(seed or "x"))),
              any_text, st.sampled_from([1_000, 100_000, 1_000_000])),
    st.sampled_from([None, 0, 1.5, Unprintable()]),
)


def scrape(port: int, accept: str = "") -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                     headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return bytes(response.read())


def check_exposition(port: int, promtool: str) -> None:
    """/metrics answers 200 in both formats, promtool accepts it, every value is in bounds."""
    text = scrape(port)
    scrape(port, OPENMETRICS)
    checked = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True)
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    for family in text_string_to_metric_families(text.decode("utf-8")):
        for sample in family.samples:
            for value in sample.labels.values():
                assert len(value) <= MAX_LENGTH and not CONTROL.search(value), repr(value)


@pytest.fixture(scope="module")
def served() -> Iterator[adk_observe.Observability]:
    handle = adk_observe.init(
        "hostile-labels", registry=CollectorRegistry(), metrics_port=0, metrics_host="127.0.0.1",
        logging_enabled=False, sampling=1.0, span_exporter=None,
    )
    yield handle
    runtime.reset()


# No shrinking: a failing example is reported as generated (shrinking megabyte values through a
# server and promtool takes many minutes).
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    phases=[Phase.explicit, Phase.reuse, Phase.generate])


@settings(SETTINGS, max_examples=40)
@given(agent=hostile, method=hostile, endpoint=hostile, status=hostile, model=hostile,
       tool=hostile, server=hostile, mcp_method=hostile)
def test_every_public_api_label_takes_any_value_and_metrics_stays_valid(
    served: adk_observe.Observability, promtool: str, agent: Any, method: Any, endpoint: Any,
    status: Any, model: Any, tool: Any, server: Any, mcp_method: Any,
) -> None:
    with agent_turn(agent, method=method, endpoint=endpoint) as turn:
        with llm_call(model) as call:
            call.record_usage(10, 5)
        with tool_call(tool):
            pass
        with mcp_call(server, mcp_method):
            pass
        turn.set_status_code(status)  # type: ignore[arg-type]
    adk_observe.record_feedback(4.5, agent_id=agent)
    assert served.port is not None
    check_exposition(served.port, promtool)
    errors = served.registry.get_sample_value(c.INTERNAL_ERRORS.name,
                                              {"component": c.COMPONENT_INSTRUMENT})
    assert errors is None  # every value was recorded, none failed the recording


# --- the ADK plugin ---------------------------------------------------------------------------


def _hostile_tool(name: str) -> Any:
    from google.adk.tools.base_tool import BaseTool
    from google.genai import types

    class HostileTool(BaseTool):  # type: ignore[misc]
        """A tool as an MCP server may name it (the plugin treats it as an MCP tool)."""

        _mcp_session_manager = object()

        def _get_declaration(self) -> types.FunctionDeclaration:
            return types.FunctionDeclaration(name=self.name, description="hostile")

        async def run_async(self, *, args: dict[str, Any], tool_context: Any) -> Any:
            return {"isError": True} if "\x00" in self.name else {"ok": True}

    return HostileTool(name=name, description="hostile")


async def _adk_turn(agent_id: str, model: str, tool: str, server: str, session: str) -> None:
    from google.adk.agents import LlmAgent
    from google.adk.apps import App
    from google.adk.runners import InMemoryRunner
    from google.genai import types

    from adk_observe.adk import ObservabilityPlugin
    from adk_observe.testing import Answer, ScriptedModel, ToolCall

    scripted = ScriptedModel([ToolCall(tool, {}, input_tokens=7), Answer("done")], model=model)
    agent = LlmAgent(name="hostile_agent", model=scripted, tools=[_hostile_tool(tool)])
    plugin = ObservabilityPlugin(agent_id=agent_id, server_name=lambda _tool: server)
    runner = InMemoryRunner(app=App(name="hostile", root_agent=agent, plugins=[plugin]))
    session = f"s{session}e"  # ADK strips the white space around a session id
    await runner.session_service.create_session(app_name="hostile", user_id=session,
                                                session_id=session)
    message = types.Content(role="user", parts=[types.Part(text="go")])
    async for _ in runner.run_async(user_id=session, session_id=session, new_message=message):
        pass


text_only = hostile.filter(lambda v: isinstance(v, str) and v != "")


@settings(SETTINGS, max_examples=20)
@given(agent=text_only, model=text_only, tool=text_only, server=hostile, session=text_only)
def test_every_label_the_adk_plugin_takes_takes_any_value_and_metrics_stays_valid(
    served: adk_observe.Observability, promtool: str, agent: str, model: str, tool: str,
    server: Any, session: str,
) -> None:
    asyncio.run(_adk_turn(agent, model, tool, server, session))
    served.force_flush()
    assert served.port is not None
    check_exposition(served.port, promtool)
    errors = served.registry.get_sample_value(c.INTERNAL_ERRORS.name,
                                              {"component": c.COMPONENT_ADK_PLUGIN})
    assert errors is None
