"""The documents of one OpenSLO file, by kind and name, and the notes collected while mapping
them (openslo.py maps SLOs, openslo_sli.py their indicators; both read this)."""

from __future__ import annotations

from typing import Any

from adk_observe.errors import quote
from adk_observe.loader.importer import fail, parse_model
from adk_observe.loader.openslo_v1 import (
    API_VERSION,
    DataSourceDoc,
    DocOS,
    ServiceDoc,
    SLIDoc,
    SLODoc,
)
from adk_observe.yamlsource import Document, KeyPath, format_path

_OWN_ALERTS = "adk-observe derives multi-window multi-burn-rate alerts from each SLO itself"
_UNMAPPED_KINDS = {
    "AlertPolicy": _OWN_ALERTS,
    "AlertCondition": _OWN_ALERTS,
    "AlertNotificationTarget": "route alerts in Alertmanager on the labels the rules carry",
}
_KINDS: dict[str, type[DocOS]] = {
    "SLO": SLODoc,
    "SLI": SLIDoc,
    "Service": ServiceDoc,
    "DataSource": DataSourceDoc,
}


class Notes:
    """Valid fields that change nothing the rules compute, with where they are."""

    def __init__(self) -> None:
        self._items: set[tuple[str, int, str, str]] = set()

    def add(self, doc: Document, path: KeyPath, message: str) -> None:
        line = doc.line_of(path)
        self._items.add((doc.file, line, f"{doc.file}:{line}: {format_path(path)}", message))

    def items(self) -> tuple[tuple[str, str], ...]:
        """(where, note) pairs in file and line order."""
        return tuple((where, note) for _, _, where, note in sorted(self._items))


class OpenSLOFile:
    """Every document of the file, by kind and name."""

    def __init__(self, docs: list[Document]) -> None:
        self.slos: list[tuple[SLODoc, Document]] = []
        self.by_kind: dict[str, dict[str, tuple[Any, Document]]] = {k: {} for k in _KINDS}
        self.used: set[tuple[str, str]] = set()
        for doc in docs:
            obj = _parse(doc)
            named = self.by_kind[obj.kind]
            name = obj.metadata.name
            if name in named:
                first = named[name][1]
                raise fail(
                    doc,
                    ("metadata", "name"),
                    f"duplicate {obj.kind} name {name!r} (first at line {first.line_of(())})",
                )
            named[name] = (obj, doc)
            if isinstance(obj, SLODoc):
                self.slos.append((obj, doc))

    def get(self, kind: str, name: str) -> tuple[Any, Document] | None:
        found = self.by_kind[kind].get(name)
        if found is not None:
            self.used.add((kind, name))
        return found


def _parse(doc: Document) -> DocOS:
    data = doc.data
    api = data.get("apiVersion")
    if api != API_VERSION:
        raise fail(
            doc,
            ("apiVersion",),
            f"apiVersion {quote(api)} does not map: only {API_VERSION} is supported "
            "(v1alpha and v2alpha documents differ in shape)",
        )
    kind = data.get("kind")
    if isinstance(kind, str) and kind in _UNMAPPED_KINDS:
        raise fail(
            doc,
            ("kind",),
            f"kind {kind} does not map: {_UNMAPPED_KINDS[kind]}; remove the document "
            "(see docs/importers.md)",
        )
    if not isinstance(kind, str) or kind not in _KINDS:
        raise fail(
            doc,
            ("kind",),
            f"unknown OpenSLO kind {quote(kind)} (expected one of {', '.join(sorted(_KINDS))})",
        )
    parsed: DocOS = parse_model(_KINDS[kind], doc)
    return parsed
