"""`adk-observe validate` and `adk-observe schema`."""

from __future__ import annotations

import argparse
from typing import Any

from adk_observe.cli import common
from adk_observe.cli.exits import EXIT_OK
from adk_observe.loader.v1 import AgentServiceV1
from adk_observe.render import dump_json


def register(sub: Any) -> None:
    p = sub.add_parser("validate", help="check specs without writing anything")
    common.add_specs(p)
    p.set_defaults(func=_validate)
    s = sub.add_parser("schema", help="print the JSON Schema of the adk-observe/v1 spec")
    s.set_defaults(func=_schema)


def _validate(args: argparse.Namespace) -> int:
    specs = common.load(args.specs)
    for spec in specs:
        print(f"ok: {spec.source.file}: {spec.name} ({len(spec.slos)} SLOs)")
    return EXIT_OK


def json_schema() -> dict[str, Any]:
    schema = AgentServiceV1.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "adk-observe/v1 AgentService"
    return schema


def _schema(args: argparse.Namespace) -> int:
    print(dump_json(json_schema()), end="")
    return EXIT_OK
