"""A CLI verb is its module (cli/<verb>.py: `register(sub)` and its run function, returning an
exit code of cli/exits.py) and its entry in cli/__init__.py `VERBS`. A test-only verb, registered
here the way a verb is added (this module stands for cli/hello.py), is parsed, run and listed by
`--help`, and the docs checks report it until docs/commands.md and the README show it."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

import pytest
from tests import doc_text
from tests.test_doc_tables import COMMANDS, command_problems

import adk_observe.cli as cli
from adk_observe.cli import main
from adk_observe.cli.exits import EXIT_BAD_INPUT, EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("hello", help="say hello (test only)", description="Say hello.")
    p.add_argument("--name", default="world", help="whom to greet")
    p.set_defaults(func=run_hello)


def run_hello(args: argparse.Namespace) -> int:
    print(f"hello {args.name}")
    return EXIT_OK


@pytest.fixture
def hello(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The whole addition: the verb's module in VERBS."""
    monkeypatch.setattr(cli, "VERBS", (*cli.VERBS, __name__))
    yield


def test_a_verb_without_its_entry_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["hello"])
    assert exit_.value.code == EXIT_BAD_INPUT
    assert "invalid choice: 'hello'" in capsys.readouterr().err


@pytest.mark.usefixtures("hello")
def test_a_verb_is_its_module_and_its_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hello", "--name", "agents"]) == EXIT_OK
    assert capsys.readouterr().out == "hello agents\n"
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "say hello (test only)" in capsys.readouterr().out


@pytest.mark.usefixtures("hello")
def test_a_verb_is_reported_until_its_docs_are_written() -> None:
    assert "command: hello is in the code but not documented" in command_problems(
        doc_text.text(COMMANDS)
    )
    assert "`adk-observe hello" not in doc_text.text("README.md")  # tests/test_readme.py


def test_every_shipped_verb_is_a_module_of_the_cli_package() -> None:
    assert all(name.startswith("adk_observe.cli.") for name in cli.VERBS)
