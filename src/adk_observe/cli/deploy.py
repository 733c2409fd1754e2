"""`adk-observe render-deploy` and `adk-observe check-deploy`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from adk_observe.cli import common
from adk_observe.cli.exits import EXIT_FAILED, EXIT_OK
from adk_observe.errors import one_line
from adk_observe.render import dump_yaml, write_files
from adk_observe.render.write import generated_leftovers


def register(sub: Any) -> None:
    p = sub.add_parser(
        "render-deploy",
        help="render the hardened Kubernetes deploy (kustomize folder) of each service",
        description="Write DIR/<service>/ with kustomization.yaml and one file per object: "
        "Namespace, ServiceAccount, ConfigMap, Services, Deployment or Argo Rollout, HPA, PDB, "
        "NetworkPolicies, Ingress or HTTPRoute, ServiceMonitor and PrometheusRule.",
    )
    common.add_specs(p, "adk-observe/v1 spec with spec.deploy")
    common.add_output(p)
    common.add_runbook_base(p)  # the PrometheusRule's alerts link to their runbooks
    p.add_argument(
        "--grafana-dashboards",
        choices=["sidecar", "operator"],
        help="also render the dashboards: ConfigMaps labelled grafana_dashboard=1 for the "
        "kube-prometheus-stack Grafana sidecar, or ConfigMaps plus grafana-operator "
        "GrafanaDashboard resources and a GrafanaDatasource",
    )
    p.set_defaults(func=run_render)

    c = sub.add_parser(
        "check-deploy",
        help="run the deploy gates (schemas, Pod Security restricted, checkov) over a folder",
        description="Check every kustomize folder under DIR: strict Kubernetes schemas "
        "(1.29-1.35), custom-resource schemas, Pod Security Standards restricted, explicit "
        "namespaces and checkov. Exit 0 when every gate passes, 1 otherwise.",
    )
    c.add_argument("dir", metavar="DIR", nargs="?", help="folder written by render-deploy")
    c.add_argument(
        "--crd-schemas",
        metavar="DIR",
        help="a folder of CR schemas (<group>/<kind>_<version>.json) that adds to or overrides "
        "the ones inside the package (also $ADK_OBSERVE_CRD_SCHEMAS)",
    )
    c.add_argument(
        "--list-schemas",
        action="store_true",
        help="list every CR schema the gate uses (file, upstream version, layer, source)",
    )
    c.add_argument(
        "--checkov",
        metavar="PATH",
        help="checkov executable (default: $ADK_OBSERVE_CHECKOV, then checkov on PATH)",
    )
    c.add_argument("--no-checkov", action="store_true", help="skip the checkov gate")
    c.set_defaults(func=run_check)


def run_render(args: argparse.Namespace) -> int:
    from adk_observe.deploy.kustomize import KUSTOMIZATION
    from adk_observe.deploy.kustomize import files as kustomize_files

    specs = common.with_runbooks(common.load(args.specs), args.runbook_base_url)
    files: dict[str, str] = {}
    stale: list[str] = []
    for spec in specs:  # serialise everything before writing anything
        extra = _dashboards(spec, args.grafana_dashboards)
        rendered = kustomize_files(spec, extra)
        for rel, obj in rendered.items():
            files[f"{spec.name}/{rel}"] = dump_yaml(obj, source=spec.source.file)
        # A strategy change (canary -> rolling) must not leave the old Rollout behind for
        # kustomize or a `kubectl apply -f` of the folder to pick up.
        folder = Path(args.output) / spec.name
        stale += [f"{spec.name}/{n}" for n in generated_leftovers(folder, KUSTOMIZATION, rendered)]
    written = write_files(args.output, files, remove=stale)
    for rel in stale:
        print(f"removed {Path(args.output) / rel} (written by an earlier render-deploy)")
    for spec in specs:
        count = sum(1 for rel in files if rel.startswith(f"{spec.name}/"))
        print(f"{spec.name}: {count} files in {Path(args.output) / spec.name}")
    print(f"wrote {len(written)} files")
    return EXIT_OK


def _dashboards(spec: Any, delivery: str | None) -> list[dict[str, Any]]:
    if delivery is None:
        return []
    from adk_observe.cli.dashboards import render_dashboards
    from adk_observe.deploy.grafana import DashboardDelivery, dashboard_objects
    from adk_observe.deploy.kustomize import deploy_config

    files = render_dashboards([spec])
    return dashboard_objects(spec, deploy_config(spec), files, DashboardDelivery(delivery))


def run_check(args: argparse.Namespace) -> int:
    from adk_observe.checks import deploy_gates as gates
    from adk_observe.checks.crd_schemas import schema_set

    if args.crd_schemas is not None and not Path(args.crd_schemas).is_dir():
        raise gates.DeployCheckError(f"--crd-schemas {args.crd_schemas!r} is not a directory")
    schemas = schema_set(args.crd_schemas)
    if args.list_schemas:
        for file in sorted(schemas.files.values(), key=lambda f: f.rel):
            print(f"{file.rel}  {file.upstream or '-'}  [{file.origin}]  {file.source or '-'}")
        return EXIT_OK
    if args.dir is None:
        raise gates.DeployCheckError("check-deploy needs DIR (the folder render-deploy wrote)")
    gates.require_validators()
    root = Path(args.dir)
    folders = gates.folders(root)
    for folder in folders:  # bad manifests are bad input (exit 2) before any gate runs
        gates.load_folder(folder)
        gates.parse_all(folder)
    checkov: dict[str, list[str]] | None = None
    if not args.no_checkov:
        binary = gates.checkov_binary(args.checkov)
        if binary is None:
            raise gates.DeployCheckError(gates.CHECKOV_HINT)
        checkov = gates.run_checkov(binary, folders)
    # Every gate runs before the first line is printed: a schema that cannot be read is bad
    # input (exit 2) with nothing else on stdout.
    results = {folder: gates.check_folder(folder, schemas, checkov) for folder in folders}
    ok = True
    for folder in folders:
        print(f"== {folder}")
        for result in results[folder]:
            status = "PASS" if result.passed else "FAIL"
            if result.note:
                status = "SKIP"
            counted = f" ({result.checked} checked)" if result.checked else ""
            print(f"  {status}  {result.name}{counted}{' - ' + result.note if result.note else ''}")
            for failure in result.failures:  # validators quote objects: keep each one line
                print(f"        {one_line(failure)}")
            ok = ok and result.passed
    print("all gates passed" if ok else "some gates FAILED")
    return EXIT_OK if ok else EXIT_FAILED
