"""Hostile folders for check-deploy: bad manifests are bad input (exit 2, one located line,
before any gate runs or prints); resources outside the folder are never read."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.hostile.test_corpus import run

MANIFESTS = Path(__file__).resolve().parent / "manifests"

# folder -> (file under the folder, line, key path, message). The bomb counts like the spec
# one (tests/hostile/test_corpus.py): &a is 5 nodes again, so x5[1] on line 9 is the alias
# whose copy passes 100,000 (the file writes too few nodes for the ratio to allow more).
CASES = {
    "bomb": (
        "svc/configmap.yaml",
        9,
        "x5[1]",
        "aliases copy more than 100,000 nodes (at most 4 per node the file writes, or 100,000)",
    ),
    # Not listed in kustomization.yaml, but checkov would parse it: refused before checkov runs.
    "unlisted-bomb": (
        "svc/stray.yaml",
        9,
        "x5[1]",
        "aliases copy more than 100,000 nodes (at most 4 per node the file writes, or 100,000)",
    ),
    "deep": ("svc/configmap.yaml", 4, "", "nested deeper than 50 levels"),
    "not-a-mapping": (
        "svc/configmap.yaml",
        1,
        "",
        "a manifest must be a mapping with a metadata mapping and string apiVersion and kind",
    ),
    "kustomization-list": (
        "svc/kustomization.yaml",
        1,
        "",
        "must be a mapping with a resources list",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_manifest_is_bad_input(case: str) -> None:
    file, line, path, message = CASES[case]
    key = f" {path}:" if path else ""
    code, out, err = run("check-deploy", str(MANIFESTS / case), "--no-checkov")
    assert (code, out, err) == (2, "", f"error: {MANIFESTS / case / file}:{line}:{key} {message}\n")


def test_resources_outside_the_folder_are_not_read() -> None:
    code, out, err = run("check-deploy", str(MANIFESTS / "escape"), "--no-checkov")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    at = lines.index("  FAIL  kustomization.yaml lists every file")
    assert lines[at + 1 : at + 3] == [
        "        '../../../../../../etc/hostname': not a file in this folder",
        "        '/etc/passwd': not a file in this folder",
    ]


def test_malformed_pod_template_fails_its_gate_without_a_traceback() -> None:
    code, out, err = run("check-deploy", str(MANIFESTS / "malformed-pod"), "--no-checkov")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    at = lines.index('  FAIL  Pod Security Standards "restricted" (1 checked)')
    assert (
        lines[at + 1]
        == "        deployment.yaml: Deployment/x: malformed pod template, cannot be checked"
    )
