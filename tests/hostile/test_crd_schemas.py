"""Hostile `check-deploy --crd-schemas DIR` folders: a schema file that cannot be read or applied
is bad input (exit 2, one line naming the file, nothing on stdout), never a pass and never a
hang; a folder that is not one is refused before anything runs.

The folder is trusted configuration otherwise: a schema it overrides decides (docs/security.md
says so), and the gate's line names the layers it used."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.deploy.cases import rendered
from tests.hostile.test_corpus import run

CASE = "deploy-rolling-nginx"  # its ServiceMonitor is checked against the overridden schema
TARGET = "monitoring.coreos.com/servicemonitor_v1.json"


def _folder(tmp_path: Path) -> Path:
    out = tmp_path / "rendered"
    shutil.copytree(rendered(CASE), out)
    return out


def _text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _directory(path: Path) -> None:
    path.mkdir()


def _huge(path: Path) -> None:
    with path.open("wb") as fh:
        fh.truncate(17 * 2**20)  # sparse: 17 MiB of NUL bytes


# case -> (how the file is made, the end of the one error line)
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "not JSON": (_text("{oops"), "not readable JSON (Expecting property name enclosed"),
    "not UTF-8": (lambda p: p.write_bytes(b'{"a": "\xff"}'), "not readable JSON ("),
    "deeply nested": (_text("[" * 200_000 + "]" * 200_000), "not readable JSON ("),
    "a list": (_text("[]"), "not a JSON schema object"),
    "bad regex": (_text('{"properties": {"kind": {"pattern": "(["}}}'), "cannot be applied ("),
    "unknown type": (_text('{"type": "widget"}'), "cannot be applied ("),
    "a FIFO": (_fifo, "not a regular file"),
    "a device": (_device, "not a regular file"),
    "a directory": (_directory, "not a regular file"),
    "too large": (_huge, "larger than 16 MiB"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_schema_that_cannot_be_used_is_bad_input(case: str, tmp_path: Path) -> None:
    make, message = CASES[case]
    schemas = tmp_path / "schemas"
    target = schemas / TARGET
    target.parent.mkdir(parents=True)
    make(target)
    code, out, err = run("check-deploy", str(_folder(tmp_path)), "--crd-schemas", str(schemas),
                         "--no-checkov")
    assert (code, out) == (2, ""), err
    assert err.startswith(f"error: CR schema {target}: ") and err.count("\n") == 1, err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("given", ["missing", "a-file"])
def test_a_folder_that_is_not_one_is_refused(given: str, tmp_path: Path) -> None:
    path = tmp_path / given
    if given == "a-file":
        path.write_text("x", encoding="utf-8")
    code, out, err = run("check-deploy", str(_folder(tmp_path)), "--crd-schemas", str(path))
    assert (code, out, err) == (2, "", f"error: --crd-schemas {str(path)!r} is not a directory\n")


def test_an_override_decides_and_the_report_names_its_layer(tmp_path: Path) -> None:
    """A stricter override fails the object the packaged schema would pass."""
    schemas = tmp_path / "schemas"
    (schemas / TARGET).parent.mkdir(parents=True)
    (schemas / TARGET).write_text('{"properties": {"spec": {"required": ["sampleLimit"]}}}')
    code, out, err = run("check-deploy", str(_folder(tmp_path)), "--crd-schemas", str(schemas),
                         "--no-checkov")
    assert (code, err) == (1, "")
    assert f"custom-resource schemas (1 {schemas}" in out
    assert "ServiceMonitor/faq-agent: spec: 'sampleLimit' is a required property" in out
