"""The YAML text of the one serialiser: the fast path (events straight to libyaml's emitter)
writes exactly what PyYAML's representer would, for any plain data, hostile text included."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from adk_observe.render import text

scalars = st.one_of(
    st.text(),
    st.sampled_from(["true", "1.5", "0x1f", "~", "null", "- a", "a: b", "{{ x }}", "#", "|", "'"]),
    # every first character PyYAML's implicit resolvers key on (bool, null, int, float,
    # timestamp, merge, value), matching and not matching
    st.sampled_from(["", "yes", "No", "OFF", "on", "=", "<<", "1_000", "0o17", "2001-12-14",
                     ".inf", "-.5", "+1", ".nan", "NULL", "Nope", "~x", "<", "1e5", "2001-1"]),
    st.sampled_from(["\n", "a\nb", "a\n", " a", "a ", "\x85", "\u2028", "\ufeff", "\ud7ff"]),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
)
data = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


def _representer(value: Any) -> str:
    return yaml.dump(
        value,
        Dumper=text._Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=2**16,
    )


@settings(max_examples=500, deadline=None)
@given(value=data)
def test_fast_path_writes_what_the_representer_writes(value: Any) -> None:
    assert text._dump(value) == _representer(value)


def test_other_types_go_through_the_representer() -> None:
    value = {"when": __import__("datetime").date(2026, 1, 2)}
    assert text._dump(value) == _representer(value) == "when: 2026-01-02\n"
