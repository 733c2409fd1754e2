"""Cost of LLM calls from a per-model price table (price per million tokens by token type)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from adk_observe.model import ModelPrice

_PER = 1_000_000.0
_CACHE_LIMIT = 1000  # distinct model names remembered (the model label is capped anyway)


class Usage(NamedTuple):
    """Tokens of one call. `input` is the whole prompt, `cached` included (both Gemini and
    OpenAI report it so); `reasoning` (thinking) tokens are apart from `output`."""

    input: int = 0
    output: int = 0
    cached: int = 0
    reasoning: int = 0


class Rates(NamedTuple):
    input: float
    output: float
    cached: float
    reasoning: float


def _rates(price: ModelPrice) -> Rates:
    cached = price.cached_input_per_million
    reasoning = price.reasoning_per_million
    return Rates(
        price.input_per_million,
        price.output_per_million,
        price.input_per_million if cached is None else cached,
        price.output_per_million if reasoning is None else reasoning,
    )


class PriceTable:
    """Rows of `prices` override rows of `builtin` with the same model name.

    Lookup: the exact name, then the name without a provider prefix (`openai/gpt-4o`, as LiteLLM
    spells it), then the longest row name the model starts with (so "gemini-2.0-flash-001" is
    priced as "gemini-2.0-flash"). A model that matches nothing has no price: `cost` returns None.
    """

    def __init__(
        self, prices: Iterable[ModelPrice] = (), builtin: Iterable[ModelPrice] = ()
    ) -> None:
        rows = {p.model: _rates(p) for p in builtin}
        rows.update({p.model: _rates(p) for p in prices})
        self._exact = rows
        self._prefixes = sorted(rows, key=len, reverse=True)
        self._resolved: dict[str, Rates | None] = {}

    def __bool__(self) -> bool:
        return bool(self._exact)

    def rates(self, model: str) -> Rates | None:
        try:
            return self._resolved[model]
        except KeyError:
            pass
        found = self._lookup(model)
        if found is None and "/" in model:
            found = self._lookup(model.rsplit("/", 1)[1])
        if len(self._resolved) < _CACHE_LIMIT:
            self._resolved[model] = found
        return found

    def _lookup(self, model: str) -> Rates | None:
        found = self._exact.get(model)
        if found is None:
            prefix = next((p for p in self._prefixes if model.startswith(p)), None)
            found = self._exact[prefix] if prefix is not None else None
        return found

    def cost(self, model: str, usage: Usage) -> float | None:
        """The call's cost, or None when the model has no price."""
        rates = self.rates(model)
        if rates is None:
            return None
        cached = min(usage.cached, usage.input)
        return (
            (usage.input - cached) * rates.input
            + cached * rates.cached
            + usage.output * rates.output
            + usage.reasoning * rates.reasoning
        ) / _PER
