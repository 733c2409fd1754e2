"""The custom-resource schemas `check-deploy` validates against, layered: `--crd-schemas DIR`
(and $ADK_OBSERVE_CRD_SCHEMAS) add or override, then the schemas inside the package.

The package carries two kinds of schema, both under `adk_observe/schemas/crds/` in the
kubeconform layout `<group>/<kind>_<version>.json`:

- adk-observe's own (GKE's BackendConfig, FrontendConfig, ManagedCertificate, HealthCheckPolicy,
  GCPBackendPolicy, GCPGatewayPolicy, ExternalSecret): strict schemas written from the
  documented fields, each naming its source and upstream version under `x-adk-observe`;
- the public CRD catalogue's (Argo Rollouts, Prometheus Operator, Gateway API, Flagger, Grafana
  operator), copied in when the wheel is built (setup.py) and listed with their source and
  version in `catalog-sources.json` beside them; never kept in the repository.

A new kind is one file dropped in that folder (or in the catalogue folder the build reads).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

CRD_SCHEMAS_ENV = "ADK_OBSERVE_CRD_SCHEMAS"
SOURCES_FILE = "catalog-sources.json"
OWN_KEY = "x-adk-observe"


def packaged_dir() -> Path:
    return Path(str(resources.files("adk_observe") / "schemas" / "crds"))


@dataclass(frozen=True)
class SchemaFile:
    rel: str  # <group>/<kind>_<version>.json
    path: Path
    origin: str  # "packaged" or the folder given
    source: str = ""
    upstream: str = ""


def _described(folder: Path, origin: str) -> dict[str, SchemaFile]:
    """The schema files of one folder, with the source and version each states (our own
    files) or the build listed (catalog-sources.json)."""
    listed: dict[str, Any] = {}
    sources = folder / SOURCES_FILE
    if origin == "packaged" and sources.is_file():  # written by our build, never by a user
        listed = json.loads(sources.read_text(encoding="utf-8"))
    out: dict[str, SchemaFile] = {}
    for path in sorted(folder.glob("*/*.json")):
        rel = f"{path.parent.name}/{path.name}"
        info = listed.get(rel) or {}
        if not info and origin == "packaged":
            info = _own_info(path)
        out[rel] = SchemaFile(
            rel, path, origin, str(info.get("source", "")), str(info.get("upstream", ""))
        )
    return out


def _own_info(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    info = doc.get(OWN_KEY) if isinstance(doc, dict) else None
    return info if isinstance(info, dict) else {}


@dataclass(frozen=True)
class SchemaSet:
    files: dict[str, SchemaFile]  # by rel, the winning layer's file
    layers: tuple[str, ...]  # origins, highest priority first

    def find(self, api_version: str, kind: str) -> SchemaFile | None:
        group, _, version = api_version.rpartition("/")
        return self.files.get(f"{group}/{kind.lower()}_{version}.json")

    def describe(self) -> str:
        counts = {o: sum(1 for f in self.files.values() if f.origin == o) for o in self.layers}
        return ", ".join(f"{n} {o}" for o, n in counts.items())


def schema_set(explicit: str | None = None) -> SchemaSet:
    """Packaged schemas, then $ADK_OBSERVE_CRD_SCHEMAS, then `explicit` (each overriding the
    files of the same name before it)."""
    files = _described(packaged_dir(), "packaged") if packaged_dir().is_dir() else {}
    layers = ["packaged"]
    for extra in (os.environ.get(CRD_SCHEMAS_ENV), explicit):
        if extra:
            files.update(_described(Path(extra), extra))
            layers.insert(0, extra)
    return SchemaSet(files, tuple(dict.fromkeys(layers)))
