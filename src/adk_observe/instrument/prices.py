"""The built-in price table: list prices of the major Gemini, OpenAI and Anthropic models.

Prices are US dollars per million tokens, standard (not batch) tier, for prompts up to 200k tokens
where a provider tiers by prompt size, as the providers' pricing pages listed them in the month of
PRICES_AS_OF. Prices change: a spec's `telemetry.cost.prices` or `init(prices=...)` overrides any
row, and a model that matches no row is counted in adk_agent_llm_unpriced_calls_total instead of
silently costing 0.

Reasoning (thinking) tokens are billed at the output price by all three providers, so no row sets
`reasoning_per_million`. Cached input is the price of a cache read (Anthropic's cache writes cost
more than input and are not reported in ADK's usage metadata).

`price_table()` and `parse_prices()` read a user's table (the `prices` option of `init()`, as a
mapping or as the JSON of its environment variable) into the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adk_observe.instrument.option_checks import OptionsError
from adk_observe.model import ModelPrice

PRICES_AS_OF = "2025-11"

BUILTIN_PRICES: tuple[ModelPrice, ...] = (
    # Google Gemini (Gemini Developer API). Model names as ADK passes them.
    ModelPrice("gemini-3-pro-preview", 2.00, 12.00, 0.20),
    ModelPrice("gemini-2.5-pro", 1.25, 10.00, 0.125),
    ModelPrice("gemini-2.5-flash", 0.30, 2.50, 0.03),
    ModelPrice("gemini-2.5-flash-lite", 0.10, 0.40, 0.01),
    ModelPrice("gemini-2.0-flash", 0.10, 0.40, 0.025),
    ModelPrice("gemini-2.0-flash-lite", 0.075, 0.30),
    # OpenAI
    ModelPrice("gpt-5", 1.25, 10.00, 0.125),
    ModelPrice("gpt-5-mini", 0.25, 2.00, 0.025),
    ModelPrice("gpt-5-nano", 0.05, 0.40, 0.005),
    ModelPrice("gpt-4.1", 2.00, 8.00, 0.50),
    ModelPrice("gpt-4.1-mini", 0.40, 1.60, 0.10),
    ModelPrice("gpt-4.1-nano", 0.10, 0.40, 0.025),
    ModelPrice("gpt-4o", 2.50, 10.00, 1.25),
    ModelPrice("gpt-4o-mini", 0.15, 0.60, 0.075),
    ModelPrice("o3", 2.00, 8.00, 0.50),
    ModelPrice("o3-mini", 1.10, 4.40, 0.55),
    ModelPrice("o4-mini", 1.10, 4.40, 0.275),
    # Anthropic (cached = cache read, a tenth of input)
    ModelPrice("claude-opus-4-5", 5.00, 25.00, 0.50),
    ModelPrice("claude-opus-4-1", 15.00, 75.00, 1.50),
    ModelPrice("claude-opus-4", 15.00, 75.00, 1.50),
    ModelPrice("claude-sonnet-4-5", 3.00, 15.00, 0.30),
    ModelPrice("claude-sonnet-4", 3.00, 15.00, 0.30),
    ModelPrice("claude-3-7-sonnet", 3.00, 15.00, 0.30),
    ModelPrice("claude-haiku-4-5", 1.00, 5.00, 0.10),
    ModelPrice("claude-3-5-haiku", 0.80, 4.00, 0.08),
)


_PRICE_KEYS = (
    "input_per_million",
    "output_per_million",
    "cached_input_per_million",
    "reasoning_per_million",
)


def _price_number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"{value!r} is not a number")
    number = float(value)
    if not 0 <= number < float("inf"):  # NaN fails the comparison
        raise ValueError(f"{value!r} is negative, NaN or infinite")
    return number


def _price(name: str, row: Any) -> ModelPrice:
    """[input, output, cached?, reasoning?] or a mapping with the spec's key names; prices per
    million tokens, finite and not negative; cached and reasoning default to the input and
    output prices."""
    values = [row.get(k) for k in _PRICE_KEYS] if isinstance(row, Mapping) else list(row)
    if not 2 <= len(values) <= 4:
        raise TypeError(f"{name}: expected 2 to 4 prices, got {len(values)}")
    values += [None] * (4 - len(values))
    numbers = [_price_number(v) for v in values]
    if numbers[0] is None or numbers[1] is None:
        raise ValueError(f"{name}: input and output prices are required")
    return ModelPrice(str(name), numbers[0], numbers[1], numbers[2], numbers[3])


def price_table(table: Mapping[str, Any]) -> tuple[ModelPrice, ...]:
    """A price table given to `init(prices=...)` or read from the environment."""
    try:
        return tuple(_price(m, row) for m, row in sorted(table.items()))
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:  # an int past float
        raise OptionsError(
            f"prices must map model names to [input, output, cached, reasoning] prices per "
            f"million tokens (cached and reasoning optional), none negative, NaN or infinite: "
            f"{exc}"
        ) from exc


def parse_prices(raw: str) -> tuple[ModelPrice, ...]:
    """JSON object: {"model": [input, output, cached, reasoning], ...} (the last two optional)."""
    try:
        table = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: brackets nested too deep
        raise OptionsError(f"prices must be a JSON object: {exc}") from None
    if not isinstance(table, Mapping):
        raise OptionsError("prices must be a JSON object of model name -> prices")
    return price_table(table)
