"""YAML to plain data, keeping the line of every key so errors can point at it.

Specs and manifests come from pull requests, so parsing is bounded: file size, YAML nodes,
nesting depth and nodes after alias expansion each have a limit that ends in a located error
long before time or memory run out (a 388-byte alias bomb expands to billions of nodes; 500
nested brackets overflow PyYAML's recursive composer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from adk_observe.errors import SpecError, quote

# A real spec is a few hundred nodes and a few KB; these leave two orders of magnitude of room.
MAX_BYTES = 256 * 1024
MAX_NODES = 10_000  # nodes written in the file (scalars, mappings, sequences, aliases)
MAX_EXPANDED = 20_000  # nodes after every alias is expanded into its anchor's copy
MAX_DEPTH = 50  # nesting of mappings and sequences

KeyPath = tuple[str | int, ...]

_SURROGATE = re.compile("[\ud800-\udfff]")
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
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # A key is user text: keep an error one readable line however long or odd it is.
            text = part if part.isprintable() and len(part) <= 80 else quote(part)
            out += f".{text}" if out else text
    return out


def read_text(path: str | Path) -> str:
    """The UTF-8 text of a spec or manifest, refusing files over MAX_BYTES before reading them."""
    name = str(path)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(MAX_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read the file: {exc}", file=name) from None
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise SpecError(f"the file is larger than {MAX_BYTES // 1024} KiB", file=name, line=1)
    return text


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that counts nodes and nesting while it composes."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.nodes = 0
        self.depth = 0

    def _limit(self, message: str) -> SpecError:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        return SpecError(message, file=self.file, line=event.start_mark.line + 1)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._limit(f"more than {MAX_NODES} YAML nodes")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self._limit(f"nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)  # type: ignore[no-untyped-call, no-any-return]
        finally:
            self.depth -= 1


def _compose_all(file: str, text: str) -> list[yaml.Node | None]:
    loader = _BoundedLoader(text, file)
    try:
        nodes = []
        while loader.check_node():  # type: ignore[no-untyped-call]
            nodes.append(loader.get_node())  # type: ignore[no-untyped-call]
        return nodes
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):  # a control character: no mark, a position
        char = exc.character
        code = char if isinstance(char, int) else ord(char)
        return f"unacceptable character #x{code:04x}: {exc.reason}"
    return getattr(exc, "problem", None) or str(exc)


def _yaml_error_line(exc: yaml.YAMLError, text: str) -> int | None:
    if isinstance(exc, yaml.reader.ReaderError):
        return text.count("\n", 0, exc.position) + 1
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return None
    last = max(1, len(text.splitlines()))
    if mark.line + 1 > last:
        # PyYAML reports an unclosed bracket at the end of the stream; where it opened helps more.
        context = getattr(exc, "context_mark", None)
        return context.line + 1 if context is not None else last
    return int(mark.line) + 1


def load_documents(file: str, text: str, *, allow_empty: bool = False) -> list[Document]:
    """Every non-empty YAML document in `text`, within the limits above."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise SpecError(f"the file is larger than {MAX_BYTES // 1024} KiB", file=file, line=1)
    try:
        nodes = _compose_all(file, text)
    except yaml.YAMLError as exc:
        raise SpecError(
            f"invalid YAML: {_yaml_problem(exc)}", file=file, line=_yaml_error_line(exc, text)
        ) from None
    docs = []
    expanded = [0]  # shared by the documents: the limit is per file
    for node in nodes:
        # An empty document (a trailing `---`, a file of comments) holds nothing to check.
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
            continue
        doc = Document(file=file, data=None)
        doc.data = _Converter(doc, expanded).convert(node, ())
        docs.append(doc)
    if not docs and not allow_empty:
        raise SpecError("the file holds no YAML document", file=file, line=1)
    return docs


class _Converter:
    def __init__(self, doc: Document, expanded: list[int]) -> None:
        self.doc = doc
        self.expanded = expanded
        self.loader = yaml.SafeLoader("")
        self.active: set[int] = set()  # nodes on the current path, to catch recursive aliases

    def fail(self, node: yaml.Node, message: str, path: KeyPath = ()) -> SpecError:
        return SpecError(
            message, file=self.doc.file, line=node.start_mark.line + 1, path=format_path(path)
        )

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        # Aliases are shared nodes: converting copies them, so this is where a bomb would grow.
        self.expanded[0] += 1
        if self.expanded[0] > MAX_EXPANDED:
            raise self.fail(node, f"more than {MAX_EXPANDED} nodes once aliases are expanded", path)
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
            value = self.loader.construct_object(node, deep=True)  # type: ignore[no-untyped-call]
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, f"invalid value: {problem}", path) from None
        # YAML's "\ud800" escape makes a lone surrogate, which no output file can encode.
        if isinstance(value, str) and _SURROGATE.search(value):
            raise self.fail(
                node, "invalid value: a lone surrogate (\\ud800-\\udfff) is not text", path
            )
        return value
