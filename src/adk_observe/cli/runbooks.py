"""`adk-observe runbooks`: one Markdown runbook per alert of each service."""

from __future__ import annotations

import argparse
from typing import Any

from adk_observe.cli import common
from adk_observe.cli.exits import EXIT_OK
from adk_observe.render import dump_markdown, write_files


def register(sub: Any) -> None:
    p = sub.add_parser(
        "runbooks",
        help="write one Markdown runbook per alert",
        description="Write DIR/<service>/<alert>.md for every alert compile-rules generates: "
        "what it means, the queries to run, the dashboard, first steps and how to silence it. "
        "Each alert's runbook_url points at its file under the spec's runbook_base_url.",
    )
    common.add_specs(p)
    common.add_output(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adk_observe.alerting.runbooks import runbooks

    files: dict[str, str] = {}
    for spec in common.load(args.specs):
        for name, doc in runbooks(spec).items():
            files[f"{spec.name}/{name}"] = dump_markdown(doc, source=spec.source.file)
    for path in write_files(args.output, files):
        print(f"wrote {path}")
    return EXIT_OK
