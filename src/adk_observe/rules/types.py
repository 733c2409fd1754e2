"""What the rules generators produce: Prometheus rule groups as frozen data."""

from __future__ import annotations

from dataclasses import dataclass

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Recording:
    record: str
    expr: str
    labels: Pairs = ()


@dataclass(frozen=True)
class Alert:
    alert: str
    expr: str
    for_seconds: int = 0
    labels: Pairs = ()
    annotations: Pairs = ()


Rule = Recording | Alert


@dataclass(frozen=True)
class RuleGroup:
    name: str
    rules: tuple[Rule, ...]
    interval: str = ""


def merge(*parts: Pairs | dict[str, str]) -> Pairs:
    """Later parts win; the result is sorted so output never depends on dict order."""
    out: dict[str, str] = {}
    for part in parts:
        out.update(part if isinstance(part, dict) else dict(part))
    return tuple(sorted(out.items()))
