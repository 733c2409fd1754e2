"""Cost of LLM calls from a per-model price table (price per million input / output tokens)."""

from __future__ import annotations

from collections.abc import Iterable

from adk_observe.model import ModelPrice

_PER = 1_000_000.0


class PriceTable:
    """Exact model names first, then the longest price-table name the model starts with
    (so "gemini-2.0-flash-001" is priced as "gemini-2.0-flash"). Unknown models cost 0."""

    def __init__(self, prices: Iterable[ModelPrice] = ()) -> None:
        self._exact = {p.model: (p.input_per_million, p.output_per_million) for p in prices}
        self._prefixes = sorted(self._exact, key=len, reverse=True)
        self._resolved: dict[str, tuple[float, float]] = {}

    def __bool__(self) -> bool:
        return bool(self._exact)

    def rates(self, model: str) -> tuple[float, float]:
        found = self._resolved.get(model)
        if found is None:
            found = self._exact.get(model)
            if found is None:
                prefix = next((p for p in self._prefixes if model.startswith(p)), None)
                found = self._exact[prefix] if prefix is not None else (0.0, 0.0)
            if len(self._resolved) < 1000:
                self._resolved[model] = found
        return found

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float:
        rate_in, rate_out = self.rates(model)
        return (input_tokens * rate_in + output_tokens * rate_out) / _PER
