"""A corpus of secrets, and text that carries all of them, for the leak tests (logs and spans).

Each entry is (the part that must never be seen, how it appears in text). For shapes where the
secret is only part of the text (a password in a URL, a token after "Bearer"), the first item is
that part alone.
"""

from __future__ import annotations

import re

OPENAI_KEY = "sk-proj-Abc123Def456Ghi789Jkl012Mno345"
GOOGLE_KEY = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
BEARER_TOKEN = "h7Fk2LmQ9pRt5VxZ1"
BASIC_AUTH_PASSWORD = "S3cr3tPa55w0rd"
PASSWORD = "Tr0ub4dor&3horse"
SPACED_PASSWORD = "correct horse battery staple"
PRIVATE_KEY_BODY = "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw"

CORPUS: tuple[tuple[str, str], ...] = (
    (OPENAI_KEY, f"openai rejected key {OPENAI_KEY}"),
    (GOOGLE_KEY, f"gemini key={GOOGLE_KEY}"),
    (AWS_KEY, f"aws credentials {AWS_KEY} expired"),
    (GITHUB_TOKEN, f"cloning with {GITHUB_TOKEN}"),
    (BEARER_TOKEN, f"Authorization: Bearer {BEARER_TOKEN}"),
    (BASIC_AUTH_PASSWORD, f"GET https://admin:{BASIC_AUTH_PASSWORD}@internal.example.com/v1"),
    (PASSWORD, f"login user=bob password={PASSWORD}"),
    (SPACED_PASSWORD, f'{{"db_password": "{SPACED_PASSWORD}"}}'),
    (
        PRIVATE_KEY_BODY,
        "-----BEGIN RSA PRIVATE KEY-----\n"
        f"{PRIVATE_KEY_BODY}\n"
        "-----END RSA PRIVATE KEY-----",
    ),
)
SECRETS = tuple(secret for secret, _ in CORPUS)
# One message that carries every secret of the corpus (an exception's text, say).
EVERYTHING = "; ".join(text for _, text in CORPUS)


def leaked(output: str) -> list[str]:
    """The secrets of the corpus found in `output`, whole or in part: any piece of one between
    separators (`&`, spaces) that is 6 characters or longer counts as a leak."""
    found = []
    for secret in SECRETS:
        pieces = [p for p in re.split(r"[&\s]", secret) if len(p) >= 6]
        if any(piece in output for piece in [secret, *pieces]):
            found.append(secret)
    return found
