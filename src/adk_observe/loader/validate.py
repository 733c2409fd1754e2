"""The one validation of a mapped model: rules that hold whichever format declared the service
(adk-observe/v1, Sloth, OpenSLO, ...), checked once here rather than in each mapper."""

from __future__ import annotations

from typing import Any

from adk_observe import conventions as c
from adk_observe.loader.fields import compiler_label
from adk_observe.loader.importer import Mapped, SLOOrigin, fail
from adk_observe.model import SLO, BuiltinSLI, Clusters
from adk_observe.yamlsource import KeyPath


def group_label_error(label: str) -> str | None:
    """Why an SLO or a spend budget cannot be grouped by `label`: a group label is kept on the
    series and alerts, so it cannot be one the compiler sets; nor `le`, which would split a
    histogram's ratio by bucket."""
    if label == c.LABEL_LE:
        return f"cannot group by {label!r}: it would split the histogram's ratio by bucket"
    why = compiler_label(label)
    return f"cannot group by {label!r}: it {why}" if why else None


def unique_names(mapped: Mapped, seen: dict[str, SLOOrigin]) -> dict[str, SLOOrigin]:
    """`seen` plus the SLO names of `mapped`. A name already seen (in `mapped` or, for the
    documents of one service merged, in an earlier one) is refused at its name key, naming the
    file and line where it was first spelled."""
    for slo, origin in zip(mapped.spec.slos, mapped.slos, strict=True):
        was = seen.get(slo.name)
        if was is not None:
            raise fail(
                origin.doc,
                origin.name,
                f"duplicate SLO name {slo.name!r} of service {mapped.spec.name!r}: already used "
                f"at {was.doc.file}:{was.doc.line_of(was.name)}",
            )
        seen[slo.name] = origin
    return seen


def validate(mapped: Mapped) -> None:
    spec = mapped.spec
    assert len(spec.slos) == len(mapped.slos), "a format module gave no origin for an SLO"
    unique_names(mapped, {})
    for slo, origin in zip(spec.slos, mapped.slos, strict=True):
        if not 0 < slo.objective < 100:
            why = ": it leaves no error budget to burn" if slo.objective == 100 else ""
            raise fail(
                origin.doc,
                origin.objective,
                f"objective {slo.objective} must be a percentage between 0 and 100 "
                f"(exclusive){why}",
            )
        _check_group_by(slo, origin, spec.clusters)
        for key, _ in slo.labels:
            if reserved := compiler_label(key):
                raise fail(origin.doc, _label_path(origin, key), f"{key!r} {reserved}")


def _check_group_by(slo: SLO, origin: SLOOrigin, clusters: Clusters | None = None) -> None:
    written = _list_at(origin)
    for i, label in enumerate(slo.group_by):
        # The index in the list as written (spec.clusters puts its label first otherwise).
        seen = slo.group_by[:i].count(label)
        places = [k for k, item in enumerate(written) if item == label]
        at = places[seen] if seen < len(places) else i
        path = (*origin.group_by, at) if origin.group_by else origin.name
        if err := group_label_error(label):
            raise fail(origin.doc, path, err)
        if label in slo.group_by[:i]:
            raise fail(origin.doc, path, f"{label!r} is listed twice")
        if label in dict(slo.labels):
            raise fail(
                origin.doc,
                path,
                f"{label!r} is also a fixed label of the SLO: it would hide the groups",
            )
        if isinstance(slo.sli, BuiltinSLI):
            allowed = slo.sli.kind.group_labels()
            # Every series reaches the central store with the cluster's external label.
            if clusters is not None:
                allowed = tuple(sorted({*allowed, clusters.label}))
            if label not in allowed:
                raise fail(
                    origin.doc,
                    path,
                    f"the series of builtin {slo.sli.kind.name} have no label {label!r} to "
                    f"group by (they carry: {', '.join(allowed)})",
                )


def _list_at(origin: SLOOrigin) -> list[Any]:
    holder: Any = origin.doc.data
    for part in origin.group_by:
        try:
            holder = holder[part]
        except (KeyError, IndexError, TypeError):
            return []
    return holder if isinstance(holder, list) else []


def _label_path(origin: SLOOrigin, key: str) -> KeyPath:
    for base in origin.labels:
        holder: Any = origin.doc.data
        for part in base:
            try:
                holder = holder[part]
            except (KeyError, IndexError, TypeError):
                holder = None
                break
        if isinstance(holder, dict) and key in holder:
            return (*base, key)
    return origin.labels[0] if origin.labels else origin.name
