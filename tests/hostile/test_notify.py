"""Hostile `spec.notify`: inline secrets, paths that escape or hide, texts Alertmanager would
expand as templates, URLs with credentials or other schemes, receivers of two kinds.

Each case plants one hostile value in a valid spec (generated below, one list per field kind)
and must give, for every command that reads specs (the new `alertmanager` and `runbooks` too),
exit 2 and exactly one `error: FILE:LINE: KEY.PATH: reason` line, nothing on stdout and no
output folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.hostile.located import assert_located_at
from tests.hostile.test_corpus import run

BASE = """apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: shop}
spec:
  slos:
    - {name: ok, objective: 99, sli: {builtin: success}}
  notify:
    page:
      - RECEIVER
"""
LINE = 9  # the receiver's line

GOOD = {
    "pagerduty": {"routing_key_file": "/etc/am/pd"},
    "slack": {"api_url_file": "/etc/am/slack", "channel": "'#shop'"},
    "opsgenie": {"api_key_file": "/etc/am/og"},
    "email": {"to": "a@example.com", "from": "b@example.com", "smarthost": "smtp.example.com:25"},
    "webhook": {"url": "https://hooks.example.com/x"},
}


def _receiver(kind: str, **fields: str) -> str:
    body = {**GOOD[kind], **fields}
    return f"{{{kind}: {{{', '.join(f'{k}: {v}' for k, v in body.items())}}}}}"


# (case id, receiver text, key path under spec.notify.page[0], a phrase of the reason)
Case = tuple[str, str, str, str]


def _inline_secrets() -> list[Case]:
    fields = [
        ("pagerduty", "routing_key", "routing_key_file"),
        ("pagerduty", "service_key", "routing_key_file"),
        ("slack", "api_url", "api_url_file"),
        ("opsgenie", "api_key", "api_key_file"),
        ("email", "auth_password", "auth_password_file"),
        ("email", "auth_secret", "auth_password_file"),
    ]
    return [
        (
            f"inline-{key}",
            _receiver(kind, **{key: "s3cr3t-t0ken"}),
            kind,
            f"{key}: secrets are never written in the spec: put it in a file and give {instead}",
        )
        for kind, key, instead in fields
    ]


def _paths() -> list[Case]:
    hostile = {
        "relative": "etc/key",
        "dotdot": "/etc/../root/key",
        "dot": "/etc/./key",
        "folder": "/etc/am/",
        "control": '"/etc/\\x1b[31mkey"',
        "newline": '"/etc/key\\nx"',
        "huge": "/" + "a" * 1100,
    }
    fields = [
        ("pagerduty", "routing_key_file"),
        ("slack", "api_url_file"),
        ("opsgenie", "api_key_file"),
        ("webhook", "url_file"),
    ]
    out: list[Case] = []
    for kind, key in fields:
        for name, value in hostile.items():
            extra = {"url": "null"} if kind == "webhook" else {}
            out.append(
                (
                    f"{kind}-{key}-{name}",
                    _receiver(kind, **extra, **{key: value}),
                    f"{kind}.{key}",
                    "must be an absolute file path without . or .. segments",
                )
            )
    return out


def _texts() -> list[Case]:
    cases = {
        ("slack", "channel"): [
            "'#shop {{ .Status }}'",
            "'#a b'",
            "'#" + "x" * 90 + "'",
            '"#a\\nb"',
        ],
        ("email", "to"): [
            "'{{ .Status }}@example.com'",
            '"a@example.com\\nBcc: c@evil.com"',
            "not-an-address",
        ],
        ("email", "smarthost"): [
            "smtp.example.com",
            "'smtp.example.com:0'",
            "'smtp.example.com:99999'",
            "'a b:25'",
        ],
    }
    reason = {
        "channel": "is not a Slack channel",
        "to": "is not an e-mail address",
        "smarthost": "must be host:port",
    }
    return [
        (f"{kind}-{key}-{i}", _receiver(kind, **{key: value}), f"{kind}.{key}", reason[key])
        for (kind, key), values in cases.items()
        for i, value in enumerate(values)
    ]


def _urls() -> list[Case]:
    out: list[Case] = []
    for kind, key in (("webhook", "url"), ("pagerduty", "url"), ("opsgenie", "api_url")):
        for i, value in enumerate(
            ["'javascript:alert(1)'", "'ftp://h/x'", "'http://h/{{ .x }}'", "'http:///nohost'"]
        ):
            out.append(
                (
                    f"{kind}-{key}-{i}",
                    _receiver(kind, **{key: value}),
                    f"{kind}.{key}",
                    "must be an http:// or https:// URL",
                )
            )
        out.append(
            (
                f"{kind}-{key}-credentials",
                _receiver(kind, **{key: "'https://u:pw@h/x'"}),
                f"{kind}.{key}",
                "holds credentials: put the whole URL in a file",
            )
        )
    return out


def _shapes() -> list[Case]:
    return [
        (
            "two-kinds",
            "{pagerduty: {routing_key_file: /a}, slack: {api_url_file: /b, channel: x}}",
            "",
            "set exactly one of pagerduty, slack, opsgenie, email or webhook",
        ),
        (
            "webhook-both",
            _receiver("webhook", url_file="/etc/am/hook"),
            "webhook",
            "set exactly one of url or url_file",
        ),
        (
            "email-user-only",
            _receiver("email", auth_username="am"),
            "email",
            "set both auth_username and auth_password_file, or neither",
        ),
    ]


CASES = _inline_secrets() + _paths() + _texts() + _urls() + _shapes()


def test_every_field_kind_has_cases() -> None:
    assert len(CASES) == 6 + 28 + 11 + 15 + 3  # a visible change when a case comes or goes


@pytest.mark.parametrize(("case", "receiver", "key", "reason"), CASES, ids=[c[0] for c in CASES])
def test_hostile_receiver_is_one_located_error_for_every_command(
    case: str, receiver: str, key: str, reason: str, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE.replace("RECEIVER", receiver), encoding="utf-8")
    path = "spec.notify.page[0]" + (f".{key}" if key else "")
    for stderr in assert_located_at(spec, LINE, path, reason):
        assert "s3cr3t" not in stderr  # an inline secret is never echoed back


def test_every_good_receiver_loads(tmp_path: Path) -> None:
    """The other side of the same limits: each kind, as the cases above start from."""
    for kind in GOOD:
        spec = tmp_path / f"{kind}.yaml"
        spec.write_text(BASE.replace("RECEIVER", _receiver(kind)), encoding="utf-8")
        code, _, err = run("alertmanager", str(spec), "-o", str(tmp_path / kind))
        assert (code, err) == (0, ""), kind
