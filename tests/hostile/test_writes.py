"""Writes are all or nothing, survive Ctrl-C, and re-rendering cleans up only our own files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from tests.hostile.test_corpus import CORPUS, run

from adk_observe.errors import OutputError
from adk_observe.render import write_files

ROOT = Path(__file__).resolve().parents[2]


def tree(root: Path) -> dict[str, str]:
    """Every file under root (hidden ones included) with its content; directories as '/'."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        out[rel] = "/" if path.is_dir() else path.read_text()
    return out


def test_a_failed_rename_midway_rolls_back_the_earlier_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_files(out, {"a.yaml": "a: old\n", "b.yaml": "b: old\n", "c.yaml": "c: old\n"})
    before = tree(out)
    # The rename onto c.yaml fails (a disk error), after a.yaml and b.yaml were already
    # replaced: renames go in sorted order. (A folder in c.yaml's place is refused before any
    # rename now: tests/hostile/test_outputs.py.)
    replace = os.replace

    def failing(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == "c.yaml" and ".c.yaml.new." in Path(src).name:
            raise OSError(5, "Input/output error")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OutputError, match=r"cannot write to .*: \[Errno 5\] Input/output error"):
        write_files(
            out,
            {"a.yaml": "a: new\n", "b.yaml": "b: new\n", "c.yaml": "c\n", "new/d.yaml": "d\n"},
        )
    assert tree(out) == before  # old contents back, new/ and its file gone, no temp file


def test_removal_is_part_of_the_same_transaction(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_files(out, {"a.yaml": "a\n", "stale.yaml": "s\n"})
    (out / "z.yaml").mkdir()
    (out / "z.yaml" / "keep").write_text("x")
    before = tree(out)
    with pytest.raises(OutputError):
        write_files(out, {"a.yaml": "A\n", "z.yaml": "z\n"}, remove=["stale.yaml"])
    assert tree(out) == before
    write_files(out, {"a.yaml": "A\n"}, remove=["stale.yaml"])
    assert tree(out) == {"a.yaml": "A\n", "z.yaml": "/", "z.yaml/keep": "x"}


_WRITER = """
import sys
from adk_observe.render import write_files
files = {f"f{i:04d}.yaml": "x" * 20000 + "\\n" for i in range(int(sys.argv[2]))}
print("ready", flush=True)
write_files(sys.argv[1], files)
print("done", flush=True)
"""


def test_sigint_mid_write_leaves_no_hidden_file_and_no_half_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    count = 3000
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(out), str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    # Wait (by polling the folder, not the clock) until staging has begun, then interrupt.
    while proc.poll() is None and not (out.is_dir() and any(out.iterdir())):
        time.sleep(0.001)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate()
    names = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert [n for n in names if n.startswith(".")] == []
    # The interrupt is held during the write and delivered after it: the output is complete.
    assert names == [f"f{i:04d}.yaml" for i in range(count)]
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    assert "done" not in rest


def _rolling_copy(tmp_path: Path) -> Path:
    """The canary example turned into a rolling service of the same name."""
    text = (ROOT / "examples" / "deploy-canary-nginx.yaml").read_text()
    start = text.index("    strategy:")
    end = text.index("    ingress:")
    spec = tmp_path / "rolling.yaml"
    spec.write_text(text[:start] + text[end:])
    return spec


def test_render_deploy_removes_only_what_it_wrote_before(tmp_path: Path) -> None:
    out = tmp_path / "deploy"
    code, _, err = run(
        "render-deploy", str(ROOT / "examples" / "deploy-canary-nginx.yaml"), "-o", str(out)
    )
    assert (code, err) == (0, "")
    folder = out / "search-agent"
    assert (folder / "rollout.yaml").is_file()
    # Files the tool did not write: one of the user's, and a copy of ours that no
    # kustomization of ours listed, and an edited one that lost the generated-by header.
    (folder / "notes.yaml").write_text("mine: true\n")
    (folder / "copy.yaml").write_text((folder / "rollout.yaml").read_text())
    edited = (folder / "service-canary.yaml").read_text().split("\n", 1)[1]
    (folder / "service-canary.yaml").write_text(edited)
    code, stdout, err = run("render-deploy", str(_rolling_copy(tmp_path)), "-o", str(out))
    assert (code, err) == (0, "")
    note = "(written by an earlier render-deploy)"
    # the canary's step analysis, its background analysis and the Rollout
    assert stdout.splitlines()[:3] == [
        f"removed {folder / 'analysistemplate-slo-gate.yaml'} {note}",
        f"removed {folder / 'analysistemplate-slo-watch.yaml'} {note}",
        f"removed {folder / 'rollout.yaml'} {note}",
    ]
    listed = yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]
    assert "deployment.yaml" in listed and "rollout.yaml" not in listed
    on_disk = {p.name for p in folder.iterdir()}
    assert on_disk == set(listed) | {
        "kustomization.yaml",
        "prometheus",  # the plain scrape job: not an object, so not in the kustomization
        "notes.yaml",
        "copy.yaml",
        "service-canary.yaml",
    }
    assert (folder / "notes.yaml").read_text() == "mine: true\n"
    assert (folder / "service-canary.yaml").read_text() == edited


def test_own_namespace_off_touches_only_the_services_pods(tmp_path: Path) -> None:
    code, _, err = run("render-deploy", str(CORPUS / "ok-internal-alb.yaml"), "-o", str(tmp_path))
    assert (code, err) == (0, "")
    objs = [yaml.safe_load(p.read_text()) for p in sorted((tmp_path / "shop-agent").glob("*.yaml"))]
    kinds = sorted(o["kind"] for o in objs)
    assert "Namespace" not in kinds
    policies = [o for o in objs if o["kind"] == "NetworkPolicy"]
    assert [p["spec"]["podSelector"] for p in policies] == [
        {"matchLabels": {"app.kubernetes.io/instance": "shop-agent"}}
    ]


def test_own_namespace_on_adds_namespace_and_default_deny(tmp_path: Path) -> None:
    spec = tmp_path / "own.yaml"
    text = (CORPUS / "ok-internal-alb.yaml").read_text()
    spec.write_text(text.replace("  deploy:\n", "  deploy:\n    own_namespace: true\n"))
    code, _, err = run("render-deploy", str(spec), "-o", str(tmp_path / "out"))
    assert (code, err) == (0, "")
    folder = tmp_path / "out" / "shop-agent"
    namespace = yaml.safe_load((folder / "namespace.yaml").read_text())
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    deny = yaml.safe_load((folder / "networkpolicy-default-deny.yaml").read_text())
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_own_namespace_off_passes_every_gate(
    tmp_path: Path, crd_schemas: Path, checkov_binary: str
) -> None:
    """Without the Namespace and the namespace-wide default-deny the folder still passes the
    schemas, Pod Security and checkov (its NetworkPolicy check sees the service's policy)."""
    code, _, err = run("render-deploy", str(CORPUS / "ok-internal-alb.yaml"), "-o", str(tmp_path))
    assert (code, err) == (0, "")
    code, out, err = run(
        "check-deploy",
        str(tmp_path),
        "--crd-schemas",
        str(crd_schemas),
        "--checkov",
        checkov_binary,
    )
    assert (code, err, out.splitlines()[-1]) == (0, "", "all gates passed")
