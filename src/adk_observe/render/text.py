"""YAML and JSON text. Mappings keep the order the generator built (the reading order that
Prometheus and Kubernetes users expect); generators sort whatever has no natural order."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml

from adk_observe.conventions import generated_note


def header(source: str = "") -> str:
    return f"# {generated_note(source)}\n"


# libyaml's emitter is ~10x faster than the pure-Python one (a 1,000-SLO rule file is 18,000
# rules); both produce the same text, so fall back silently where libyaml is missing.
_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[valid-type,misc]
    def ignore_aliases(self, data: Any) -> bool:
        # Generated files never use anchors; skipping the alias bookkeeping halves dump time.
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line PromQL reads best as a literal block.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


@contextmanager
def _no_gc() -> Iterator[None]:
    """The representer allocates a node per value; with the cyclic collector scanning them all,
    a 1,000-SLO rule file (18,000 rules) dumps in superlinear time. Nothing here makes cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def dump_yaml(data: Any, *, source: str = "", with_header: bool = True) -> str:
    with _no_gc():
        body = _dump(data)
    return (header(source) if with_header else "") + body


def _dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=2**16,
    )


def dump_yaml_documents(docs: list[Any], *, source: str = "") -> str:
    with _no_gc():
        parts = [_dump(d) for d in docs]
    return header(source) + "---\n".join(parts)


def dump_json(data: Any) -> str:
    """JSON has no comments, so no header: the generator puts its version in the document."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
