"""Arguments and steps that every spec-reading command shares."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from adk_observe.model import ServiceSpec


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
