"""Command line: the only wiring (parse arguments -> load -> generate -> render -> write).

Each verb lives in a small module here with `register(sub)`; generators and checks never load,
serialise or write themselves.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from adk_observe import __version__
from adk_observe.cli.exits import EXIT_BAD_INPUT, EXIT_INTERRUPTED
from adk_observe.errors import AdkObserveError, printable


class _Parser(argparse.ArgumentParser):
    """A bad option is one line (exit 2), its value escaped and bounded like every error;
    subcommand parsers are of this class too (argparse makes them of the parent's class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"error: {self.prog}: {printable(message)} (see --help)\n")


# Every verb's module (`register(sub)` adds its subcommands), in `--help`'s order. They are
# imported when the parser is built, not with this package.
VERBS: tuple[str, ...] = tuple(
    f"adk_observe.cli.{name}"
    for name in (
        "rules",
        "spec",
        "dashboards",
        "deploy",
        "report",
        "canary",
        "alertmanager",
        "runbooks",
    )
)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="adk-observe",
        description="Observability and SLOs for AI-agent services, from one spec file.",
    )
    parser.add_argument("--version", action="version", version=f"adk-observe {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in VERBS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except AdkObserveError as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # output is all-or-nothing (render/write.py): nothing to undo
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


if __name__ == "__main__":
    sys.exit(main())
