"""Hostile `spec.deploy.remote_write` (docs/fleet.md): URLs that are not http(s), that carry
credentials or a fragment; cluster names, tenants, Secret names and keys that would not be one
label value, one header or one Kubernetes name; a credential written into the spec; remote write
without spec.clusters. Each is, for every command that reads specs, one located line, exit 2,
nothing on stdout, no output folder, and never the credential it held."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.hostile.located import assert_one_located_error
from tests.hostile.test_corpus import run

from adk_observe.render import dump_yaml

ROOT = Path(__file__).resolve().parents[2]
BASE: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "fleet-agent.yaml").read_text())
WHERE = "spec.deploy.remote_write"
SECRET = "s3cr3t-Pa55"


def _with(change: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    rw = spec["spec"]["deploy"]["remote_write"]
    rw.update(change)
    for key in drop:
        rw.pop(key, None)
    return spec


def _creds(**change: Any) -> dict[str, Any]:
    return {"credentials": {**BASE["spec"]["deploy"]["remote_write"]["credentials"], **change}}


def _cases() -> list[tuple[str, dict[str, Any], str, str]]:
    cases: list[tuple[str, dict[str, Any], str, str]] = []
    for url in ("ftp://mimir.example.com/push", "javascript:alert(1)", "mimir.example.com",
                "https://", "https:///push", " https://mimir.example.com/push",
                "https://mimir.example.com/push\n", "https://mimir.example.com/push#x",
                f"https://tenant:{SECRET}@mimir.example.com/push",
                f"https://{SECRET}@mimir.example.com/push"):
        cases.append((f"url-{url[:14]!r}", _with({"url": url}), f"{WHERE}.url", ""))
    cases.append(("credentials-over-http", _with({"url": "http://mimir.example.com/push"}),
                  f"{WHERE}.url", "sent over https only"))
    for value in (1, True, None, ["https://x.example.com"], {"a": 1}):
        cases.append((f"url-type-{type(value).__name__}", _with({"url": value}),
                      f"{WHERE}.url", ""))
    for cluster in ("", "-eu", "eu-", "eu 1", 'eu"1', "eu{1}", "{{ $value }}", "x" * 64, "eü",
                    1, True, None):
        cases.append((f"cluster-{str(cluster)[:10]!r}", _with({"cluster": cluster}),
                      f"{WHERE}.cluster", ""))
    for tenant in ("a|b", ".", "..", "x" * 151, "team a", "tëam", "", "a\nb", 7):
        cases.append((f"tenant-{str(tenant)[:10]!r}", _with({"tenant": tenant}),
                      f"{WHERE}.tenant", ""))
    for secret in ("UPPER", "a/b", "../x", "", "-x", "x" * 254, 1):
        cases.append((f"secret-{str(secret)[:10]!r}", _with(_creds(secret=secret)),
                      f"{WHERE}.credentials.secret", ""))
    for key in ("a b", "../k", "", "k/y", "x" * 254):
        cases.append((f"key-{key[:8]!r}", _with(_creds(password_key=key)),
                      f"{WHERE}.credentials.password_key", ""))
    cases.append(("auth-type", _with(_creds(type="digest")), f"{WHERE}.credentials.type", ""))
    # A credential is never written into the spec: there is no field for one.
    cases.append(("inline-password", _with(_creds(password=SECRET)),
                  f"{WHERE}.credentials.password", ""))
    cases.append(("inline-token", _with({"bearer_token": SECRET}), f"{WHERE}.bearer_token", ""))
    cases.append(("no-url", _with({}, drop=("url",)), f"{WHERE}.url", ""))
    cases.append(("no-cluster", _with({}, drop=("cluster",)), f"{WHERE}.cluster", ""))
    flat = copy.deepcopy(BASE)
    del flat["spec"]["clusters"]
    flat["spec"]["slos"] = flat["spec"]["slos"][:2]
    cases.append(("without-clusters", flat, WHERE, "remote_write needs spec.clusters"))
    return cases


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_remote_write_is_one_located_error(
    case: tuple[str, dict[str, Any], str, str], tmp_path: Path
) -> None:
    _, spec, path, message = case
    assert_one_located_error(spec, tmp_path, path, message, secret=SECRET)


def test_the_accepted_extremes_render(tmp_path: Path) -> None:
    spec = _with({"url": "https://mimir.example.com:8443/api/v1/push?x=1", "cluster": "E" * 63,
                  "tenant": "t" * 150, **_creds(secret="a." * 120 + "b", type="bearer",
                                                 token_key="tok-en.1_x")})
    file = tmp_path / "spec.yaml"
    file.write_text(dump_yaml(spec, with_header=False))
    code, _, stderr = run("render-deploy", str(file), "-o", str(tmp_path / "out"))
    assert code == 0, stderr
    agent = yaml.safe_load((tmp_path / "out" / "concierge-agent" / "prometheusagent.yaml")
                           .read_text())
    assert agent["spec"]["externalLabels"] == {"cluster": "E" * 63}
    assert agent["spec"]["remoteWrite"][0]["headers"] == {"X-Scope-OrgID": "t" * 150}
