"""The importer contract: every spec format module exposes

    parse(documents: list[Document]) -> list[Mapped]

(all documents of its format in one file), mapping them to the core model. Notes (valid fields
that change nothing) travel on the model as `ServiceSpec.extra`, which the CLI prints. Each
mapped SLO says where it was spelled, so the ONE validation of the model (validate.py) reports
FILE:LINE: key.path in the user's own file whatever the format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from adk_observe.errors import SpecError, quote
from adk_observe.model import ServiceSpec
from adk_observe.yamlsource import Document, KeyPath, format_path


@dataclass(frozen=True)
class SLOOrigin:
    """Where one SLO of the model is spelled in its source document (absolute key paths)."""

    doc: Document
    name: KeyPath  # the key that names the SLO
    objective: KeyPath  # the key its objective comes from
    labels: tuple[KeyPath, ...] = ()  # mappings its labels come from, first holder wins
    group_by: KeyPath = ()  # the list its grouping labels come from (item i at (*group_by, i))


@dataclass(frozen=True)
class Mapped:
    """One service as a format module mapped it: the model plus an origin per SLO, same order."""

    spec: ServiceSpec
    slos: tuple[SLOOrigin, ...]


Parse = Callable[[list[Document]], list[Mapped]]


def pairs(mapping: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """A map of labels or annotations as the frozen model holds it: its pairs, sorted."""
    return tuple(sorted(mapping.items()))


def fail(doc: Document, path: KeyPath, message: str) -> SpecError:
    return SpecError(message, file=doc.file, line=doc.line_of(path), path=format_path(path))


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
