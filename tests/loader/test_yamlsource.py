"""The bounded YAML reader (yamlsource.py): the same data as yaml.safe_load, lines that
point at what the user wrote, and bounds on what makes YAML dangerous (alias expansion, depth,
size), not on honest size."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from adk_observe import yamlsource as ys
from adk_observe.errors import SpecError

scalars = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.sampled_from(["0o17", "012", "0x1f", "1_000", "+5", "-0", "1e3", "yes", "~", "2001-12-14"]),
)
keys = st.one_of(st.text(max_size=8), st.sampled_from(["<<", "a", "1", "true"]))
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(tree=trees, shared=trees, flow=st.booleans(), times=st.integers(1, 3))
def test_same_data_as_safe_load(tree: Any, shared: Any, flow: bool, times: int) -> None:
    """Whatever yaml.dump writes (anchors and aliases for shared objects, flow or block
    style), the reader returns what yaml.safe_load returns."""
    document = {"tree": tree, "shared": [shared] * times, "again": shared}
    text = yaml.dump(document, default_flow_style=flow, allow_unicode=True)
    (doc,) = ys.load_documents("x.yaml", text)
    assert doc.data == yaml.safe_load(text)


def test_merge_keys_and_lines() -> None:
    text = """\
base: &base {a: 1, b: 2}
items:
  - <<: *base
    b: 3
  - <<: [*base, {c: 4}]
  - [x, y,
     z]
"""
    (doc,) = ys.load_documents("x.yaml", text)
    assert doc.data == yaml.safe_load(text)
    assert doc.data["items"][0] == {"a": 1, "b": 3}
    # Each key at its own line; an item on its list's line shares that line.
    assert doc.line_of(("items", 0, "b")) == 4
    assert doc.line_of(("items", 0, "a")) == 1  # merged through the alias: where `a` is written
    assert doc.line_of(("items", 2, 1)) == 6
    assert doc.line_of(("items", 2, 2)) == 7


@pytest.mark.parametrize(
    ("text", "line", "path", "message"),
    [
        ("a: &x 1\nb: &x 2\n", 2, "b", "invalid YAML: found duplicate anchor 'x'"),
        ("a: *nope\n", 1, "a", "invalid YAML: found undefined alias 'nope'"),
        ("a: &x [1, *x]\n", 1, "a[1]", "recursive YAML alias"),
        ("a: &x [1]\n*x : 2\n", 2, "", "a key must be a plain value"),
        ("a:\n  <<: 5\n", 2, "a", "a merge key needs a mapping"),
        ("a: 1\na: 2\n", 2, "a", "duplicate key"),
    ],
)
def test_located_errors(text: str, line: int, path: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        ys.load_documents("x.yaml", text)
    assert (info.value.line, info.value.path, info.value.message) == (line, path, message)


def test_depth_is_bounded_before_anything_recurses() -> None:
    ok = "a: " + "[" * (ys.MAX_DEPTH - 1) + "]" * (ys.MAX_DEPTH - 1)
    ys.load_documents("x.yaml", ok)
    with pytest.raises(SpecError, match=f"x.yaml:1: nested deeper than {ys.MAX_DEPTH} levels"):
        ys.load_documents("x.yaml", "a: " + "[" * 600)
    # libyaml's scanner stops first here (at 1,000 levels); PyYAML's own parser would reach ours.
    with pytest.raises(
        SpecError, match=r"x\.yaml:1: (invalid YAML: exceeded maximum nesting depth|nested deeper)"
    ):
        ys.load_documents("x.yaml", "a: " + "[" * 100_000)


def test_an_anchor_per_item_at_scale_loads() -> None:
    """Honest anchors scale with the file: 20,000 items that each merge a 4-key default (and
    alias a 3-item list) copy 3.3 nodes per node written, well over the 100,000 floor."""
    head = "defaults: &d {objective: 99.9, window: 30d, team: pay, tier: 1}\nroutes: &r [a, b, c]\n"
    items = "".join(f"- {{<<: *d, name: s{i}, routes: *r}}\n" for i in range(20_000))
    (doc,) = ys.load_documents("x.yaml", head + "slos:\n" + items)
    assert doc.data["slos"][-1] == {
        "objective": 99.9,
        "window": "30d",
        "team": "pay",
        "tier": 1,
        "name": "s19999",
        "routes": ["a", "b", "c"],
    }


def test_aliases_beyond_the_ratio_are_refused() -> None:
    """One written node copying a 200,000-node list: refused when the copy would pass the
    bound, before it is made."""
    big = "big: &b [" + ", ".join(["x"] * 60_000) + "]\n"
    copies = "c: [" + ", ".join(["*b"] * 5) + "]\n"
    with pytest.raises(SpecError) as info:
        ys.load_documents("x.yaml", big + copies)
    assert (info.value.line, info.value.path) == (2, "c[4]")
    # The file writes 60,005 nodes (root, big, its list and items, c, its list): 4x is 240,020,
    # which four copies of 60,001 stay under and the fifth passes.
    assert info.value.message.startswith("aliases copy more than 240,020 nodes")
