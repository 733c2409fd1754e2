"""`adk-observe alertmanager`: one Alertmanager configuration for one or more services."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from adk_observe.cli import common
from adk_observe.cli.exits import EXIT_OK
from adk_observe.render import dump_yaml, write_files

CONFIG_FILE = "alertmanager.yml"
_VERSION = re.compile(r"^0\.(\d{2})$")
OLDEST_MINOR = 25  # time_intervals with `location` (0.25.0)


def _version(text: str) -> int:
    match = _VERSION.match(text)
    if not match or int(match.group(1)) < OLDEST_MINOR:
        raise argparse.ArgumentTypeError(
            f"{text[:20]!r} is not an Alertmanager version 0.25 or later"
        )
    return int(match.group(1))


def register(sub: Any) -> None:
    p = sub.add_parser(
        "alertmanager",
        help="write the Alertmanager configuration that routes the services' alerts",
        description="Write one Alertmanager configuration (alertmanager.yml and its templates) "
        "routing every service's alerts by team, service and severity to the receivers of its "
        "spec.notify, muted during spec.maintenance; or, with --format operator, one "
        "monitoring.coreos.com/v1alpha1 AlertmanagerConfig per service.",
    )
    common.add_specs(p)
    common.add_output(p)
    p.add_argument(
        "--format",
        choices=("alertmanager", "operator"),
        default="alertmanager",
        help="alertmanager.yml + templates (default) or AlertmanagerConfig resources",
    )
    p.add_argument(
        "--alertmanager-version",
        type=_version,
        default=OLDEST_MINOR,
        metavar="0.N",
        help="the oldest Alertmanager that loads the file (default 0.25; webhook url_file "
        "needs 0.26)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adk_observe.alerting import operator
    from adk_observe.alerting.config import alertmanager_config, template_path
    from adk_observe.alerting.templates import template_file

    specs = common.load(args.specs)
    for spec in specs:
        if not spec.notify.declared:
            print(
                f"note: {spec.source.file}: {spec.name} has no spec.notify: its alerts are "
                "routed to receivers that send nothing",
                file=sys.stderr,
            )
    files: dict[str, str] = {}
    if args.format == "operator":
        for spec in specs:
            doc = operator.alertmanager_config_cr(spec)
            files[operator.file_name(spec)] = dump_yaml(doc, source=spec.source.file)
    else:
        config = alertmanager_config(specs, args.alertmanager_version)
        sources = ", ".join(sorted({s.source.file for s in specs}))
        files[CONFIG_FILE] = dump_yaml(config, source=sources)
        files[template_path()] = template_file()
    for path in write_files(args.output, files):
        print(f"wrote {path}")
    return EXIT_OK
