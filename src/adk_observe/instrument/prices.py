"""The built-in price table: list prices of the major Gemini, OpenAI and Anthropic models.

Prices are US dollars per million tokens, standard (not batch) tier, for prompts up to 200k tokens
where a provider tiers by prompt size, as the providers' pricing pages listed them in the month of
PRICES_AS_OF. Prices change: a spec's `telemetry.cost.prices` or `init(prices=...)` overrides any
row, and a model that matches no row is counted in adk_agent_llm_unpriced_calls_total instead of
silently costing 0.

Reasoning (thinking) tokens are billed at the output price by all three providers, so no row sets
`reasoning_per_million`. Cached input is the price of a cache read (Anthropic's cache writes cost
more than input and are not reported in ADK's usage metadata).
"""

from __future__ import annotations

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
