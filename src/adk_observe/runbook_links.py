"""Runbook files and the URLs that alerts link to them by.

`adk-observe runbooks` writes one Markdown file per alert into `DIR/<service>/`, named here; the
rules put `<runbook base URL>/<file>` in each alert's `runbook_url` (or the SLO's own
`alerting.runbook_url`). One module names both sides, so a link never points at a file that is
not written. The base URL is the spec's `runbook_base_url`; the CLI fills it for specs without
one (`--runbook-base-url`, else a `file://` URL of `./runbooks/<service>`), so generated alerts
never carry a relative link.
"""

from __future__ import annotations

import re

from adk_observe.model import SLO, ServiceSpec

SUFFIX = ".md"
KIND_BURN = "budget-burn"
KIND_EXHAUSTED = "budget-exhausted"
KIND_NO_DATA = "no-data"
SLO_KINDS = (KIND_BURN, KIND_EXHAUSTED, KIND_NO_DATA)
# Where the CLI's default runbook folder is, below the current directory.
DEFAULT_FOLDER = "runbooks"

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def slo_file(slo: str, kind: str) -> str:
    """`slo-<slo>-budget-burn.md` (every tier), `...-budget-exhausted.md`, `...-no-data.md`."""
    return f"slo-{slo}-{kind}{SUFFIX}"


def budget_file(budget: str) -> str:
    return f"budget-{budget}-spend-burn{SUFFIX}"


def alert_file(alertname: str) -> str:
    """`ADKAgentMCPCallFailures` -> `adk-agent-mcp-call-failures.md` (the agent pack)."""
    return "-".join(word.lower() for word in _WORD.findall(alertname)) + SUFFIX


def url(spec: ServiceSpec, file: str) -> str:
    """`<runbook_base_url>/<file>`; "" when the spec has no base (the CLI always sets one)."""
    base = spec.runbook_base_url.rstrip("/")
    return f"{base}/{file}" if base else ""


def slo_url(spec: ServiceSpec, slo: SLO, kind: str) -> str:
    """The SLO's own `alerting.runbook_url` for every alert of it, else its generated runbook."""
    return slo.alerting.runbook_url or url(spec, slo_file(slo.name, kind))
