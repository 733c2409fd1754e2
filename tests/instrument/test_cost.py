"""Prices: the built-in table, overrides, cached and reasoning tokens, unpriced models."""

from __future__ import annotations

import pytest
from instrument_support import Telemetry, make_telemetry
from pytest import approx

from adk_observe import agent_turn, llm_call
from adk_observe import conventions as c
from adk_observe.environment import format_prices
from adk_observe.instrument.cost import PriceTable, Usage
from adk_observe.instrument.options import OptionsError
from adk_observe.instrument.options import resolve_options as resolve
from adk_observe.instrument.prices import BUILTIN_PRICES, PRICES_AS_OF
from adk_observe.model import ModelPrice

AGENT = "billing-agent"
BUILTIN = PriceTable((), BUILTIN_PRICES)


def test_gemini_bills_cached_prompt_tokens_cheaper_and_thinking_as_output() -> None:
    # gemini-2.5-flash list prices: $0.30 input, $0.03 cached input, $2.50 output per 1M tokens.
    # 10,000 prompt tokens of which 8,000 cached, 1,000 output and 2,000 thinking tokens:
    # 2,000 x 0.30 + 8,000 x 0.03 + 1,000 x 2.50 + 2,000 x 2.50 = 8,340 per million.
    usage = Usage(input=10_000, output=1_000, cached=8_000, reasoning=2_000)
    assert BUILTIN.cost("gemini-2.5-flash", usage) == approx(0.00834)


@pytest.mark.parametrize(
    ("model", "price_of"),
    [
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),  # a version suffix: longest prefix
        ("gemini-2.5-flash-lite", "gemini-2.5-flash-lite"),  # not gemini-2.5-flash
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # not gpt-4o
        ("openai/gpt-4o", "gpt-4o"),  # LiteLLM's provider prefix
        ("anthropic/claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),  # not claude-opus-4
    ],
)
def test_model_names_as_sdks_spell_them_find_their_row(model: str, price_of: str) -> None:
    one_of_each = Usage(input=1_000_000, output=1_000_000)
    assert BUILTIN.cost(model, one_of_each) == BUILTIN.cost(price_of, one_of_each)
    row = next(p for p in BUILTIN_PRICES if p.model == price_of)
    assert BUILTIN.cost(model, one_of_each) == approx(
        row.input_per_million + row.output_per_million
    )


def test_unknown_models_have_no_price_rather_than_a_price_of_zero() -> None:
    assert BUILTIN.cost("my-finetune", Usage(input=1000)) is None


def test_the_table_is_dated_and_covers_the_three_providers() -> None:
    assert len(PRICES_AS_OF) == 7 and PRICES_AS_OF[4] == "-"
    families = {p.model.split("-")[0] for p in BUILTIN_PRICES}
    assert {"gemini", "gpt", "claude"} <= families
    assert all(p.output_per_million >= p.input_per_million for p in BUILTIN_PRICES)
    assert all(
        p.cached_input_per_million is None or p.cached_input_per_million < p.input_per_million
        for p in BUILTIN_PRICES
    )


def test_a_spec_price_overrides_the_builtin_row_and_defaults_cached_and_reasoning() -> None:
    table = PriceTable((ModelPrice("gemini-2.5-flash", 1.0, 4.0),), BUILTIN_PRICES)
    usage = Usage(input=1_000_000, output=1_000_000, cached=500_000, reasoning=1_000_000)
    # cached at the input price, reasoning at the output price: 0.5 + 0.5 + 4 + 4
    assert table.cost("gemini-2.5-flash", usage) == approx(9.0)


def test_the_environment_takes_four_prices_and_round_trips() -> None:
    options = resolve(environ={"ADK_OBSERVE_PRICES": '{"m": [1, 2, 0.1, null], "n": [3, 4]}'})
    assert options.prices == (ModelPrice("m", 1.0, 2.0, 0.1), ModelPrice("n", 3.0, 4.0))
    assert format_prices(options.prices) == '{"m":[1.0,2.0,0.1],"n":[3.0,4.0]}'
    with pytest.raises(OptionsError, match="2 to 4 prices"):
        resolve(environ={"ADK_OBSERVE_PRICES": '{"m": [1]}'})
    with pytest.raises(OptionsError, match="negative"):
        resolve(environ={"ADK_OBSERVE_PRICES": '{"m": [1, -2]}'})


def test_init_takes_prices_as_mappings_with_the_spec_keys() -> None:
    options = resolve(
        prices={"m": {"input_per_million": 1, "output_per_million": 2, "reasoning_per_million": 3}}
    )
    assert options.prices == (ModelPrice("m", 1.0, 2.0, None, 3.0),)


def test_record_usage_counts_cached_and_reasoning_tokens_and_prices_them(
    telemetry: Telemetry,
) -> None:
    with agent_turn(), llm_call("gpt-test") as call:  # gpt-test: $2 input, $8 output (no cache)
        call.record_usage(input_tokens=1000, output_tokens=100, cached_tokens=400)
        call.record_usage(reasoning_tokens=50)
    v = telemetry.value
    tokens = {
        t: v(c.LLM_TOKENS.name, agent_id=AGENT, model="gpt-test", token_type=t)
        for t in ("input", "output", "cached", "reasoning")
    }
    assert tokens == {"input": 1000.0, "output": 100.0, "cached": 400.0, "reasoning": 50.0}
    cost = (1000 * 2.0 + 100 * 8.0 + 50 * 8.0) / 1e6  # cached defaults to the input price
    assert v(c.COST_TOTAL.name, agent_id=AGENT, model="gpt-test", cost_center="default") == approx(
        cost
    )
    labels = {"agent_id": AGENT, "cost_center": "default"}
    assert v(c.INTERACTION_COST.name + "_count", **labels) == 1.0
    assert v(c.INTERACTION_COST.name + "_sum", **labels) == approx(cost)
    assert v(c.INTERACTION_COST.name + "_bucket", le="0.005", **labels) == 1.0  # 0.0032
    assert v(c.INTERACTION_COST.name + "_bucket", le="0.0025", **labels) == 0.0


def test_an_unpriced_model_is_counted_and_adds_no_cost() -> None:
    telemetry = make_telemetry(prices={})
    with agent_turn(), llm_call("my-finetune") as call:
        call.record_usage(input_tokens=1000, output_tokens=100)
    v = telemetry.value
    assert v(c.UNPRICED_LLM_CALLS.name, agent_id=AGENT, model="my-finetune") == 1.0
    assert v(c.COST_TOTAL.name, agent_id=AGENT, model="my-finetune", cost_center="default") is None
    assert v(c.INTERACTION_COST.name + "_sum", agent_id=AGENT, cost_center="default") == 0.0
