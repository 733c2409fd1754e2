"""The wheel carries the CR schemas `check-deploy` needs (pyproject.toml holds everything else).

adk-observe's own schemas live in src/adk_observe/schemas/crds/. The public CRD catalogue's
(Argo Rollouts, Prometheus Operator, Gateway API, Flagger, Grafana operator: MIT-licensed data
from datreeio/CRDs-catalog) are never kept in the repository: this build step copies them from
the catalogue folder (../shared/crd-schemas beside the checkout, or $ADK_OBSERVE_CRD_CATALOG)
into the built package, with their source and upstream version (the folder's README table) in
catalog-sources.json. A wheel is never built without them. Editable installs skip the copy:
there, pass the folder with `check-deploy --crd-schemas`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CATALOG_ENV = "ADK_OBSERVE_CRD_CATALOG"
TARGET = ("adk_observe", "schemas", "crds")
SOURCES = "catalog-sources.json"
CATALOG = "datreeio/CRDs-catalog (MIT), from the build's CRD catalogue folder"
# | group/kind_version.json | Resource | upstream version |
ROW = re.compile(r"^\|\s*([a-z0-9.-]+/[a-z0-9]+_[a-z0-9]+\.json)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|$")


def catalog_dir() -> Path:
    for candidate in (os.environ.get(CATALOG_ENV), HERE.parent / "shared" / "crd-schemas"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise SystemExit(
        f"no CRD catalogue folder: set {CATALOG_ENV} or put it at ../shared/crd-schemas "
        "(a wheel without the CR schemas would fail check-deploy)"
    )


def catalog_sources(folder: Path) -> dict[str, dict[str, str]]:
    rows = {}
    for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
        if match := ROW.match(line.strip()):
            rel, resource, upstream = match.groups()
            rows[rel] = {"source": f"{CATALOG}: {resource}", "upstream": upstream}
    return rows


class BuildPy(build_py):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        folder = catalog_dir()
        rows = catalog_sources(folder)
        out = Path(self.build_lib, *TARGET)
        listed = {}
        for path in sorted(folder.glob("*/*.json")):
            rel = f"{path.parent.name}/{path.name}"
            if rel not in rows:
                raise SystemExit(f"{folder}/README.md lists no source and version for {rel}")
            dest = out / rel
            if dest.exists():
                raise SystemExit(f"{rel} is both adk-observe's own schema and the catalogue's")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            listed[rel] = rows[rel]
        (out / SOURCES).write_text(json.dumps(listed, indent=2, sort_keys=True) + "\n")


setup(cmdclass={"build_py": BuildPy})
