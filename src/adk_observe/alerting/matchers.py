"""Alertmanager label matchers, in both spellings: the `name="value"` strings of the
configuration file and the `{name, value, matchType}` objects of the AlertmanagerConfig CR.

Alertmanager 0.25 (pkg/labels/parse.go) reads a quoted value with OpenMetrics escapes (`\\"`,
`\\\\`, `\\n`); a regex value is anchored (`^(?:...)$`) RE2. Label values come from specs, so
both are escaped here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

EQUAL = "="
REGEX = "=~"
# RE2 metacharacters; everything else is literal in a regex.
_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # "=" or "=~"
    value: str

    def text(self) -> str:
        """`name="value"` for a route's or an inhibit rule's `matchers` list."""
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'

    def object(self) -> dict[str, Any]:
        """The AlertmanagerConfig CR's Matcher (monitoring.coreos.com/v1alpha1)."""
        return {"name": self.name, "value": self.value, "matchType": self.op}


def equal(name: str, value: str) -> Matcher:
    return Matcher(name, EQUAL, value)


def regex_escape(value: str) -> str:
    return "".join(f"\\{ch}" if ch in _RE2_SPECIAL else ch for ch in value)


def one_of(name: str, values: Iterable[str]) -> Matcher:
    """Any of `values`, exactly (each one escaped); a single value is a plain equality."""
    distinct = sorted(set(values))
    if len(distinct) == 1:
        return equal(name, distinct[0])
    return Matcher(name, REGEX, "|".join(regex_escape(v) for v in distinct))


def present(name: str) -> Matcher:
    """The label is set (Alertmanager treats a missing label as the empty string)."""
    return Matcher(name, REGEX, ".+")


def texts(matchers: Iterable[Matcher]) -> list[str]:
    return [m.text() for m in matchers]


def objects(matchers: Iterable[Matcher]) -> list[dict[str, Any]]:
    return [m.object() for m in matchers]
