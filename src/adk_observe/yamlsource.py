"""YAML to plain data, keeping the line of every key so errors can point at it.

Specs and manifests come from pull requests, so parsing is bounded by what makes YAML
dangerous, not by the size of honest files (a 10,000-SLO spec loads):

- aliases: a 729-byte "billion laughs" expands to billions of nodes, so the nodes aliases copy
  are counted before they are copied, and may be at most `ALIAS_RATIO` times the nodes the file
  writes (at least `ALIAS_FLOOR`);
- nesting: deeper than `MAX_DEPTH` is refused before anything recurses that deep;
- size: a file over `MAX_BYTES` is refused before it is read whole.

The events come from libyaml's parser when PyYAML has it (C speed, and no recursion: the
parser is a state machine) and build the data directly, with no node tree in between: a
generous size bound then costs seconds and a few hundred MB at worst, not minutes and GBs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

from adk_observe.errors import SpecError, quote
from adk_observe.files import read_regular

# A 10,000-SLO spec is 1.5-5 MiB (bench/compile_bench.py writes 1.5); the densest YAML of this
# size loads in ~10 s of CPU and ~0.5 GB at worst (a flow list of a million numbers).
MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 50  # nesting of mappings and sequences (and the scalars inside the deepest)
ALIAS_RATIO = 4  # nodes copied by aliases per node written in the file...
ALIAS_FLOOR = 100_000  # ...but small files may always copy this many

KeyPath = tuple[str | int, ...]

_SURROGATE = re.compile("[\ud800-\udfff]")
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
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


def too_big(file: str) -> SpecError:
    """The error of a file over MAX_BYTES (every reader of specs and manifests says it so)."""
    return SpecError(f"the file is larger than {MAX_BYTES // 2**20} MiB", file=file, line=1)


def read_text(path: str | Path) -> str:
    """The UTF-8 text of a spec or manifest: a regular file (a FIFO or device is refused, never
    opened for a blocking read), refused when over MAX_BYTES after reading no further."""
    name = str(path)
    try:
        raw = read_regular(path, MAX_BYTES)
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    if len(raw) > MAX_BYTES:
        raise too_big(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"cannot read the file: {exc}", file=name) from None


def _parser(text: str) -> Any:
    """An event source: libyaml's parser when PyYAML was built with it, else PyYAML's own."""
    if yaml.__with_libyaml__:
        return yaml.CSafeLoader(text)
    return yaml.SafeLoader(text)


@dataclass
class _Anchor:
    value: Any
    size: int  # nodes in the anchored value
    lines: list[tuple[KeyPath, int]]  # lines below it, relative to it


class _Builder:
    """Data and lines straight from the event stream, within the bounds above."""

    def __init__(self, file: str, parser: Any) -> None:
        self.file = file
        self.parser = parser
        self.constructor = yaml.SafeLoader("")  # scalar constructors and the tag resolver
        self.written = 0  # nodes the file writes, every document
        self.copied = 0  # nodes aliases copied, every document
        self.doc = Document(file, None)
        self.anchors: dict[str, _Anchor] = {}
        self.open: dict[str, int] = {}  # anchors being built -> start index in `recorded`
        self.recorded: list[tuple[KeyPath, int]] = []  # line entries while an anchor is open

    def fail(self, event: Any, message: str, path: KeyPath = ()) -> SpecError:
        line = event.start_mark.line + 1
        return SpecError(message, file=self.file, line=line, path=format_path(path))

    def line(self, path: KeyPath, line: int, replace: bool = False) -> None:
        if replace or path not in self.doc.lines:
            self.doc.lines[path] = line
            if self.open:
                self.recorded.append((path, line))

    def document(self) -> Document | None:
        """The next document (None at the end of the stream); its start event is consumed."""
        self.doc = Document(self.file, None)
        self.anchors, self.open, self.recorded = {}, {}, []
        event = self.parser.get_event()
        self.doc.data = self.node(event, (), 1)
        self.parser.get_event()  # DocumentEndEvent
        return self.doc

    def node(self, event: Any, path: KeyPath, depth: int, item: bool = False) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(event, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(event, ev.AliasEvent):
            return self.alias(event, path)
        self.written += 1
        line = event.start_mark.line + 1
        # An item on its list's line (a flow list) is found at the list's line by line_of:
        # not storing it keeps a dense list from costing a dict entry per item.
        if not (item and self.doc.lines.get(path[:-1]) == line):
            self.line(path, line)
        anchor = event.anchor
        if anchor is None:
            return self.value(event, path, depth)
        if anchor in self.anchors or anchor in self.open:
            raise self.fail(event, f"invalid YAML: found duplicate anchor {anchor!r}", path)
        start, copied, written = len(self.recorded), self.copied, self.written
        self.open[anchor] = start
        try:
            value = self.value(event, path, depth)
        finally:
            del self.open[anchor]
        size = self.written - written + self.copied - copied + 1
        lines = [(p[len(path) :], n) for p, n in self.recorded[start:]]
        self.anchors[anchor] = _Anchor(value, size, lines)
        if not self.open:
            self.recorded.clear()
        return value

    def value(self, event: Any, path: KeyPath, depth: int) -> Any:
        if isinstance(event, ev.ScalarEvent):
            return self.scalar(event, path)
        if isinstance(event, ev.SequenceStartEvent):
            out: list[Any] = []
            while not isinstance(item := self.parser.get_event(), ev.SequenceEndEvent):
                out.append(self.node(item, (*path, len(out)), depth + 1, item=True))
            return out
        return self.mapping(path, depth)

    def alias(self, event: Any, path: KeyPath) -> Any:
        name = event.anchor
        if name in self.open:
            raise self.fail(event, "recursive YAML alias", path)
        anchor = self.anchors.get(name)
        if anchor is None:
            raise self.fail(event, f"invalid YAML: found undefined alias {name!r}", path)
        self.copied += anchor.size
        allowed = max(ALIAS_FLOOR, ALIAS_RATIO * self.written)
        if self.copied > allowed:
            raise self.fail(
                event,
                f"aliases copy more than {allowed:,} nodes (at most {ALIAS_RATIO} per node the "
                f"file writes, or {ALIAS_FLOOR:,})",
                path,
            )
        self.line(path, event.start_mark.line + 1)
        for rel, line in anchor.lines:
            self.line((*path, *rel), line)
        return _copy(anchor.value)

    def mapping(self, path: KeyPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        while not isinstance(key_event := self.parser.get_event(), ev.MappingEndEvent):
            if depth + 1 > MAX_DEPTH:
                raise self.fail(key_event, f"nested deeper than {MAX_DEPTH} levels")
            key = self.key(key_event, path)
            value_event = self.parser.get_event()
            if key is _MERGE:
                self.merge(value_event, path, depth, merged)
                continue
            child = (*path, key)
            if key in out:
                raise self.fail(key_event, "duplicate key", child)
            self.line(child, key_event.start_mark.line + 1, replace=True)
            out[key] = self.node(value_event, child, depth + 1)
        for key, item in merged.items():
            out.setdefault(key, item)
        return out

    def key(self, event: Any, path: KeyPath) -> Any:
        if isinstance(event, ev.AliasEvent):
            value = self.alias(event, path)
            if isinstance(value, dict | list):
                raise self.fail(event, "a key must be a plain value", path)
        elif isinstance(event, ev.ScalarEvent):
            self.written += 1
            if event.tag is None and event.value == "<<" and event.implicit[0]:
                return _MERGE
            value = self.scalar(event, path)
        else:
            raise self.fail(event, "a key must be a plain value", path)
        return value if isinstance(value, str) else str(value)

    def merge(self, event: Any, path: KeyPath, depth: int, merged: dict[str, Any]) -> None:
        """`<<: *base` (or a list of them) merges like yaml.safe_load does."""
        if not isinstance(event, ev.SequenceStartEvent):
            self.merge_one(event, path, depth, merged)
            return
        while not isinstance(item := self.parser.get_event(), ev.SequenceEndEvent):
            self.merge_one(item, path, depth + 1, merged)

    def merge_one(self, event: Any, path: KeyPath, depth: int, merged: dict[str, Any]) -> None:
        if isinstance(event, ev.AliasEvent | ev.MappingStartEvent):
            value = self.node(event, path, depth)
        else:
            value = None
        if not isinstance(value, dict):
            raise self.fail(event, "a merge key needs a mapping", path)
        for key, item in value.items():
            merged.setdefault(key, item)

    def scalar(self, event: Any, path: KeyPath) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.constructor.resolve(  # type: ignore[no-untyped-call]
                yaml.ScalarNode, event.value, event.implicit
            )
        text = event.value
        if tag == _STR_TAG:
            value: Any = text
        elif tag == _INT_TAG and text.isdigit() and (len(text) == 1 or text[0] != "0"):
            value = int(text)  # the common case of construct_yaml_int (no sign, base or _)
        else:
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                value = self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, TypeError) as exc:
                problem = getattr(exc, "problem", None) or str(exc)
                raise self.fail(event, f"invalid value: {problem}", path) from None
            finally:
                self.constructor.constructed_objects.pop(node, None)
        # YAML's "\ud800" escape makes a lone surrogate, which no output file can encode.
        if isinstance(value, str) and _SURROGATE.search(value):
            raise self.fail(
                event, "invalid value: a lone surrogate (\\ud800-\\udfff) is not text", path
            )
        return value


_MERGE = object()


def _copy(value: Any) -> Any:
    """A fresh copy of plain data (an alias's value), so no two paths share one object."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):  # a control character: no mark, a position
        char = exc.character
        code = char if isinstance(char, int) else ord(char)
        return f"unacceptable character #x{code:04x}: {exc.reason}"
    return getattr(exc, "problem", None) or str(exc)


def _yaml_error_line(exc: yaml.YAMLError, text: str) -> int | None:
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml reports a byte offset into the UTF-8 text, PyYAML a character offset.
        if yaml.__with_libyaml__:
            return text.encode("utf-8").count(b"\n", 0, exc.position) + 1
        return text.count("\n", 0, exc.position) + 1
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return None
    last = max(1, len(text.splitlines()))
    if mark.line + 1 > last:
        # The parser reports an unclosed bracket at the end of the stream; where it opened
        # helps more.
        context = getattr(exc, "context_mark", None)
        return context.line + 1 if context is not None else last
    return int(mark.line) + 1


def _empty(data: Any) -> bool:
    """An empty document (a trailing `---`, a file of comments) holds nothing to check."""
    return data is None


def load_documents(file: str, text: str, *, allow_empty: bool = False) -> list[Document]:
    """Every non-empty YAML document in `text`, within the bounds above."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise too_big(file)
    if match := _SURROGATE.search(text):
        line = text.count("\n", 0, match.start()) + 1
        raise SpecError("a lone surrogate (\\ud800-\\udfff) is not text", file=file, line=line)
    docs = []
    parser = _parser(text)
    builder = _Builder(file, parser)
    try:
        parser.get_event()  # StreamStartEvent
        while not isinstance(parser.get_event(), ev.StreamEndEvent):  # DocumentStartEvent
            doc = builder.document()
            if doc is not None and not _empty(doc.data):
                docs.append(doc)
    except yaml.YAMLError as exc:
        raise SpecError(
            f"invalid YAML: {_yaml_problem(exc)}", file=file, line=_yaml_error_line(exc, text)
        ) from None
    finally:
        parser.dispose()
    if not docs and not allow_empty:
        raise SpecError("the file holds no YAML document", file=file, line=1)
    return docs
