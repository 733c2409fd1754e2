"""Sloth names beyond a DNS label (`My_Service.v2`, `requests.availability`, alert names with `-`
and `.`) go through every output and load in the real tool: rule files of every target and the
PrometheusRule in promtool, dashboards against the strict schema with Grafana-valid uids, both
Alertmanager formats (amtool; the AlertmanagerConfig schema), runbooks, lint and validate.
Where an identifier is narrower than the name (identifiers.py), it is the derived form."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from tests.alerting.conftest import amtool
from tests.alerting.test_config import amtool_run
from tests.alerting.test_operator import _validate as validate_alertmanager_config
from tests.dashboards.conftest import dashboard_schema
from tests.rules.support import run_promtool

from adk_observe import kube
from adk_observe.cli import main
from adk_observe.rules.engines import check_mimir, check_thanos

__all__ = ["amtool", "dashboard_schema"]

CORPUS = Path(__file__).parent / "corpus"
ENGINE_CHECKS = {"thanos": check_thanos, "mimir": check_mimir}
GRAFANA_UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# file -> (service as written, its derived lowercase form)
NAMES = {
    "sloth-names": ("My_Service.v2", "my-service-v2"),
    "sloth-crd-names": ("CheckoutAPI_v1.2", "checkoutapi-v1-2"),
}


def _cli(*argv: str) -> None:
    assert main(list(argv)) == 0, argv


def _check_rules(promtool: str, *files: Path) -> None:
    result = run_promtool(promtool, "check", "rules", *map(str, files))
    assert result.returncode == 0, result.stdout + result.stderr


def _rule_files(promtool: str, spec: Path, out: Path, service: str) -> None:
    for target in ("prometheus", "thanos", "mimir"):
        folder = out / target
        _cli("compile-rules", str(spec), "-o", str(folder), "--target", target, "--emit-tests")
        # promtool 2.42 loads the Prometheus form; the engine's own file is checked offline
        # against its documented limits (its tools do not install here).
        _check_rules(promtool, folder / f"{service}.rules.yaml")
        if target != "prometheus":
            engine = yaml.safe_load((folder / f"{service}.{target}.rules.yaml").read_text())
            assert ENGINE_CHECKS[target](engine) == []
        # Sloth SLIs are custom PromQL: no series to synthesise, so no tests (said as a note).
        assert not list(folder.glob("*test.yaml"))


def _operator(promtool: str, spec: Path, out: Path, service: str) -> str:
    _cli("compile-rules", str(spec), "-o", str(out / "op"), "--format", "operator")
    rule = yaml.safe_load((out / "op" / f"{service}.prometheusrule.yaml").read_text())
    assert kube.DNS_SUBDOMAIN.fullmatch(rule["metadata"]["name"])
    assert all(kube.label_value_ok(v) for v in rule["metadata"]["labels"].values())
    plain = out / "op" / "spec.rules.yaml"
    plain.write_text(yaml.safe_dump(rule["spec"]))
    _check_rules(promtool, plain)
    rules = [r for g in rule["spec"]["groups"] for r in g["rules"]]
    assert {r["labels"]["sloth_service"] for r in rules if "labels" in r} == {service}
    name: str = rule["metadata"]["name"]
    return name


def _dashboards(spec: Path, out: Path, schema: dict[str, Any]) -> set[str]:
    _cli("dashboards", str(spec), "-o", str(out / "dash"))
    uids = set()
    for path in sorted((out / "dash").glob("*.json")):
        board = json.loads(path.read_text())
        jsonschema.validate(board, schema)
        assert GRAFANA_UID.fullmatch(board["uid"]), board["uid"]
        assert path.name == f"{board['uid']}.json"
        uids.add(board["uid"])
    return uids


def _alertmanager(amtool: str, spec: Path, out: Path, service: str) -> str:
    _cli("alertmanager", str(spec), "-o", str(out / "am"))
    amtool_run(amtool, "check-config", str(out / "am" / "alertmanager.yml"))
    _cli("alertmanager", str(spec), "-o", str(out / "amop"), "--format", "operator")
    config = yaml.safe_load((out / "amop" / f"{service}.alertmanagerconfig.yaml").read_text())
    validate_alertmanager_config(config)
    assert kube.DNS_SUBDOMAIN.fullmatch(config["metadata"]["name"])
    name: str = config["metadata"]["name"]
    return name


def every_output(
    tools: tuple[str, str], schema: dict[str, Any], spec: Path, out: Path, service: str
) -> tuple[str, str, set[str]]:
    """Every output of the one service of `spec`, each loaded or checked by the real tool (or
    schema); returns the PrometheusRule's and the AlertmanagerConfig's names and the uids."""
    promtool, amtool = tools
    _rule_files(promtool, spec, out, service)
    rule = _operator(promtool, spec, out, service)
    uids = _dashboards(spec, out, schema)
    config = _alertmanager(amtool, spec, out, service)
    _cli("runbooks", str(spec), "-o", str(out / "rb"))
    assert sorted(p.name for p in (out / "rb").iterdir()) == [service]
    _cli("lint", str(spec))
    _cli("validate", str(spec))
    return rule, config, uids


@pytest.mark.parametrize("name", sorted(NAMES))
def test_sloth_names_pass_through_every_output_and_load_in_the_real_tools(
    promtool: str,
    amtool: str,
    dashboard_schema: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    spec = CORPUS / f"{name}.yaml"
    service, derived = NAMES[name]
    names = every_output((promtool, amtool), dashboard_schema, spec, tmp_path, service)
    assert names == (f"{derived}-slos", derived, {f"{derived}-overview", f"{derived}-slos"})
    assert "Traceback" not in capsys.readouterr().err
