"""The demo agent: a real ADK App with an offline scripted model, a function tool and an MCP tool,
instrumented by `adk_observe` and driven by a traffic generator on a background event loop.

    with DemoAgent(spec) as agent:          # metrics on 127.0.0.1:<agent.metrics_port>/metrics
        agent.set_outage(True)              # every model call fails: turns end with status 500
        agent.set_outage(False)

Each turn: a guardrail looks at the request (`pii_filter`, allows it), the model asks for
`lookup_order` (function tool), then `check_stock` (MCP tool), then streams its answer (time to
first token); afterwards an online evaluator grades the answer (`grounded`, fails 2%) and the
simulated user rates it.

A second agent, `billing_assistant`, answers one turn in BILLING_EVERY and fails one of every
BILLING_FAIL_EVERY of them from the start: a per-agent SLO pages for it alone, while the
service-wide success ratio stays inside its page factors (issue 15's "one agent of two failing").
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import threading
from concurrent.futures import Future
from typing import Any

from google.adk.agents import LlmAgent
from google.adk.agents.run_config import (  # type: ignore[attr-defined]
    RunConfig,
    StreamingMode,
)
from google.adk.apps import App
from google.adk.runners import InMemoryRunner
from google.adk.tools.mcp_tool.mcp_session_manager import StdioConnectionParams
from google.adk.tools.mcp_tool.mcp_toolset import McpToolset
from google.genai import types
from mcp import StdioServerParameters
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe.adk.guardrails import guardrail
from adk_observe.adk.plugin import ObservabilityPlugin
from adk_observe.demo.mcp_server import SERVER_NAME
from adk_observe.model import ServiceSpec
from adk_observe.testing import Answer, ScriptedModel, ToolCall

MODEL_NAME = "scripted-demo"
AGENT_NAME = "support_assistant"
BILLING_AGENT_NAME = "billing_assistant"
BILLING_APP_NAME = "demo-billing"
# One turn in 10 goes to the billing agent, which fails one in 5 of them: 2% of all turns, a
# 4x burn of the service-wide 99.5% budget (a ticket at 3x; pages need 6x), but a 40x burn of
# the billing agent's own budget. Whole turns are made to fail: with a 20% share of failing
# model calls, none of 20 billing turns failed here (ADK logged the failed calls and the turns
# still ended well), so the fault is set per turn.
BILLING_EVERY = 10
BILLING_FAIL_EVERY = 5
APP_NAME = "demo"
USER = "demo-user"
LOOPBACK = "127.0.0.1"
TURNS_PER_SESSION = 5
MAX_CONCURRENT_TURNS = 16
STEP_DELAY = 0.02  # seconds per model call: fast enough for the latency SLO, not zero
# Ratings the simulated user gives (1-5) and how often: 5% at or below 4.0.
RATINGS = ((5.0, 0.95), (4.0, 0.03), (3.0, 0.02))
EVALUATOR = "grounded"
EVALUATION_FAILS = 0.02  # the share of answers the online evaluator fails
GUARDRAIL = "pii_filter"
# The main agent streams its answer (ADK's SSE mode): the turn's first text is its first chunk.
STREAMING = RunConfig(streaming_mode=StreamingMode.SSE)
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

SCRIPT = (
    ToolCall(
        "lookup_order", {"order_id": "A-1001"}, input_tokens=120, output_tokens=12, delay=STEP_DELAY
    ),
    ToolCall(
        "check_stock", {"sku": "SKU-42"}, input_tokens=160, output_tokens=10, delay=STEP_DELAY
    ),
    Answer(
        "Your order A-1001 ships tomorrow; SKU-42 is in stock.",
        input_tokens=220,
        output_tokens=30,
        delay=STEP_DELAY,
        chunks=3,
        chunk_delay=STEP_DELAY,
    ),
)


# The billing agent answers in one model call; a scripted model replays its script per turn.
BILLING_SCRIPT = (
    Answer(
        "Your last invoice includes the annual plan renewal.",
        input_tokens=90,
        output_tokens=20,
        delay=STEP_DELAY,
    ),
)


class DiscardSpans(SpanExporter):  # type: ignore[misc]
    """The demo has no trace collector: spans are sampled (so latency exemplars carry their
    trace ids) and then dropped. Set the spec's `tracing.endpoint` to send them to Jaeger."""

    def export(self, spans: Any) -> SpanExportResult:
        del spans
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def lookup_order(order_id: str) -> dict[str, str]:
    """The status of order `order_id`."""
    return {"order_id": order_id, "status": "shipped"}


@guardrail(GUARDRAIL)
def pii_filter(callback_context: Any, llm_request: Any) -> None:
    """A before-model guardrail that finds nothing to redact in the demo's questions: it
    allows every request (returning None lets the model call go ahead)."""
    del callback_context, llm_request


class DemoAgent:
    """The instrumented agent and its traffic, on a background thread (see the module docs)."""

    def __init__(
        self,
        spec: ServiceSpec,
        *,
        rate: float = 5.0,
        seed: int = 0,
        fail_every: int = 0,
        billing: bool = True,
    ) -> None:
        self.spec = spec
        self.rate = rate
        # Off: every turn goes to the main agent, and only injected faults fail (canary pods).
        self.billing = billing
        # Turn 1, 1 + N, 1 + 2N... fails (1/N of the turns, the first one included, so every
        # window of N turns or more holds a failure): a faulty canary, deterministically.
        self.fail_every = fail_every
        self.turns = 0
        self.failed_turns = 0
        self._rng = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="demo-agent", daemon=True
        )
        self._stop = asyncio.Event()
        self._traffic: Future[None] | None = None
        self.model = ScriptedModel(SCRIPT, model=MODEL_NAME)
        self.billing_model = ScriptedModel(BILLING_SCRIPT, model=MODEL_NAME)
        self.billing_turns = 0
        self._outage = False
        self.obs: adk_observe.Observability | None = None
        self.toolset: McpToolset | None = None
        self.runner: InMemoryRunner | None = None
        self.billing_runner: InMemoryRunner | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> DemoAgent:
        self.obs = adk_observe.init(
            self.spec.name,
            telemetry=self.spec.telemetry,
            registry=CollectorRegistry(),
            agent_id=AGENT_NAME,
            metrics_host=LOOPBACK,
            metrics_port=0,
            logging_enabled=False,
            otel_metrics=False,
            span_exporter=None if self.spec.telemetry.tracing_endpoint else DiscardSpans(),
            ready=True,
        )
        self._thread.start()
        try:
            self._call(self._build(), START_TIMEOUT)
            self._traffic = asyncio.run_coroutine_threadsafe(self._generate(), self._loop)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
            if self._traffic is not None:
                # The traffic loop's own failure must not block the cleanup.
                with contextlib.suppress(Exception):
                    self._traffic.result(STOP_TIMEOUT)
            with contextlib.suppress(Exception):
                self._call(self._close(), STOP_TIMEOUT)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(STOP_TIMEOUT)
        if not self._loop.is_running() and not self._loop.is_closed():
            self._loop.close()
        adk_observe.shutdown()

    def __enter__(self) -> DemoAgent:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def metrics_port(self) -> int:
        assert self.obs is not None and self.obs.port is not None
        return self.obs.port

    @property
    def target(self) -> str:
        return f"{LOOPBACK}:{self.metrics_port}"

    def set_outage(self, on: bool) -> None:
        """Inject (or clear) a hard outage: every model call raises, every turn fails (the
        billing agent's own flakiness comes back when the outage ends)."""
        self._outage = on
        self.model.set_faults(failure_rate=1.0 if on else 0.0)
        self.billing_model.set_faults(failure_rate=1.0 if on else 0.0)

    # --- on the agent's loop ---------------------------------------------------------------------

    def _call(self, coro: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _build(self) -> None:
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "adk_observe.demo.mcp_server"]
        )
        self.toolset = McpToolset(
            connection_params=StdioConnectionParams(server_params=params, timeout=20),
            tool_name_prefix=None,
        )
        agent = LlmAgent(
            name=AGENT_NAME,
            model=self.model,
            tools=[lookup_order, self.toolset],
            instruction="Help customers with their orders.",
            before_model_callback=pii_filter,
        )
        plugin = ObservabilityPlugin(server_name=lambda tool: SERVER_NAME)
        self.runner = InMemoryRunner(app=App(name=APP_NAME, root_agent=agent, plugins=[plugin]))
        billing = LlmAgent(
            name=BILLING_AGENT_NAME,
            model=self.billing_model,
            instruction="Answer billing questions.",
        )
        # Its own plugin names its agent: init()'s agent_id would label both agents' turns.
        billing_plugin = ObservabilityPlugin(agent_id=BILLING_AGENT_NAME)
        self.billing_runner = InMemoryRunner(
            app=App(name=BILLING_APP_NAME, root_agent=billing, plugins=[billing_plugin])
        )

    async def _close(self) -> None:
        if self.billing_runner is not None:
            await self.billing_runner.close()
        if self.runner is not None:
            await self.runner.close()
        if self.toolset is not None:
            await self.toolset.close()

    async def _generate(self) -> None:
        limit = asyncio.Semaphore(MAX_CONCURRENT_TURNS)
        tasks: set[asyncio.Task[None]] = set()
        session = ""
        interval = 1.0 / self.rate
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        billing_session = ""
        while not self._stop.is_set():
            if self.turns % TURNS_PER_SESSION == 0:
                session = await self._new_session()
            await limit.acquire()
            if self.billing and self.turns % BILLING_EVERY == BILLING_EVERY - 1:
                if not billing_session:
                    billing_session = await self._new_session(billing=True)
                task = asyncio.create_task(self._billing_turn(billing_session, limit))
            else:
                task = asyncio.create_task(self._turn(session, limit))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            next_at += interval
            with contextlib.suppress(TimeoutError):  # the pace of the traffic, not a blind wait
                await asyncio.wait_for(self._stop.wait(), max(0.0, next_at - loop.time()))
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_TIMEOUT)

    async def _new_session(self, billing: bool = False) -> str:
        runner = self.billing_runner if billing else self.runner
        assert runner is not None
        app = BILLING_APP_NAME if billing else APP_NAME
        session = await runner.session_service.create_session(app_name=app, user_id=USER)
        return str(session.id)

    async def _billing_turn(self, session: str, limit: asyncio.Semaphore) -> None:
        """A billing question: one model answer, no tools, no rating."""
        assert self.billing_runner is not None
        self.turns += 1
        self.billing_turns += 1
        # Billing turns are a tenth of a pace of a few a second: they do not overlap, so the
        # fault set for this turn is this turn's.
        failing = self._outage or self.billing_turns % BILLING_FAIL_EVERY == 0
        self.billing_model.set_faults(failure_rate=1.0 if failing else 0.0)
        message = types.Content(role="user", parts=[types.Part(text="Why was I charged?")])
        try:
            async for _ in self.billing_runner.run_async(
                user_id=USER, session_id=session, new_message=message
            ):
                pass
        except Exception:
            self.failed_turns += 1
        finally:
            limit.release()

    async def _turn(self, session: str, limit: asyncio.Semaphore) -> None:
        assert self.runner is not None
        self.turns += 1
        if self.fail_every and self.turns % self.fail_every == 1 % self.fail_every:
            self.model.set_faults(fail_next=1)  # the next model call fails: one turn fails
        message = types.Content(role="user", parts=[types.Part(text="Where is my order?")])
        try:
            async for _ in self.runner.run_async(
                user_id=USER, session_id=session, new_message=message, run_config=STREAMING
            ):
                pass
        except Exception:
            self.failed_turns += 1
        else:
            passed = self._rng.random() >= EVALUATION_FAILS
            adk_observe.record_evaluation(EVALUATOR, passed=passed, agent_id=AGENT_NAME)
            adk_observe.record_feedback(self._rating())
        finally:
            limit.release()

    def _rating(self) -> float:
        roll, acc = self._rng.random(), 0.0
        for rating, share in RATINGS:
            acc += share
            if roll < acc:
                return rating
        return RATINGS[0][0]
