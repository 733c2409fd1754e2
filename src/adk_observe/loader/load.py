"""Read spec files, detect each document's format from the format table, let that format's
module map it to the core model (importer.py: the contract), then validate the model once."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adk_observe.errors import SpecError, quote
from adk_observe.gcpause import paused_gc
from adk_observe.loader import v1
from adk_observe.loader.importer import Mapped, Parse, parse_model, validation_error
from adk_observe.loader.merge import SLOTH_CRD, SLOTH_FILE, Loaded, merge_services
from adk_observe.loader.validate import validate
from adk_observe.model import ServiceSpec
from adk_observe.yamlsource import Document, load_documents, read_text

__all__ = [
    "FORMATS",
    "Format",
    "detect",
    "load_file",
    "load_specs",
    "parse_model",
    "validation_error",
]


@dataclass(frozen=True)
class Format:
    """One row of the format table: how to recognise a document, and the module whose
    `parse(documents) -> list[Mapped]` maps them (imported on first use: most runs read one
    format, and each module's pydantic models cost time to build)."""

    name: str
    matches: Callable[[dict[str, Any]], bool]
    module: str
    # How a document of it is recognised, in the words of the unknown-format error ("expected
    # <this>, <that> or ..."), which lists every row.
    expected: str
    function: str = "parse"  # one module may hold two formats (Sloth's file and its CRD)

    def parse(self, docs: list[Document]) -> list[Mapped]:
        module = importlib.import_module(self.module)
        parse: Parse = getattr(module, self.function)
        return parse(docs)


# OpenSLO's apiVersion group: `openslo/` up to v1, `openslo.com/` from v2alpha (Kubernetes
# style). Both are recognised, so a version we do not read is refused as one (openslo_file.py).
_OPENSLO_GROUPS = ("openslo/", "openslo.com/")


def _is_openslo(item: Any) -> bool:
    return isinstance(item, dict) and str(item.get("apiVersion", "")).lower().startswith(
        _OPENSLO_GROUPS
    )


FORMATS: tuple[Format, ...] = (
    Format(
        "adk-observe/v1",
        lambda d: d.get("apiVersion") == v1.API_VERSION,
        "adk_observe.loader.map_v1",
        f"apiVersion {v1.API_VERSION}",
    ),
    Format(
        "openslo",
        _is_openslo,
        "adk_observe.loader.openslo",
        "an OpenSLO v1 document (apiVersion openslo/v1)",
    ),
    Format(
        SLOTH_FILE,
        lambda d: d.get("version") == "prometheus/v1",
        "adk_observe.loader.sloth",
        "a Sloth spec (version prometheus/v1)",
    ),
    Format(
        SLOTH_CRD,
        lambda d: d.get("apiVersion") == "sloth.slok.dev/v1",
        "adk_observe.loader.sloth",
        "a Sloth PrometheusServiceLevel (apiVersion sloth.slok.dev/v1)",
        "parse_crd",
    ),
)


def _items(doc: Document) -> list[Document]:
    """A top-level YAML list of OpenSLO objects (how OpenSLO's Go SDK and `oslo` write several
    documents) as one document per item; any other document as itself (a list of anything
    else is then reported as "must be a mapping")."""
    data = doc.data
    if not isinstance(data, list) or not data or not all(_is_openslo(x) for x in data):
        return [doc]
    out = []
    for i, item in enumerate(data):
        lines = {path[1:]: line for path, line in doc.lines.items() if path[:1] == (i,)}
        out.append(Document(file=doc.file, data=item, lines=lines))
    return out


_PYRRA = (
    "a Pyrra ServiceLevelObjective is not read by adk-observe: write the SLO as an "
    "adk-observe/v1, OpenSLO v1 or Sloth spec (its target is the objective, its window the "
    "period, and a ratio indicator's errors/total queries an events SLI); docs/importers.md "
    "lists what each format maps"
)


def detect(doc: Document) -> str:
    data = doc.data
    if isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("pyrra.dev/"):
        raise SpecError(_PYRRA, file=doc.file, line=doc.line_of(("kind",)), path="kind")
    if not isinstance(data, dict):
        raise SpecError("a spec document must be a mapping", file=doc.file, line=doc.line_of(()))
    for fmt in FORMATS:
        if fmt.matches(data):
            return fmt.name
    # The key that names the format: Kubernetes-style apiVersion, or a Sloth file's version.
    key = next((k for k in ("apiVersion", "version") if k in data), "")
    *others, last = (fmt.expected for fmt in FORMATS)
    raise SpecError(
        f"unknown spec format: expected {', '.join(others)} or {last}"
        + (f" (got {key} {quote(data[key])})" if key else ""),
        file=doc.file,
        line=doc.line_of((key,) if key else ()),
        path=key,
    )


def load_file(path: str | Path) -> list[ServiceSpec]:
    """Every service in one file (load_specs of that file alone)."""
    return load_specs([path])


def _load_file(path: str | Path) -> list[Loaded]:
    """Each document's service, mapped and validated, with its format (documents of one
    format in document order)."""
    name = str(path)
    docs = [item for doc in load_documents(name, read_text(path)) for item in _items(doc)]
    by_format: dict[str, list[Document]] = {}
    for doc in docs:
        by_format.setdefault(detect(doc), []).append(doc)
    loaded: list[Loaded] = []
    by_name = {f.name: f for f in FORMATS}
    for name in sorted(by_format):
        for mapped in by_name[name].parse(by_format[name]):
            validate(mapped)
            loaded.append(Loaded(name, mapped))
    return loaded


def load_specs(paths: Iterable[str | Path]) -> list[ServiceSpec]:
    """Every service in `paths`, in order. Sloth documents of one service (one CRD per SLO, a
    file per team) are one service, their SLOs in document order (merge.py); any other second
    definition of a service, a repeated SLO of one, or two services whose names derive one
    identifier (identifiers.slug: `my_service` and `My-Service`) is an error."""
    loaded: list[Loaded] = []
    for path in paths:
        with paused_gc():
            loaded.extend(_load_file(path))
    return [mapped.spec for mapped in merge_services(loaded)]
