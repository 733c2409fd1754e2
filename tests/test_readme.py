"""The README documents every command, option and spec field, and its examples run."""

from __future__ import annotations

import argparse
import re
import shlex
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from adk_observe.cli import _parser, main
from adk_observe.loader.v1 import AgentServiceV1
from adk_observe.yamlsource import load_documents

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = README + "".join(p.read_text() for p in sorted((ROOT / "docs").glob("*.md")))


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_is_in_the_readme() -> None:
    for name in _subparsers():
        assert f"adk-observe {name}" in README, name


def test_every_option_is_documented() -> None:
    for name, sub in _subparsers().items():
        for action in sub._actions:
            for option in action.option_strings:
                if option in ("-h", "--help"):
                    continue
                assert option in DOCS, f"{name} {option}"


def _fields(model: type[BaseModel], seen: set[str]) -> set[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        if name == "deploy":  # the deploy section has its own reference in docs/deploy.md
            continue
        names.add(info.alias or name)
        for arg in _models(info.annotation):
            if arg.__name__ not in seen:
                seen.add(arg.__name__)
                names |= _fields(arg, seen)
    return names


def _models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def test_every_spec_field_is_in_the_readme() -> None:
    fields = _fields(AgentServiceV1, set())
    assert len(fields) > 50
    missing = sorted(f for f in fields if not re.search(rf"\b{re.escape(f)}\b", README))
    assert missing == []


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_the_bad_input_example_prints_what_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = next(b for b in _blocks("yaml") if b.startswith("# bad.yaml\n"))
    (tmp_path / "bad.yaml").write_text(bad)
    console = next(b for b in _blocks("console") if "bad.yaml" in b)
    command, expected = console.strip().split("\n", 1)
    argv = shlex.split(command.removeprefix("$ "))
    monkeypatch.chdir(tmp_path)
    assert main(argv[1:]) == 2
    assert capsys.readouterr().err.strip() == expected.strip()
    assert not (tmp_path / "rules").exists()


def test_the_custom_window_example_is_a_valid_table(tmp_path: Path) -> None:
    snippet = next(b for b in _blocks("yaml") if b.startswith("spec:\n  alert_windows:"))
    spec = yaml.safe_load((ROOT / "examples" / "support-agent.yaml").read_text())
    spec["spec"]["alert_windows"] = yaml.safe_load(snippet)["spec"]["alert_windows"]
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert load_documents(str(path), path.read_text())
    assert main(["validate", str(path)]) == 0


def test_the_plain_agent_example_prints_what_the_readme_shows() -> None:
    import subprocess
    import sys

    console = next(b for b in _blocks("console") if "examples/plain_agent.py" in b)
    command, expected = console.strip().split("\n", 1)
    assert command == "$ .venv/bin/python examples/plain_agent.py"
    out = subprocess.run([sys.executable, "examples/plain_agent.py"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected.strip()
