"""The AnalysisTemplates under a folder, read as hostile input: each `*.yaml` file must be a
regular file (a FIFO or a device named `x.yaml` is refused, never opened for a blocking read),
is parsed by the bounded loader (size, depth, alias expansion: yamlsource.py),
and every field canary-check uses is checked for its type. A problem is one located line,
`FILE:LINE: KEY.PATH: reason` (SpecError, exit 2), before any query is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adk_observe.checks.argo_expr import ExprError, compile_condition
from adk_observe.checks.canary import (
    DEFAULT_CONSECUTIVE_ERROR_LIMIT,
    CanaryCheckError,
    Metric,
)
from adk_observe.errors import SpecError, printable, quote
from adk_observe.files import read_regular
from adk_observe.yamlsource import MAX_BYTES, Document, KeyPath, load_documents, too_big

ARG_REF = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}")
LIMIT = 10**9  # counts and limits beyond this are not a plan, they are a typo
KIND = "AnalysisTemplate"


@dataclass(frozen=True)
class Template:
    path: Path
    doc: Document

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    def fail(self, at: KeyPath, message: str) -> SpecError:
        from adk_observe.yamlsource import format_path

        return SpecError(
            message, file=self.doc.file, line=self.doc.line_of(at), path=format_path(at)
        )

    def get(self, at: KeyPath, kind: type | tuple[type, ...], default: Any = None) -> Any:
        """The value at `at` (None or missing: `default`), which must be of `kind`; every
        mapping or list on the way must be one."""
        node: Any = self.data
        for depth, key in enumerate(at):
            if node is None:
                return default
            if isinstance(key, int):
                self._expect(node, list, at[:depth])
                node = node[key] if key < len(node) else None
            else:
                self._expect(node, dict, at[:depth])
                node = node.get(key)
        if node is None:
            return default
        self._expect(node, kind, at)
        return node

    def _expect(self, node: Any, kind: type | tuple[type, ...], at: KeyPath) -> None:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(node, kinds) and (bool in kinds or not isinstance(node, bool)):
            return
        names = " or ".join(TYPE_NAMES.get(k, k.__name__) for k in kinds)
        raise self.fail(at, f"must be {names}, not {quote(node, 60)}")


TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    int: "an integer",
    float: "a number",
}


def _documents(path: Path) -> list[Document]:
    try:
        raw = read_regular(path, MAX_BYTES)
    except OSError as exc:
        raise CanaryCheckError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise too_big(str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError("not UTF-8 text", file=str(path), line=1) from None
    return load_documents(str(path), text, allow_empty=True)


def templates(folder: Path) -> list[Template]:
    """Every AnalysisTemplate in the YAML files under `folder`, sorted by file."""
    if not folder.is_dir():
        raise CanaryCheckError(f"{folder} is not a directory")
    found = []
    for path in sorted(folder.rglob("*.yaml")):
        for doc in _documents(path):
            if isinstance(doc.data, dict) and doc.data.get("kind") == KIND:
                found.append(Template(path, doc))
    if not found:
        raise CanaryCheckError(f"no {KIND} under {folder} (render-deploy writes one)")
    return found


def resolve(text: str, args: Mapping[str, str], where: str) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in args:
            raise CanaryCheckError(f"{where}: argument {quote(name, 60)} has no value")
        return args[name]

    return ARG_REF.sub(value, text)


def template_args(t: Template, given: Mapping[str, str]) -> dict[str, str]:
    """The template's declared args: given values win over its defaults (as in Argo)."""
    out = {}
    for i, _ in enumerate(t.get(("spec", "args"), list, [])):
        name = t.get(("spec", "args", i, "name"), str, None)
        if name is None:
            raise t.fail(("spec", "args", i), "an argument needs a string name")
        if name in given:
            out[name] = given[name]
        else:
            value = t.get(("spec", "args", i, "value"), (str, int, float), None)
            if value is not None:
                out[name] = str(value)
    return out


def _count(t: Template, at: KeyPath, args: Mapping[str, str], default: int) -> int:
    """Argo's intOrString fields (count, failureLimit...): an integer, or text of one (an
    argument reference resolves first)."""
    value = t.get(at, (int, str), None)
    if value is None:
        return default
    text = resolve(value, args, f"{t.path}") if isinstance(value, str) else str(value)
    try:
        number = int(text.strip()) if len(text) <= 12 else LIMIT + 1
    except ValueError:
        raise t.fail(at, f"{quote(text, 40)} is not an integer") from None
    if not -LIMIT <= number <= LIMIT:
        raise t.fail(at, f"must be between {-LIMIT} and {LIMIT}")
    return number


def _condition(t: Template, at: KeyPath) -> str:
    text: str = t.get(at, str, "")
    try:
        compile_condition(text) if text else None
    except ExprError as exc:
        raise t.fail(at, f"{quote(text, 60)}: {exc}") from None
    return text


def _metric(t: Template, i: int, args: Mapping[str, str]) -> Metric:
    at: KeyPath = ("spec", "metrics", i)
    t.get(at, dict)
    query = t.get((*at, "provider", "prometheus", "query"), str, "")
    if not query:
        raise t.fail((*at, "provider"), "only Prometheus metrics (with a query) can be checked")
    name = printable(str(t.get((*at, "name"), str, "")), 200)
    template = printable(str(t.get(("metadata", "name"), str, "")), 200)
    return Metric(
        template=template,
        name=name,
        query=resolve(query, args, f"{t.path}: {template}: spec.metrics[{i}]"),
        address=t.get((*at, "provider", "prometheus", "address"), str, ""),
        success=_condition(t, (*at, "successCondition")),
        failure=_condition(t, (*at, "failureCondition")),
        interval=t.get((*at, "interval"), str, ""),
        count=_count(t, (*at, "count"), args, 0) or None,
        failure_limit=_count(t, (*at, "failureLimit"), args, 0),
        inconclusive_limit=_count(t, (*at, "inconclusiveLimit"), args, 0),
        consecutive_error_limit=_count(
            t, (*at, "consecutiveErrorLimit"), args, DEFAULT_CONSECUTIVE_ERROR_LIMIT
        ),
    )


def metrics(found: Iterable[Template], given: Mapping[str, str]) -> list[Metric]:
    """The templates' Prometheus metrics with the arguments filled in; a metric that appears
    in several templates (the step gate and the background watch) is measured once."""
    out: list[Metric] = []
    seen: set[tuple[str, str, str, str]] = set()
    for t in found:
        t.get(("metadata",), dict, {})
        t.get(("spec",), dict)
        args = template_args(t, given)
        for i, _ in enumerate(t.get(("spec", "metrics"), list, [])):
            metric = _metric(t, i, args)
            key = (metric.name, metric.query, metric.success, metric.failure)
            if key not in seen:
                seen.add(key)
                out.append(metric)
    return out
