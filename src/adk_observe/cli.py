"""Command line: wiring only (parse arguments -> load -> generate -> render -> write)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from adk_observe import __version__
from adk_observe.errors import AdkObserveError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    from adk_observe.dashboards import command as dashboards
    from adk_observe.deploy import command as deploy
    from adk_observe.rules import command as rules
    from adk_observe.spec import command as spec

    parser = argparse.ArgumentParser(
        prog="adk-observe",
        description="Observability and SLOs for AI-agent services, from one spec file.",
    )
    parser.add_argument("--version", action="version", version=f"adk-observe {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (rules, spec, dashboards, deploy):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except AdkObserveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code


if __name__ == "__main__":
    sys.exit(main())
