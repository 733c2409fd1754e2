"""Hostile options of the alerting verbs: `alertmanager --alertmanager-version`, `--format`,
`-o`; `runbooks -o`; `--runbook-base-url` of compile-rules and render-deploy (it becomes every
alert's runbook_url annotation, which Prometheus expands as a template).

A bad option is argparse's usage line and one `error:` line, exit 2, nothing written. Their
`-o` targets are tried with every other folder output's in test_outputs.py."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
import yaml
from tests.hostile.test_corpus import CORPUS

from adk_observe.cli import main

SPEC = str(CORPUS / "ok-internal-alb.yaml")


def _run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, err.getvalue()


def _versions() -> list[str]:
    """Below the oldest supported, not 0.N, trailing parts, huge, control characters."""
    return ["0.24", "0.2", "1.0", "0.25.1", "v0.25", "0.x", "", "0." + "9" * 400, "0.2\x1b5"]


def _urls() -> list[str]:
    """Schemes a link must not have, relative or hostless URLs, template text Prometheus would
    expand, queries and fragments, spaces and controls, and a 3 kB URL."""
    return [
        "javascript:alert(1)",
        "ftp://runbooks.example.com",
        "data:text/html,x",
        "runbooks",
        "file://relative/path",
        "http:///nohost",
        "https://runbooks.example.com/{{ $labels.x }}",
        "https://runbooks.example.com/?q=1",
        "https://runbooks.example.com/#top",
        "https://runbooks.example.com/a b",
        "https://runbooks.example.com/\x1b[31m",
        "https://" + "a" * 3000 + ".example.com",
    ]


@pytest.mark.parametrize("value", _versions())
def test_a_bad_alertmanager_version_is_refused(value: str, tmp_path: Path) -> None:
    code, err = _run(
        "alertmanager", SPEC, "-o", str(tmp_path / "o"), "--alertmanager-version", value
    )
    assert code == 2
    assert "argument --alertmanager-version" in err.splitlines()[-1]
    assert len(err.splitlines()[-1]) < 300
    assert not (tmp_path / "o").exists()


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    code, err = _run("alertmanager", SPEC, "-o", str(tmp_path / "o"), "--format", "yaml")
    assert code == 2 and "invalid choice: 'yaml'" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("verb", ["compile-rules", "render-deploy"])
@pytest.mark.parametrize("value", _urls())
def test_a_bad_runbook_base_url_is_refused(verb: str, value: str, tmp_path: Path) -> None:
    code, err = _run(verb, SPEC, "-o", str(tmp_path / "o"), "--runbook-base-url", value)
    assert code == 2
    last = err.splitlines()[-1]
    assert "argument --runbook-base-url" in last and "is not an http(s):// or file:///" in last
    assert len(last) < 300 and "\x1b" not in last.replace("\\x1b", "")
    assert not (tmp_path / "o").exists()


def test_a_file_runbook_base_url_is_used_for_a_spec_without_one(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    text = Path(SPEC).read_text()
    spec.write_text("".join(x for x in text.splitlines(True) if "runbook_base_url" not in x))
    code, err = _run(
        "compile-rules",
        str(spec),
        "-o",
        str(tmp_path / "o"),
        "--runbook-base-url",
        "file:///srv/runbooks/",
    )
    assert (code, err) == (0, "")
    (rules,) = (tmp_path / "o").glob("*.rules.yaml")
    urls = {
        rule["annotations"]["runbook_url"]
        for group in yaml.safe_load(rules.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    assert urls and all(u.startswith("file:///srv/runbooks/shop-agent/") for u in urls)
