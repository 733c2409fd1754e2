"""YAML to plain data, keeping the line of every key so errors can point at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from adk_observe.errors import SpecError

KeyPath = tuple[str | int, ...]


@dataclass
class Document:
    """One YAML document: its data and the line (1-based) of each key path."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def format_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_documents(file: str, text: str) -> list[Document]:
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"invalid YAML: {problem}", file=file, line=line) from None
    docs = []
    for node in nodes:
        if node is None:
            continue
        doc = Document(file=file, data=None)
        doc.data = _convert(node, (), doc)
        docs.append(doc)
    if not docs:
        raise SpecError("the file holds no YAML document", file=file, line=1)
    return docs


def _convert(node: yaml.Node, path: KeyPath, doc: Document) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, doc)
            if not isinstance(key, str):
                key = str(key)
            child = (*path, key)
            if key in out:
                raise SpecError(
                    "duplicate key",
                    file=doc.file,
                    line=key_node.start_mark.line + 1,
                    path=format_path(child),
                )
            doc.lines[child] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, child, doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), doc) for i, item in enumerate(node.value)]
    return _scalar(node, doc)


def _scalar(node: yaml.Node, doc: Document) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise SpecError("a key must be a plain value", file=doc.file, line=node.start_mark.line + 1)
    constructor = yaml.SafeLoader(" ")
    try:
        return constructor.construct_object(node, deep=True)  # type: ignore[no-untyped-call]
    finally:
        constructor.dispose()  # type: ignore[no-untyped-call]


def iter_paths(doc: Document) -> Iterator[KeyPath]:
    return iter(doc.lines)
