"""Cost of LLM calls from a per-model price table (price per million tokens by token type), and
token counts as they may be recorded."""

from __future__ import annotations

import numbers
import sys
from collections.abc import Iterable
from typing import NamedTuple

from adk_observe.model import ModelPrice

_PER = 1_000_000.0
# The lookup cache: this many model names at most, each at most this long (a longer name is
# looked up every time), so the cache holds at most ~1000 x 256 characters whatever callers send.
_CACHE_LIMIT = 1000
_CACHED_NAME_MAX = 256
_MAX_FLOAT = sys.float_info.max


class Usage(NamedTuple):
    """Tokens of one call. `input` is the whole prompt, `cached` included (both Gemini and
    OpenAI report it so); `reasoning` (thinking) tokens are apart from `output`."""

    input: float = 0
    output: float = 0
    cached: float = 0
    reasoning: float = 0


def token_count(value: object) -> float | None:
    """A token count as it may be recorded: None (a field the provider left out, such as
    OpenAI's optional cached tokens) counts as 0; a finite non-negative number is itself;
    anything else (NaN, infinity, a negative number, a bool, text) is refused: None."""
    if type(value) is int:  # the common case first (a bool is not an int here)
        return value if 0 <= value <= _MAX_FLOAT else None
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= _MAX_FLOAT else None
    number = float(value)
    return number if 0 <= number <= _MAX_FLOAT else None  # NaN fails every comparison


def usage_of(input: object, output: object, cached: object, reasoning: object) -> tuple[Usage, int]:
    """The `Usage` of raw counts (refused ones count as 0), and how many counts were refused."""
    counts = (token_count(input), token_count(output), token_count(cached), token_count(reasoning))
    refused = counts.count(None)
    if refused:
        return Usage(*(0 if n is None else n for n in counts)), refused
    return Usage._make(counts), 0


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
        if type(model) is not str:  # a str subclass too: its text (its own hash may raise)
            try:
                model = str(model)
            except Exception:  # a name without text has no price
                return None
        try:
            return self._resolved[model]
        except KeyError:
            pass
        found = self._lookup(model)
        if found is None and "/" in model:
            found = self._lookup(model.rsplit("/", 1)[1])
        if len(self._resolved) < _CACHE_LIMIT and len(model) <= _CACHED_NAME_MAX:
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
