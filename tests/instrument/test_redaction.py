"""A corpus of secret-bearing log calls never shows the secret in the output."""

from __future__ import annotations

import logging

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from instrument_support import Telemetry

from adk_observe.instrument.redaction import REDACTED, redact_text

OPENAI_KEY = "sk-proj-Abc123Def456Ghi789Jkl012Mno345"
GOOGLE_KEY = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
SLACK_TOKEN = "xoxb-123456789012-abcdefghijkl"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
BEARER = "h7Fk2LmQ9pRt5VxZ1"
PASSWORD = "Tr0ub4dor&3horse"
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"

# (secret, how it is logged)
CORPUS: list[tuple[str, tuple[str, tuple[object, ...], dict[str, object]]]] = [
    (OPENAI_KEY, ("calling openai with %s", (OPENAI_KEY,), {})),
    (GOOGLE_KEY, ("gemini key=%s", (GOOGLE_KEY,), {})),
    (AWS_KEY, ("aws creds %s loaded", (AWS_KEY,), {})),
    (GITHUB_TOKEN, ("cloning with %s", (GITHUB_TOKEN,), {})),
    (SLACK_TOKEN, ("posting via %s", (SLACK_TOKEN,), {})),
    (JWT, ("session %s", (JWT,), {})),
    (BEARER, ("headers: Authorization: Bearer %s", (BEARER,), {})),
    (BEARER, ("got token=%s from vault", (BEARER,), {})),
    (PASSWORD, ("login user=bob password=%s", (PASSWORD,), {})),
    (PASSWORD, ('config {"db_password": "%s"}', (PASSWORD,), {})),
    (PASSWORD, ("connecting to postgres://bob:%s@db:5432/app", (PASSWORD,), {})),
    (PASSWORD, ("user login", (), {"password": PASSWORD})),
    (BEARER, ("outgoing request", (), {"headers": {"Authorization": f"Bearer {BEARER}"}})),
    (BEARER, ("tool args", (), {"tool_args": {"api_key": BEARER, "city": "Paris"}})),
    (OPENAI_KEY, ("nested", (), {"cfg": [{"llm": {"key": OPENAI_KEY}}]})),
    (PRIVATE_KEY.splitlines()[1], ("loaded %s", (PRIVATE_KEY,), {})),
    (PASSWORD, ("secret: %s", (PASSWORD,), {})),
    (BEARER, ("x-api-key=%s", (BEARER,), {})),
]


@pytest.mark.parametrize(("secret", "call"), CORPUS, ids=[c[1][0][:30] for c in CORPUS])
def test_the_secret_never_reaches_the_output(
    telemetry: Telemetry, secret: str, call: tuple[str, tuple[object, ...], dict[str, object]]
) -> None:
    message, args, extra = call
    logging.getLogger("adk_observe.agent").warning(message, *args, extra=extra)
    output = telemetry.logs.getvalue()
    assert output.strip(), "nothing was logged"
    assert secret not in output
    assert secret.replace("/", "\\/") not in output
    assert REDACTED in output


def test_exception_text_is_redacted(telemetry: Telemetry) -> None:
    try:
        raise ValueError(f"bad credentials password={PASSWORD}")
    except ValueError:
        logging.getLogger("adk_observe.agent").exception("login failed")
    assert PASSWORD not in telemetry.logs.getvalue()


def test_ordinary_text_is_left_alone() -> None:
    for text in ("input_tokens=120 output_tokens=30", "tool lookup_stock returned 7 items",
                 "https://example.com/path?q=1", "the keyboard is fine"):
        assert redact_text(text) == text


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(
    body=st.text(alphabet=_ALNUM, min_size=36, max_size=48),  # real key lengths: 35-40+
    before=_TEXT,
    after=_TEXT,
    shape=st.sampled_from(["sk-{}", "sk-proj-{}", "AIza{}", "ghp_{}", "Bearer {}",
                           "password={}", "api_key: {}", '"token": "{}"']),
)
def test_generated_secrets_never_survive_redaction(
    body: str, before: str, after: str, shape: str
) -> None:
    assume(body not in before + after)
    secret = shape.format(body)
    assert body not in redact_text(f"{before} {secret} {after}")
