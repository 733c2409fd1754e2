"""The README and docs/ document every command and spec field, their links resolve, and their
examples run. (Tables that restate the code: tests/test_doc_tables.py.)"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel
from tests import doc_text
from tests.conftest import SHARED, in_ci, require_tool
from tests.doc_text import ROOT, block, section, table
from tests.test_doc_tables import verbs

from adk_observe.cli import main
from adk_observe.loader.v1 import AgentServiceV1
from adk_observe.yamlsource import load_documents

README = doc_text.text("README.md")


def test_every_command_is_in_the_readme() -> None:
    for name in verbs():
        assert f"`adk-observe {name}" in README, name


def _fields(model: type[BaseModel], seen: set[str], skip: str = "") -> set[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        if name == skip:
            continue
        names.add(info.alias or name)
        for arg in _models(info.annotation):
            if arg.__name__ not in seen:
                seen.add(arg.__name__)
                names |= _fields(arg, seen, skip)
    return names


def _models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _missing(fields: set[str], text: str) -> list[str]:
    return sorted(f for f in fields if not re.search(rf"\b{re.escape(f)}\b", text))


def test_every_spec_field_is_in_the_spec_reference() -> None:
    # The deploy section has its own reference (docs/deploy.md, below).
    fields = _fields(AgentServiceV1, set(), skip="deploy")
    assert len(fields) > 50
    rows = table(doc_text.text("spec.md"), "field", "type, default", "meaning").rows
    assert _missing(fields, "\n".join(" ".join(r) for r in rows)) == []


def test_every_deploy_field_is_in_the_deploy_reference() -> None:
    spec = next(m for m in _models(AgentServiceV1.model_fields["spec"].annotation))
    deploy = _models(spec.model_fields["deploy"].annotation)
    fields = set().union(*(_fields(m, set()) for m in deploy))
    assert len(fields) > 40
    assert _missing(fields, section(doc_text.text("deploy.md"), "The `deploy` section")) == []


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _link_problems(path: Path) -> list[str]:
    problems = []
    for target in _LINK.findall(re.sub(r"```.*?```", "", path.read_text(), flags=re.S)):
        if re.match(r"[a-z]+:", target):  # http(s), mailto: not checked offline
            continue
        file_part, _, fragment = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{path.name}: {target}: no such file")
        elif fragment and linked.suffix == ".md":
            anchors = {doc_text.anchor(h) for _, h in doc_text.headings(linked.read_text())}
            if fragment not in anchors:
                problems.append(f"{path.name}: {target}: no such heading")
    return problems


@pytest.mark.parametrize("path", doc_text.doc_files(), ids=lambda p: p.name)
def test_every_link_resolves(path: Path) -> None:
    assert _link_problems(path) == []


def test_a_broken_link_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## A section\n")
    page.write_text("[ok](other.md#a-section) [gone](missing.md) [bad](other.md#no-section)\n")
    assert [p.split(": ")[1] for p in _link_problems(page)] == ["missing.md", "other.md#no-section"]


def test_the_bad_input_example_prints_what_the_docs_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.yaml").write_text(block("yaml", "# bad.yaml\n"))
    command, expected = (
        block("console", "$ adk-observe compile-rules bad.yaml").strip().split("\n", 1)
    )
    argv = shlex.split(command.removeprefix("$ "))
    monkeypatch.chdir(tmp_path)
    assert main(argv[1:]) == 2
    assert capsys.readouterr().err.strip() == expected.strip()
    assert not (tmp_path / "rules").exists()


def test_the_custom_window_example_is_a_valid_table(tmp_path: Path) -> None:
    snippet = block("yaml", "spec:\n  alert_windows:")
    spec = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    spec["spec"]["alert_windows"] = yaml.safe_load(snippet)["spec"]["alert_windows"]
    # Its 30s short window holds four scrapes only at the demo's scrape interval (2s).
    spec["spec"]["deploy"].setdefault("monitoring", {})["interval"] = "2s"
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert load_documents(str(path), path.read_text())
    assert main(["validate", str(path)]) == 0


def test_the_plain_agent_example_prints_what_the_readme_shows() -> None:
    console = block("console", "$ .venv/bin/python examples/plain_agent.py", README)
    _, expected = console.strip().split("\n", 1)
    out = subprocess.run(
        [sys.executable, "examples/plain_agent.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == expected.strip()


@pytest.mark.slow  # runs promtool and checkov
def test_the_readme_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [
        line.split("  #")[0].strip()
        for line in block("sh", "adk-observe validate", README).splitlines()
    ]
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    checkov = os.environ.get("ADK_OBSERVE_CHECKOV") or str(ROOT / ".venv-checkov/bin/checkov")
    if not Path(checkov).exists():
        (pytest.fail if in_ci() else pytest.skip)(f"{checkov} is missing (make setup installs it)")
    monkeypatch.setenv("ADK_OBSERVE_CHECKOV", checkov)
    monkeypatch.setenv("ADK_OBSERVE_CRD_SCHEMAS", str(SHARED / "crd-schemas"))
    for line in lines:
        argv = shlex.split(line)
        if argv[0] == "promtool":
            run = subprocess.run(
                [require_tool("promtool"), *argv[1:]], capture_output=True, text=True
            )
            assert run.returncode == 0, run.stdout + run.stderr
        else:
            assert argv[0] == "adk-observe", line
            assert main(argv[1:]) == 0, line
