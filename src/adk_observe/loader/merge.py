"""Several Sloth documents of one service, merged into one service.

Sloth refuses only a repeated (service, SLO name) pair (`sloth validate`: "SLO duplicated"), so
public setups write one PrometheusServiceLevel per SLO, or one prometheus/v1 file per team, for
one service. Those documents become one service here, its SLOs the union in document order
(file after file, in the order given). Each document's `labels` are already on its own SLOs
(sloth.py); the service keeps only the labels every document gives with the same value, which
every SLO carries anyway (its team, for Alertmanager's team route).

What cannot be one service without losing meaning is refused at the second document:
- another service whose name derives the same identifier (identifiers.slug: `my_service` and
  `My-Service` would share object names and dashboard uids);
- a repeated SLO name, at its name key, naming the first's file:line (as Sloth does);
- a format whose documents carry whole-service settings (adk-observe/v1, OpenSLO): "already
  defined", as before;
- a Sloth file and a CRD, or CRDs in different namespaces or with different metadata.labels:
  Sloth's controller writes one PrometheusRule per CRD, in its namespace with its labels, and
  the SLOs of one service here are one PrometheusRule (and AlertmanagerConfig), which has one
  namespace and one set of labels (those the operator's ruleSelector matches).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from adk_observe.errors import SpecError
from adk_observe.identifiers import slug
from adk_observe.loader.importer import Mapped, fail
from adk_observe.loader.validate import unique_names
from adk_observe.yamlsource import Document, KeyPath

SLOTH_FILE = "sloth"
SLOTH_CRD = "sloth-crd"
_MERGEABLE = frozenset({SLOTH_FILE, SLOTH_CRD})
_ONE_OBJECT = (
    "the SLOs of one service become one PrometheusRule (and AlertmanagerConfig), which has one "
    "namespace and one set of labels, the ones the operator's ruleSelector matches"
)


@dataclass(frozen=True)
class Loaded:
    """One mapped (and validated) service, with the name of the format it was read as."""

    format: str
    mapped: Mapped


def merge_services(loaded: list[Loaded]) -> list[Mapped]:
    """The services of `loaded` in order, Sloth documents of one service merged into the first."""
    out: dict[str, _Service] = {}  # by the identifier the name derives (identifiers.slug)
    for item in loaded:
        key = slug(item.mapped.spec.name)
        if key not in out:
            out[key] = _Service(item)
            continue
        service = out[key]
        _check(service.first, item)
        service.add(item.mapped)
    return [service.joined() for service in out.values()]


class _Service:
    """The documents of one service so far, and where each SLO name was first spelled."""

    def __init__(self, first: Loaded) -> None:
        self.first = first
        self.parts = [first.mapped]
        self.names = unique_names(first.mapped, {})

    def add(self, mapped: Mapped) -> None:
        self.names = unique_names(mapped, self.names)
        self.parts.append(mapped)

    def joined(self) -> Mapped:
        """The SLOs in document order; the service labels every document gives alike; every
        document's notes."""
        if len(self.parts) == 1:
            return self.first.mapped
        specs = [part.spec for part in self.parts]
        common = set(specs[0].labels).intersection(*(spec.labels for spec in specs[1:]))
        spec = replace(
            specs[0],
            slos=tuple(slo for spec in specs for slo in spec.slos),
            labels=tuple(pair for pair in specs[0].labels if pair in common),
            extra=tuple(note for spec in specs for note in spec.extra),
        )
        return Mapped(spec, tuple(origin for part in self.parts for origin in part.slos))


def _check(first: Loaded, item: Loaded) -> None:
    """Refuse `item` unless it merges into `first` (the service's first document)."""
    if first.mapped.spec.name != item.mapped.spec.name:
        was, now = _in_file_order(first, item)
        source, name = was.mapped.spec.source, now.mapped.spec.name
        raise _at_service(
            now,
            f"service {name!r} derives the identifier {slug(name)!r} of service "
            f"{was.mapped.spec.name!r} ({source.file}:{source.line}): object names and "
            "dashboard uids are lowercase, - for _ and .; rename one",
        )
    if first.format not in _MERGEABLE or item.format not in _MERGEABLE:
        was, now = _in_file_order(first, item)
        where = f"{was.mapped.spec.source.file}:{was.mapped.spec.source.line}"
        raise _at_service(now, f"service {now.mapped.spec.name!r} is already defined at {where}")
    if first.format != item.format:
        was, now = _in_file_order(first, item)
        source = was.mapped.spec.source
        kind = "a PrometheusServiceLevel" if was.format == SLOTH_CRD else "a Sloth file"
        raise _at_service(
            now,
            f"service {now.mapped.spec.name!r} is already defined by {kind} at "
            f"{source.file}:{source.line}: a Sloth prometheus/v1 file and a "
            "PrometheusServiceLevel of one service do not merge (the CRD's SLOs become a "
            "PrometheusRule in its namespace, with its labels; the file's are on no Kubernetes "
            "object): write the service's SLOs in one of the two formats",
        )
    if item.format == SLOTH_CRD:
        _same_object(first.mapped, item.mapped)


def _in_file_order(first: Loaded, item: Loaded) -> tuple[Loaded, Loaded]:
    """The two documents as they stand in the file when they share one (a file's documents are
    read format by format), else as given: the refusal is at the later one."""
    a, b = first.mapped.spec.source, item.mapped.spec.source
    return (item, first) if a.file == b.file and b.line < a.line else (first, item)


def _at_service(item: Loaded, message: str) -> SpecError:
    return item.mapped.spec.source.error(message)


def _same_object(first: Mapped, item: Mapped) -> None:
    """CRDs of one service: one namespace and one set of metadata.labels (see _ONE_OBJECT)."""
    was, now = first.spec, item.spec
    where = f"{was.source.file}:{was.source.line}"
    doc = item.slos[0].doc
    checks = (
        (
            "namespace",
            now.namespace != was.namespace,
            f"namespace {now.namespace!r} differs from {was.namespace!r}",
            "put the service's PrometheusServiceLevels in one namespace",
        ),
        (
            "labels",
            now.object_labels != was.object_labels,
            f"metadata.labels {_text(now.object_labels)} differ from {_text(was.object_labels)}",
            "give the service's PrometheusServiceLevels the same metadata.labels",
        ),
    )
    for key, differs, what, fix in checks:
        if differs:
            raise fail(
                doc,
                _metadata_key(doc, key),
                f"{what} of service {now.name!r} at {where}: {_ONE_OBJECT}; {fix}",
            )


def _metadata_key(doc: Document, key: str) -> KeyPath:
    return ("metadata", key) if ("metadata", key) in doc.lines else ("metadata",)


def _text(labels: tuple[tuple[str, str], ...] | None) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in labels or ()) + "}"
