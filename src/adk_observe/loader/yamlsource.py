"""YAML to plain data, keeping the line of every key so errors can point at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from adk_observe.errors import SpecError

KeyPath = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"


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


def _yaml_error_line(exc: yaml.YAMLError, text: str) -> int | None:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return None
    last = max(1, len(text.splitlines()))
    if mark.line + 1 > last:
        # PyYAML reports an unclosed bracket at the end of the stream; where it opened helps more.
        context = getattr(exc, "context_mark", None)
        return context.line + 1 if context is not None else last
    return int(mark.line) + 1


def load_documents(file: str, text: str) -> list[Document]:
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(
            f"invalid YAML: {problem}", file=file, line=_yaml_error_line(exc, text)
        ) from None
    docs = []
    for node in nodes:
        # An empty document (a trailing `---`, a file of comments) holds nothing to check.
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
            continue
        doc = Document(file=file, data=None)
        doc.data = _Converter(doc).convert(node, ())
        docs.append(doc)
    if not docs:
        raise SpecError("the file holds no YAML document", file=file, line=1)
    return docs


class _Converter:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.loader = yaml.SafeLoader("")
        self.active: set[int] = set()  # nodes on the current path, to catch recursive aliases

    def fail(self, node: yaml.Node, message: str, path: KeyPath = ()) -> SpecError:
        return SpecError(
            message, file=self.doc.file, line=node.start_mark.line + 1, path=format_path(path)
        )

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in self.active:
            raise self.fail(node, "recursive YAML alias", path)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            return self.scalar(node, path)
        finally:
            self.active.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:  # `<<: *base` merges like yaml.safe_load does
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    value = self.convert(source, path)
                    if not isinstance(value, dict):
                        raise self.fail(source, "a merge key needs a mapping", path)
                    for key, item in value.items():
                        merged.setdefault(key, item)
                continue
            key = self.scalar(key_node, path)
            key = key if isinstance(key, str) else str(key)
            child = (*path, key)
            if key in out:
                raise self.fail(key_node, "duplicate key", child)
            self.doc.lines[child] = key_node.start_mark.line + 1
            out[key] = self.convert(value_node, child)
        for key, item in merged.items():
            out.setdefault(key, item)
        return out

    def scalar(self, node: yaml.Node, path: KeyPath) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, "a key must be a plain value", path)
        try:
            return self.loader.construct_object(node, deep=True)  # type: ignore[no-untyped-call]
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, f"invalid value: {problem}", path) from None
