"""Read spec files, detect their format, validate them and map them to the core model."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from adk_observe.errors import SpecError, quote
from adk_observe.model import ServiceSpec
from adk_observe.spec import map_v1, v1
from adk_observe.spec.yamlsource import (
    Document,
    KeyPath,
    format_path,
    load_documents,
    read_text,
)

# Pydantic's words for the common mistakes, in the words a spec author uses.
_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
}


def validation_error(exc: ValidationError, doc: Document, prefix: KeyPath = ()) -> SpecError:
    """The first pydantic error as a one-line SpecError at the right line and key path."""
    first = exc.errors(include_url=False)[0]
    loc: KeyPath = tuple(
        part
        for part in first["loc"]
        if not (isinstance(part, str) and part.startswith(("function-", "literal", "[key]")))
    )
    path = (*prefix, *loc)
    message = _MESSAGES.get(first["type"], first["msg"]).removeprefix("Value error, ")
    if first["type"] == "literal_error" or first["type"].endswith("_type"):
        message = f"{message} (got {quote(first['input'])})"
    return SpecError(message, file=doc.file, line=doc.line_of(path), path=format_path(path))


def parse_model(
    model: type[BaseModel], doc: Document, data: Any = None, prefix: KeyPath = ()
) -> Any:
    try:
        return model.model_validate(doc.data if data is None else data)
    except ValidationError as exc:
        raise validation_error(exc, doc, prefix) from None


def _load_v1(doc: Document) -> list[ServiceSpec]:
    spec = parse_model(v1.AgentServiceV1, doc)
    return [map_v1.to_model(spec, doc)]


Loader = Callable[[list[Document]], list[ServiceSpec]]


def detect(doc: Document) -> str:
    data = doc.data
    if not isinstance(data, dict):
        raise SpecError("a spec document must be a mapping", file=doc.file, line=doc.line_of(()))
    api = data.get("apiVersion")
    if api == v1.API_VERSION:
        return "adk-observe/v1"
    if isinstance(api, str) and api.lower().startswith("openslo/"):
        return "openslo"
    if data.get("version") == "prometheus/v1":
        return "sloth"
    raise SpecError(
        "unknown spec format: expected apiVersion adk-observe/v1, an OpenSLO v1 document "
        "(apiVersion openslo/v1) or a Sloth spec (version prometheus/v1)",
        file=doc.file,
        line=doc.line_of(("apiVersion",) if "apiVersion" in data else ()),
        path="apiVersion" if "apiVersion" in data else "",
    )


def load_file(path: str | Path) -> list[ServiceSpec]:
    name = str(path)
    docs = load_documents(name, read_text(path))
    by_format: dict[str, list[Document]] = {}
    for doc in docs:
        by_format.setdefault(detect(doc), []).append(doc)
    specs: list[ServiceSpec] = []
    for fmt in sorted(by_format):
        if fmt == "adk-observe/v1":
            for doc in by_format[fmt]:
                specs.extend(_load_v1(doc))
        elif fmt == "openslo":
            from adk_observe.spec.openslo import load_openslo

            specs.extend(load_openslo(by_format[fmt]))
        else:
            from adk_observe.spec.sloth import load_sloth

            for doc in by_format[fmt]:
                specs.extend(load_sloth(doc))
    return specs


def load_specs(paths: Iterable[str | Path]) -> list[ServiceSpec]:
    """Every service in `paths`, in order. Two services with one name is an error."""
    specs: list[ServiceSpec] = []
    seen: dict[str, ServiceSpec] = {}
    for path in paths:
        for spec in load_file(path):
            if spec.name in seen:
                first = seen[spec.name].source
                raise SpecError(
                    f"service {spec.name!r} is already defined at {first.file}:{first.line}",
                    file=spec.source.file,
                    line=spec.source.line,
                    path="metadata.name",
                )
            seen[spec.name] = spec
            specs.append(spec)
    return specs
