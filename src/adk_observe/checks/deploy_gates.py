"""The gates of `check-deploy`: strict Kubernetes schemas on several minors, custom-resource
schemas, Pod Security "restricted", explicit namespaces, and checkov. Each gate returns the
list of its failures (empty: passed); `command` prints the report."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adk_observe.checks.crd_schemas import CRD_SCHEMAS_ENV as CRD_SCHEMAS_ENV
from adk_observe.checks.crd_schemas import SchemaFile, SchemaSet
from adk_observe.checks.podsecurity import check_object
from adk_observe.deploy.kustomize import KUSTOMIZATION
from adk_observe.errors import AdkObserveError, SpecError, one_line, quote
from adk_observe.yamlsource import load_documents, read_text

# Kubernetes minors every object must validate against (strict: no unknown fields).
KUBERNETES_VERSIONS = ("1.29", "1.31", "1.33", "1.35")
CHECKOV_ENV = "ADK_OBSERVE_CHECKOV"
CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding"})


class DeployCheckError(AdkObserveError):
    """The folder cannot be checked at all (missing, unreadable, no tool)."""


@dataclass(frozen=True)
class Manifest:
    file: str  # relative to the checked folder
    obj: dict[str, Any]

    @property
    def ref(self) -> str:
        meta = self.obj.get("metadata") or {}
        return f"{self.file}: {self.obj.get('kind')}/{meta.get('name')}"


@dataclass
class GateResult:
    name: str
    failures: list[str] = field(default_factory=list)
    checked: int = 0
    note: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures


def folders(root: Path) -> list[Path]:
    """Every kustomize folder under `root` (itself included)."""
    if not root.is_dir():
        raise DeployCheckError(f"{root} is not a directory")
    found = sorted(p.parent for p in root.rglob(KUSTOMIZATION))
    if not found:
        raise DeployCheckError(f"no {KUSTOMIZATION} under {root}")
    return found


def _documents(folder: Path, rel: str) -> list[Any]:
    """The YAML documents of one file, parsed with the spec loader's bounds (size, nodes,
    depth, alias expansion) so a hostile manifest fails fast with a located error."""
    path = folder / rel
    return [doc.data for doc in load_documents(str(path), read_text(path), allow_empty=True)]


def _inside(folder: Path, rel: str) -> bool:
    """A resource entry names a file of this folder, not `../..` or an absolute path: the
    gates check what the folder holds, never other files on the machine."""
    target = (folder / rel).resolve()
    return target.parent == folder.resolve() and target.is_file()


def _well_formed(obj: Any) -> bool:
    """Enough shape for the gates to name the object and pick its schema."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("metadata") or {}, dict)
        and all(isinstance(obj.get(k, ""), str) for k in ("apiVersion", "kind"))
    )


def parse_all(folder: Path) -> None:
    """Parse every file checkov would read in `folder` (listed or not) within our bounds, so a
    hostile file is bad input here instead of exhausting checkov's own parser."""
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
            load_documents(str(path), read_text(path), allow_empty=True)


def load_folder(folder: Path) -> tuple[list[Manifest], list[str]]:
    """The objects of the files kustomization.yaml lists, and the problems with that list."""
    problems: list[str] = []
    kust_file = str(folder / KUSTOMIZATION)
    docs = _documents(folder, KUSTOMIZATION)
    kust = docs[0] if docs else {}
    if not isinstance(kust, dict) or not isinstance(kust.get("resources") or [], list):
        raise SpecError("must be a mapping with a resources list", file=kust_file, line=1)
    listed = [str(r) for r in kust.get("resources") or []]
    manifests = []
    for rel in listed:
        if not _inside(folder, rel):
            problems.append(f"{quote(rel)}: not a file in this folder")
            continue
        for obj in _documents(folder, rel):
            if obj is None:
                continue
            if not _well_formed(obj):
                raise SpecError(
                    "a manifest must be a mapping with a metadata mapping and string "
                    "apiVersion and kind",
                    file=str(folder / rel),
                    line=1,
                )
            manifests.append(Manifest(rel, obj))
    on_disk = {p.name for p in folder.glob("*.yaml")} - {KUSTOMIZATION}
    for name in sorted(on_disk - set(listed)):
        problems.append(f"{name}: not listed in {KUSTOMIZATION}")
    return manifests, problems


def gate_namespaces(manifests: Iterable[Manifest]) -> GateResult:
    result = GateResult("explicit namespaces")
    for m in manifests:
        result.checked += 1
        namespaced = m.obj.get("kind") not in CLUSTER_SCOPED
        if namespaced and not (m.obj.get("metadata") or {}).get("namespace"):
            result.failures.append(f"{m.ref}: no metadata.namespace")
    return result


def require_validators() -> None:
    """Fail before any output when the `deploy` extra is not installed."""
    try:
        import jsonschema  # noqa: F401
        import kubernetes_validate  # noqa: F401
    except ImportError:
        raise DeployCheckError(
            "check-deploy needs the deploy extra (kubernetes-validate, jsonschema): "
            "pip install 'adk-observe[deploy]'"
        ) from None


def _validate_builtin(obj: dict[str, Any], version: str) -> str | None:
    """None if valid; the error text if not; raises LookupError if not a built-in kind."""
    require_validators()
    import kubernetes_validate

    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        raise LookupError(obj.get("kind")) from None
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        return f"{path}: {exc.message}"
    return None


def _pod_template_as_deployment(obj: dict[str, Any]) -> dict[str, Any]:
    """A Rollout's pod template is a core PodTemplateSpec: check it with the strict core schema
    too (the CR schema is one Kubernetes version's snapshot). Other objects pass unchanged;
    the Rollout itself is then checked against its CR schema."""
    if obj.get("apiVersion") != "argoproj.io/v1alpha1" or obj.get("kind") != "Rollout":
        return obj
    spec = obj.get("spec") or {}
    if not isinstance(spec, dict):  # malformed: the CR schema gate reports it
        return obj
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": obj.get("metadata") or {},
        "spec": {"selector": spec.get("selector"), "template": spec.get("template")},
    }


def gate_kubernetes_schemas(
    manifests: Iterable[Manifest], versions: tuple[str, ...] = KUBERNETES_VERSIONS
) -> tuple[GateResult, list[Manifest]]:
    """Strict validation of built-in kinds; returns the custom resources left over."""
    result = GateResult(f"kubernetes-validate --strict ({', '.join(versions)})")
    custom: list[Manifest] = []
    for m in manifests:
        try:
            for version in versions:
                error = _validate_builtin(_pod_template_as_deployment(m.obj), version)
                if error and m.obj.get("kind") == "Rollout":
                    error = f"pod template (validated as a Deployment's): {error}"
                if error:
                    result.failures.append(f"{m.ref}: Kubernetes {version}: {error}")
            result.checked += 1
        except LookupError:
            custom.append(m)
            continue
        if m.obj.get("kind") == "Rollout":
            custom.append(m)
    return result, custom


MAX_SCHEMA_BYTES = 16 * 2**20  # the largest catalogue schema is under 1 MiB


@functools.lru_cache(maxsize=64)
def _schema(file: SchemaFile) -> dict[str, Any]:
    """A schema file, read within bounds (regular file, size, JSON nesting): a folder given
    with --crd-schemas is outside input, and a file it cannot read fails here, located."""
    where = f"CR schema {file.path}"
    try:
        if not file.path.is_file():
            raise DeployCheckError(f"{where}: not a regular file")
        with file.path.open("rb") as fh:
            data = fh.read(MAX_SCHEMA_BYTES + 1)
        if len(data) > MAX_SCHEMA_BYTES:
            raise DeployCheckError(f"{where}: larger than {MAX_SCHEMA_BYTES // 2**20} MiB")
        schema = json.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        problem = one_line(str(exc))[:200]
        raise DeployCheckError(f"{where}: not readable JSON ({problem})") from None
    if not isinstance(schema, dict):
        raise DeployCheckError(f"{where}: not a JSON schema object")
    return schema


def _schema_errors(file: SchemaFile, obj: dict[str, Any]) -> list[str]:
    """`obj`'s violations of the schema; a schema that cannot be applied (a malformed
    keyword, a pattern that is not a regular expression) is bad input, never a pass."""
    import jsonschema

    try:
        validator = jsonschema.Draft7Validator(_schema(file))
        errors = sorted(validator.iter_errors(obj), key=str)
    except Exception as exc:  # a user's schema may break jsonschema in any way: bad input
        problem = one_line(str(getattr(exc, "message", exc)))[:200]
        raise DeployCheckError(f"CR schema {file.path}: cannot be applied ({problem})") from None
    return [f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in errors]


def gate_custom_resources(custom: Iterable[Manifest], schemas: SchemaSet) -> GateResult:
    result = GateResult(f"custom-resource schemas ({schemas.describe()})")
    for m in custom:
        result.checked += 1
        api, kind = str(m.obj.get("apiVersion", "")), str(m.obj.get("kind", ""))
        found = schemas.find(api, kind)
        if found is None:
            group, _, version = api.rpartition("/")
            result.failures.append(
                f"{m.ref}: no schema for {api} {kind} (looked for "
                f"{group}/{kind.lower()}_{version}.json in {', '.join(schemas.layers)})"
            )
            continue
        result.failures += [f"{m.ref}: {e}" for e in _schema_errors(found, m.obj)]
    return result


def gate_pod_security(manifests: Iterable[Manifest]) -> GateResult:
    result = GateResult('Pod Security Standards "restricted"')
    for m in manifests:
        try:
            violations = check_object(m.obj)
        except (AttributeError, TypeError, KeyError, IndexError, ValueError):
            # A list where a mapping belongs (or the like): not checkable, so not passing; the
            # schema gate names the field.
            result.checked += 1
            result.failures.append(f"{m.ref}: malformed pod template, cannot be checked")
            continue
        if violations is None:
            continue
        result.checked += 1
        result.failures += [f"{m.ref}: {v}" for v in violations]
    return result


# What `check-deploy` says when checkov is nowhere: checkov pins versions that clash with
# google-adk's, so it gets its own virtualenv.
CHECKOV_HINT = (
    "checkov not found: install it in its own virtualenv "
    "(python3 -m venv ~/.checkov && ~/.checkov/bin/pip install checkov), then put it on PATH, "
    f"pass --checkov PATH or set {CHECKOV_ENV}; or skip this gate with --no-checkov"
)


def checkov_binary(explicit: str | None = None) -> str | None:
    """`--checkov`, then $ADK_OBSERVE_CHECKOV, then `checkov` on PATH. Never a path relative to
    the current folder: the same command must find the same tool from anywhere."""
    for candidate in (explicit, os.environ.get(CHECKOV_ENV)):
        if candidate:
            return candidate
    return shutil.which("checkov")


def _checkov_one(binary: str, folder: Path) -> list[str]:
    cmd = [
        binary,
        "--framework",
        "kubernetes",
        "--output",
        "json",
        "--quiet",
        "--compact",
        "--skip-download",
        "--soft-fail",
        "--directory",
        str(folder),
    ]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, check=False, timeout=600
        )
    except OSError as exc:
        raise DeployCheckError(f"cannot run checkov ({binary}): {exc}") from None
    reports = _json_documents(proc.stdout)
    if not reports:
        raise DeployCheckError(f"checkov gave no JSON report for {folder}: {proc.stderr[-500:]}")
    failed = []
    for report in reports:
        for check in (report.get("results") or {}).get("failed_checks") or []:
            file = Path(str(check.get("file_abs_path") or check.get("file_path"))).name
            failed.append(
                f"{file}: {check.get('check_id')} {check.get('check_name')} "
                f"({check.get('resource')})"
            )
    return sorted(set(failed))


def run_checkov(binary: str, dirs: list[Path], workers: int = 4) -> dict[str, list[str]]:
    """Failed checks by folder. One checkov process per folder, run in parallel: with several
    --directory arguments (or one parent folder) checkov 3.2 drops or mixes results, and its
    graph checks (e.g. "pod has a NetworkPolicy") must only see the folder's own objects."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda d: _checkov_one(binary, d), dirs))
    return {str(d): r for d, r in zip(dirs, results, strict=True)}


def _json_documents(text: str) -> list[dict[str, Any]]:
    """checkov prints one JSON document per framework run, back to back."""
    decoder = json.JSONDecoder()
    docs: list[dict[str, Any]] = []
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        try:
            doc, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            return docs
        docs.extend(doc if isinstance(doc, list) else [doc])


def gate_checkov(folder: Path, failed: dict[str, list[str]]) -> GateResult:
    result = GateResult("checkov --framework kubernetes")
    result.failures = failed.get(str(folder), [])
    return result


Gate = Callable[[list[Manifest]], GateResult]


def check_folder(
    folder: Path,
    schemas: SchemaSet,
    checkov_failed: dict[str, list[str]] | None,
) -> list[GateResult]:
    manifests, problems = load_folder(folder)
    listing = GateResult(
        f"{KUSTOMIZATION} lists every file", failures=problems, checked=len(manifests)
    )
    return [listing, *check_manifests(manifests, schemas), _checkov_result(folder, checkov_failed)]


def check_manifests(manifests: list[Manifest], schemas: SchemaSet) -> list[GateResult]:
    """The gates that read objects, wherever they came from (a folder's files, or the stream
    `kubectl kustomize` builds from it)."""
    kube, custom = gate_kubernetes_schemas(manifests)
    return [
        gate_namespaces(manifests),
        kube,
        gate_custom_resources(custom, schemas),
        gate_pod_security(manifests),
    ]


def _checkov_result(folder: Path, checkov_failed: dict[str, list[str]] | None) -> GateResult:
    if checkov_failed is None:
        return GateResult("checkov --framework kubernetes", note="skipped (--no-checkov)")
    return gate_checkov(folder, checkov_failed)
