"""Arguments and steps that every spec-reading command shares."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from adk_observe import runbook_links
from adk_observe.model import ServiceSpec

URL_LIMIT = 2048


def add_specs(
    parser: argparse.ArgumentParser, help: str = "adk-observe, OpenSLO or Sloth spec"
) -> None:
    parser.add_argument("specs", nargs="+", metavar="SPEC", help=help)


def add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")


def load(paths: Iterable[str]) -> list[ServiceSpec]:
    """Load every spec and print the importers' notes (fields that change nothing): never silent."""
    from adk_observe.loader.load import load_specs

    specs = load_specs(paths)
    for spec in specs:
        for where, message in spec.extra:
            print(f"note: {where}: {message}", file=sys.stderr)
    return specs


def _runbook_base(text: str) -> str:
    """An http(s) or file URL without query or fragment: it becomes alert annotations."""
    parts = urlsplit(text) if text.isprintable() and " " not in text else None
    ok = (
        parts is not None
        and len(text) <= URL_LIMIT
        and "{{" not in text
        and not parts.query
        and not parts.fragment
        and (
            (parts.scheme in ("http", "https") and bool(parts.netloc))
            or (parts.scheme == "file" and not parts.netloc and parts.path.startswith("/"))
        )
    )
    if not ok:
        raise argparse.ArgumentTypeError(
            f"{text[:80]!r} is not an http(s):// or file:/// URL without query or fragment"
        )
    return text.rstrip("/")


def add_runbook_base(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runbook-base-url",
        type=_runbook_base,
        metavar="URL",
        help="where `adk-observe runbooks` output is published: alerts of a spec without "
        "runbook_base_url link to URL/<service>/<runbook>.md (default: file:// URL of "
        "./runbooks)",
    )


def with_runbooks(specs: Iterable[ServiceSpec], base: str | None) -> list[ServiceSpec]:
    """Every spec with a runbook base URL: its own, else `<base>/<service>`, the folder
    `adk-observe runbooks -o <base>` writes its runbooks to. Generated alerts then always
    carry an absolute (or file://) runbook_url, never a relative link."""
    root = base or Path.cwd().joinpath(runbook_links.DEFAULT_FOLDER).as_uri()
    return [
        spec if spec.runbook_base_url else replace(spec, runbook_base_url=f"{root}/{spec.name}")
        for spec in specs
    ]
