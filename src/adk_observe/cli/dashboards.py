"""`adk-observe dashboards` and `adk-observe lint`."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from adk_observe.checks.lint import Finding, lint_service
from adk_observe.cli import common, connect
from adk_observe.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE
from adk_observe.dashboards import dashboard_files
from adk_observe.dashboards import provisioning as prov
from adk_observe.errors import PrometheusUnavailableError
from adk_observe.render import dump_json, dump_yaml, write_files
from adk_observe.rules.compile import compile_service

if TYPE_CHECKING:
    from adk_observe.checks.prometheus import PrometheusClient


def register(sub: Any) -> None:
    p = sub.add_parser(
        "dashboards",
        help="write Grafana dashboards (agent overview and SLOs) for each service",
        description="Write <service>-overview.json and <service>-slos.json: Grafana dashboard "
        "JSON that queries exactly the series the agent emits and the rules record.",
    )
    common.add_specs(p)
    common.add_output(p)
    p.add_argument(
        "--provisioning",
        metavar="DIR",
        help="also write Grafana provisioning files: DIR/dashboards/adk-observe.yaml (a "
        "provider for the dashboards) and DIR/datasources/adk-observe.yaml (the Prometheus "
        "data source the dashboards use, timeInterval = the scrape interval)",
    )
    p.add_argument(
        "--dashboards-path",
        metavar="PATH",
        default=prov.DEFAULT_DASHBOARDS_PATH,
        help="where Grafana reads the dashboard files, for the provider "
        f"(default {prov.DEFAULT_DASHBOARDS_PATH})",
    )
    p.add_argument(
        "--prometheus-url",
        metavar="URL",
        default=prov.DEFAULT_PROMETHEUS_URL,
        help=f"the provisioned data source's URL (default {prov.DEFAULT_PROMETHEUS_URL})",
    )
    p.add_argument(
        "--for-import",
        action="store_true",
        help="write the dashboards for Grafana's Import (grafana.com format: __inputs asks "
        "for the Prometheus data source) instead of for provisioning",
    )
    p.set_defaults(func=run_dashboards)

    lint = sub.add_parser(
        "lint",
        help="check that rules and dashboards only query series that exist",
        description="Compile each spec's rules and dashboards in memory and check that every "
        "query parses as PromQL and selects only series the instrumentation emits, the rules "
        "record, or the spec's custom SLIs name, with labels those series carry.",
    )
    common.add_specs(lint, "spec files to check")
    # --prometheus URL: also check, in that Prometheus, that every histogram a latency SLI names
    # has the bucket its threshold reads (le=THRESHOLD); exit 3 when it cannot be read.
    connect.add_options(lint, required=False)
    lint.set_defaults(func=run_lint)


def render_dashboards(specs: list[Any], for_import: bool = False) -> dict[str, str]:
    return {
        name: dump_json(prov.for_import(data) if for_import else data)
        for spec in specs
        for name, data in dashboard_files(spec).items()
    }


def render_provisioning(specs: list[Any], dashboards_path: str, url: str) -> dict[str, str]:
    return {
        prov.PROVIDER_FILE: dump_yaml(prov.provider(dashboards_path)),
        prov.DATASOURCE_FILE: dump_yaml(prov.datasource(specs, url)),
    }


def run_dashboards(args: argparse.Namespace) -> int:
    specs = common.load(args.specs)
    dashboards = render_dashboards(specs, args.for_import)
    provisioning = (
        render_provisioning(specs, args.dashboards_path, args.prometheus_url)
        if args.provisioning
        else {}
    )
    for path in write_files(args.output, dashboards):
        print(f"wrote {path}")
    if provisioning:
        for path in write_files(args.provisioning, provisioning):
            print(f"wrote {path}")
    return EXIT_OK


def _live_findings(specs: list[Any], client: PrometheusClient | None) -> dict[str, list[Finding]]:
    """Findings from the live Prometheus (`--prometheus`), per service; none without it."""
    if client is None:
        return {}
    from adk_observe.checks.live_buckets import check_buckets

    at = time.time()
    return {spec.name: check_buckets(spec, client, at) for spec in specs}


def run_lint(args: argparse.Namespace) -> int:
    failed = False
    # The connection options are checked before a spec is read (a bad one is exit 2 alone).
    client = connect.optional_client(args)
    specs = common.load(args.specs)
    try:
        live = _live_findings(specs, client)
    except PrometheusUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    for spec in specs:
        findings = lint_service(spec, compile_service(spec), dashboard_files(spec))
        findings += live.get(spec.name, [])
        for finding in findings:
            print(f"{spec.source.file}: {finding}", file=sys.stderr)
        failed = failed or bool(findings)
        status = f"{len(findings)} problem(s)" if findings else "ok"
        print(f"{spec.name}: {status}")
    return EXIT_FAILED if failed else EXIT_OK
