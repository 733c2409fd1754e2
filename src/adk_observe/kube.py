"""Kubernetes' own syntax rules (apimachinery validation) for what we put on objects, so a
rendered object is never refused by the API server for a label."""

from __future__ import annotations

import re

DNS_SUBDOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
# A label value: at most 63 alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric, or
# empty. A label key: an optional DNS-subdomain prefix and `/`, then a non-empty such name.
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")
LABEL_VALUE_RULE = (
    "at most 63 letters, digits, -, _ or ., starting and ending with a letter or digit"
)


def label_key_ok(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    return (
        bool(name)
        and bool(LABEL_VALUE.fullmatch(name))
        and (not prefix or bool(DNS_SUBDOMAIN.fullmatch(prefix)))
    )


def label_value_ok(value: str) -> bool:
    return bool(LABEL_VALUE.fullmatch(value))
