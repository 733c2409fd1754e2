"""`sli: {builtin: <kind>, <parameters>}` of adk-observe/v1, read from the kind rows
(sli_kinds.py): the names a spec may write, the keys each kind takes beside `builtin`, how each
is checked, and their part of the JSON Schema. No kind is named here."""

from __future__ import annotations

import math
from typing import Any

from pydantic import TypeAdapter, ValidationError

from adk_observe import conventions as c
from adk_observe import model as m
from adk_observe import sli_kinds as k
from adk_observe.errors import quote
from adk_observe.loader.fields import LatencySeconds
from adk_observe.loader.importer import fail
from adk_observe.yamlsource import Document, KeyPath

# A label value the SLI selects on is a name (an evaluator, a model): one printable line, and no
# longer than the recorder keeps by default (a longer one would select nothing it records).
MAX_LABEL_VALUE = c.LABEL_VALUE_MAX_LENGTH
_SECONDS: TypeAdapter[float] = TypeAdapter(LatencySeconds)
_TYPE_SCHEMA = {
    k.ParamType.SECONDS: _SECONDS.json_schema(),
    k.ParamType.NUMBER: {"type": "number"},
    k.ParamType.LABEL_VALUE: {"type": "string", "minLength": 1, "maxLength": MAX_LABEL_VALUE},
}


def builtin_name(value: str | None) -> str | None:
    """Pydantic validator of `builtin`: one of the rows' names."""
    if value is not None and value not in k.BUILTIN_KINDS:
        raise ValueError(f"unknown builtin {quote(value)} (one of: {', '.join(k.BUILTIN_KINDS)})")
    return value


def builtin_schema(schema: dict[str, Any]) -> None:
    """The `builtin` property of the JSON Schema: the rows' names (or null)."""
    for branch in schema.get("anyOf", ()):
        if branch.get("type") == "string":
            branch["enum"] = list(k.BUILTIN_KINDS)


def params_schema(schema: dict[str, Any]) -> None:
    """Every parameter key of every row as a property of `sli`; nothing else is allowed."""
    properties = schema.setdefault("properties", {})
    for key in k.param_keys():
        kinds = k.kinds_taking(key)
        types = list(dict.fromkeys(p.type for kind in kinds for p in kind.params if p.key == key))
        described = "; ".join(
            f"builtin {kind.name}: e.g. {p.example}"
            for kind in kinds
            for p in kind.params
            if p.key == key
        )
        branches = [b for t in types for b in _TYPE_SCHEMA[t].get("anyOf", [_TYPE_SCHEMA[t]])]
        body = branches[0] if len(branches) == 1 else {"anyOf": branches}
        properties[key] = {**body, "description": described + "."}
    schema["additionalProperties"] = False


def _value(param: k.Param, value: Any) -> float | str:
    """The parameter's value as the model keeps it; ValueError in the spec author's words."""
    if param.type is k.ParamType.SECONDS:
        try:
            return _SECONDS.validate_python(value)
        except ValidationError as exc:
            message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            raise ValueError(message) from None
    if param.type is k.ParamType.NUMBER:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError(f"must be a number, e.g. {param.example} (got {quote(value)})")
        return float(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a label value, e.g. {param.example} (got {quote(value)})")
    if len(value) > MAX_LABEL_VALUE or not value.isprintable() or "{{" in value:
        raise ValueError(
            f"must be one printable line of at most {MAX_LABEL_VALUE} characters without "
            f"{{{{ (got {quote(value)})"
        )
    return value


def stray_params(
    given: dict[str, Any], kind: k.BuiltinKind | None, doc: Document, path: KeyPath
) -> None:
    """Keys beside the SLI kind that this kind does not take."""
    own = {p.key for p in kind.params} if kind is not None else set()
    for key in given:
        if key in own:
            continue
        takers = k.kinds_taking(key)
        if not takers:
            raise fail(doc, (*path, key), "unknown key")
        *others, last = (t.name for t in takers)
        names = f"{', '.join(others)} and {last}" if others else last
        raise fail(doc, (*path, key), f"{key} belongs to builtin {names} only")


def builtin_sli(name: str, given: dict[str, Any], doc: Document, path: KeyPath) -> m.BuiltinSLI:
    """The model of `sli: {builtin: name, **given}`, each parameter checked by its row."""
    kind = k.BUILTIN_KINDS[name]
    stray_params(given, kind, doc, path)
    threshold: float | None = None
    matchers: list[tuple[str, str]] = []
    for param in kind.params:
        if param.key not in given:
            if param.required:
                raise fail(doc, path, f"builtin {name} needs {param.key}, e.g. {param.example}")
            continue
        where = (*path, param.key)
        try:
            value = _value(param, given[param.key])
        except ValueError as exc:
            raise fail(doc, where, str(exc)) from None
        if isinstance(value, str):
            matchers.append((param.label, value))
            continue
        threshold = value
        metric = kind.metric
        if kind.threshold is param and metric is not None and value not in metric.buckets:
            raise fail(
                doc,
                where,
                f"{value:g} is not a bucket bound of {metric.name} "
                f"(bounds: {', '.join(f'{b:g}' for b in metric.buckets)})",
            )
    return m.BuiltinSLI(kind, threshold, tuple(sorted(matchers)))
