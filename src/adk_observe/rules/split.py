"""Splitting a rule group for an engine that caps the rules per group (Mimir: 20 by default).

Prometheus, Thanos and Mimir evaluate the rules of one group in order and the groups
independently. Within a group an alert reads the ratios recorded earlier in the same evaluation;
across groups it reads what the other group recorded at its last evaluation: up to one
evaluation interval old. So a split costs lag wherever a rule ends up in another group than a
recording it reads, and this module chooses the cut that costs least:

1. the rules are reordered (still recordings before their readers) so that each alert follows
   the recordings it reads, alerts first in their original order;
2. the order is cut into chunks of at most `limit` rules, choosing the cut points that put the
   fewest alerts apart from a recording they read (a recording read across groups weighs little:
   nothing pages on it directly), then the fewest groups.

A group that fits stays whole (the default SLO group holds 16-19 rules). What is cut is said:
`Split.lagged` lists every read across groups, which the CLI prints as a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import promql_parser

from adk_observe.rules.types import Alert, Recording, Rule, RuleGroup

# How much a read across groups costs when choosing the cut: an alert reading a recording one
# evaluation late delays a page; a recording reading one late shifts a series nothing pages on.
ALERT_READ_COST = 1000
RECORDING_READ_COST = 1


@dataclass(frozen=True)
class LaggedRead:
    """`reader` (in group `group`) reads `recording` from another group, one evaluation late."""

    group: str
    reader: str
    recording: str
    alert: bool


@dataclass(frozen=True)
class Split:
    groups: tuple[RuleGroup, ...]
    lagged: tuple[LaggedRead, ...] = ()


def _name(rule: Rule) -> str:
    return rule.record if isinstance(rule, Recording) else rule.alert


@lru_cache(maxsize=4096)
def selected_names(expr: str) -> frozenset[str]:
    """The metric names an expression selects (every vector and range selector)."""
    names: set[str] = set()

    def visit(node: object) -> bool:
        name = getattr(node, "name", None)
        if type(node).__name__ == "VectorSelector" and name:
            names.add(str(name))
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return frozenset(names)


def dependencies(rules: tuple[Rule, ...]) -> list[set[int]]:
    """For each rule, the positions of the earlier recordings of the group it reads."""
    out: list[set[int]] = []
    recorded: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        reads = selected_names(rule.expr)
        out.append({j for name in reads for j in recorded.get(name, ())})
        if isinstance(rule, Recording):
            recorded.setdefault(rule.record, []).append(i)
    return out


def _reordered(rules: tuple[Rule, ...], deps: list[set[int]]) -> list[int]:
    """A topological order in which each alert follows the recordings it reads."""
    placed: list[int] = []
    seen: set[int] = set()

    def place(i: int) -> None:
        if i in seen:
            return
        seen.add(i)
        for j in sorted(deps[i]):
            place(j)
        placed.append(i)

    for i, rule in enumerate(rules):
        if isinstance(rule, Alert):
            place(i)
    for i in range(len(rules)):
        place(i)
    return placed


def _cost(rule: Rule) -> int:
    return ALERT_READ_COST if isinstance(rule, Alert) else RECORDING_READ_COST


def _cuts(order: list[int], rules: tuple[Rule, ...], deps: list[set[int]], limit: int) -> list[int]:
    """Start positions of the chunks that minimise (read cost across chunks, chunk count)."""
    position = {rule: k for k, rule in enumerate(order)}
    n = len(order)
    best: list[tuple[int, int, int]] = [(0, 0, 0)] + [(2**62, 0, 0)] * n  # cost, chunks, start
    for end in range(1, n + 1):
        for start in range(max(0, end - limit), end):
            across = sum(
                _cost(rules[order[k]])
                for k in range(start, end)
                for d in deps[order[k]]
                if position[d] < start
            )
            candidate = (best[start][0] + across, best[start][1] + 1, start)
            if candidate[:2] < best[end][:2]:
                best[end] = candidate
    starts = []
    end = n
    while end > 0:
        starts.append(best[end][2])
        end = best[end][2]
    return sorted(starts)


def part_name(name: str, index: int) -> str:
    """The first part keeps the group's name; the others are `<name>-part<k>`."""
    return name if index == 0 else f"{name}-part{index + 1}"


def split_group(group: RuleGroup, limit: int) -> Split:
    """`group` as groups of at most `limit` rules, recordings before the rules that read them."""
    if limit < 1:
        raise ValueError("a group holds at least one rule")
    if len(group.rules) <= limit:
        return Split((group,))
    deps = dependencies(group.rules)
    order = _reordered(group.rules, deps)
    starts = _cuts(order, group.rules, deps, limit)
    chunk_of: dict[int, int] = {}
    parts: list[RuleGroup] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(order)
        members = order[start:end]
        chunk_of.update(dict.fromkeys(members, index))
        rules = tuple(group.rules[i] for i in members)
        parts.append(RuleGroup(part_name(group.name, index), rules, group.interval))
    lagged = tuple(
        LaggedRead(
            parts[chunk_of[i]].name,
            _name(group.rules[i]),
            _name(group.rules[d]),
            isinstance(group.rules[i], Alert),
        )
        for i in order
        for d in sorted(deps[i])
        if chunk_of[d] != chunk_of[i]
    )
    return Split(tuple(parts), lagged)


def split_groups(groups: tuple[RuleGroup, ...], limit: int) -> Split:
    splits = [split_group(g, limit) for g in groups]
    return Split(
        tuple(g for s in splits for g in s.groups),
        tuple(read for s in splits for read in s.lagged),
    )
