"""`adk-observe alertmanager --format operator`: one AlertmanagerConfig
(monitoring.coreos.com/v1alpha1) per service, valid against the schema the package ships."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from tests.alerting.conftest import EXAMPLES
from tests.alerting.test_config import NOTIFY, run

from adk_observe.alerting.config import alertmanager_config
from adk_observe.alerting.operator import alertmanager_config_cr
from adk_observe.loader.load import load_file

SCHEMA = "schemas/crds/monitoring.coreos.com/alertmanagerconfig_v1alpha1.json"
UTC_SHOP = NOTIFY.replace("location: Europe/Berlin", "location: UTC")


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((resources.files("adk_observe") / SCHEMA).read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return schema


def _validate(doc: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(_schema()).validate(doc)


def test_an_alertmanagerconfig_for_every_example_validates_against_its_schema(
    tmp_path: Path,
) -> None:
    code, _, err = run(
        "alertmanager", *map(str, EXAMPLES), "-o", str(tmp_path), "--format", "operator"
    )
    assert code == 0, err
    files = sorted(tmp_path.glob("*.alertmanagerconfig.yaml"))
    assert len(files) == len(EXAMPLES)
    for path in files:
        doc = yaml.safe_load(path.read_text())
        _validate(doc)
        assert (doc["apiVersion"], doc["kind"]) == (
            "monitoring.coreos.com/v1alpha1",
            "AlertmanagerConfig",
        )


def test_every_integration_and_window_validates_and_says_what_the_plain_file_says(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(UTC_SHOP)
    (spec,) = load_file(path)
    cr, plain = alertmanager_config_cr(spec), alertmanager_config([spec])
    _validate(cr)
    receivers = {r["name"]: sorted(k for k in r if k != "name") for r in cr["spec"]["receivers"]}
    assert receivers == {
        "shop-page": ["pagerdutyConfigs"],
        "shop-ticket": ["emailConfigs", "opsgenieConfigs", "slackConfigs", "webhookConfigs"],
    }
    # Secrets are references to the Secret the Operator mounts at the file's path.
    ticket = cr["spec"]["receivers"][1]
    assert ticket["slackConfigs"][0]["apiURL"] == {"name": "slack", "key": "url"}
    assert ticket["emailConfigs"][0]["authPassword"] == {"name": "smtp", "key": "pw"}
    assert len(cr["spec"]["inhibitRules"]) == len(plain["inhibit_rules"])
    assert cr["spec"]["muteTimeIntervals"] == [
        {
            "name": "shop-release",
            "timeIntervals": [
                {
                    "times": [{"startTime": "20:00", "endTime": "21:00"}],
                    "weekdays": ["monday:friday"],
                }
            ],
        }
    ]


def test_the_schema_refuses_a_misspelled_or_mistyped_field() -> None:
    path_doc = {
        "apiVersion": "monitoring.coreos.com/v1alpha1",
        "kind": "AlertmanagerConfig",
        "metadata": {"name": "x"},
        "spec": {"route": {"receiver": "r", "groupWiat": "30s"}},
    }
    with pytest.raises(jsonschema.ValidationError, match="groupWiat"):
        _validate(path_doc)
    path_doc["spec"] = {"inhibitRules": [{"sourceMatch": [{"name": "a", "matchType": "=="}]}]}
    with pytest.raises(jsonschema.ValidationError, match="'=='"):
        _validate(path_doc)


def test_a_window_outside_utc_cannot_be_an_operator_interval(tmp_path: Path) -> None:
    """v1alpha1 time intervals have no location: a Berlin window would mute at UTC hours."""
    path = tmp_path / "shop.yaml"
    path.write_text(NOTIFY)
    code, out, err = run(
        "alertmanager", str(path), "-o", str(tmp_path / "o"), "--format", "operator"
    )
    assert (code, out) == (2, "")
    assert err == (
        f"error: {path}:18: spec.maintenance[0].location: maintenance window 'release' is in "
        "Europe/Berlin: the AlertmanagerConfig CR (v1alpha1) has no time zone for its "
        "intervals, only UTC; give this window location: UTC (its times converted), or use the "
        "plain configuration (--format alertmanager)\n"
    )
    assert not (tmp_path / "o").exists()


def test_a_secret_outside_the_operators_mounts_has_no_secret_to_reference(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(UTC_SHOP.replace("/etc/alertmanager/secrets/og/key", "/run/og-key"))
    code, _, err = run("alertmanager", str(path), "-o", str(tmp_path / "o"), "--format", "operator")
    assert (code, err) == (
        2,
        f"error: {path}:13: spec.notify.ticket[1].opsgenie.api_key_file: the AlertmanagerConfig "
        "CR reads secrets from Kubernetes Secrets, which the Operator mounts at "
        "/etc/alertmanager/secrets/<secret>/<key>: put the file there (got '/run/og-key')\n",
    )
    # The plain configuration reads any absolute file.
    code, _, err = run("alertmanager", str(path), "-o", str(tmp_path / "plain"))
    assert code == 0, err
