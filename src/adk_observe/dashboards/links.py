"""Links inside Grafana: dashboard links (each other, the runbook) and panel links.

URLs are relative (`/d/<uid>`) so they work behind any Grafana base URL; Grafana fills
`${__url_time_range}` and `${datasource:queryparam}` with the current range and data source.
"""

from __future__ import annotations

from adk_observe import runbook_links as rb
from adk_observe.dashboards.panels import Link
from adk_observe.dashboards.queries import DATASOURCE_VARIABLE, SLO_VARIABLE
from adk_observe.links import dashboard_path, overview_uid, slos_uid
from adk_observe.model import ServiceSpec

OVERVIEW_TITLE = "Agent overview"
SLOS_TITLE = "SLOs"
RUNBOOK_TITLE = "Runbook"
CONTEXT = ("${__url_time_range}", f"${{{DATASOURCE_VARIABLE}:queryparam}}")

path = dashboard_path


def with_context(url: str) -> str:
    """`url` plus the current time range and data source."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{'&'.join(CONTEXT)}"


def overview_panel(title: str, spec: ServiceSpec, ids: dict[str, int], key: str) -> Link:
    url = with_context(path(overview_uid(spec), ("viewPanel", str(ids[key]))))
    return Link(f"{OVERVIEW_TITLE}: {title}", url)


def slo_runbook(spec: ServiceSpec) -> tuple[Link, ...]:
    """The picked SLO's burn-rate runbook, `<runbook_base_url>/slo-${slo}-budget-burn.md`
    (Grafana fills `$slo`), when every SLO's alerts use the generated runbooks; nothing when
    one SLO sets its own runbook_url."""
    if not spec.runbook_base_url or any(s.alerting.runbook_url for s in spec.slos):
        return ()
    url = rb.url(spec, rb.slo_file(f"${{{SLO_VARIABLE}}}", rb.KIND_BURN))
    return (Link(f"{RUNBOOK_TITLE}: ${{{SLO_VARIABLE}}}", url, "What to do", new_tab=True),)


def dashboard_links(spec: ServiceSpec, other: str) -> tuple[Link, ...]:
    """The other dashboard of the service (same range) and the runbook when the spec has one."""
    uid = overview_uid(spec) if other == OVERVIEW_TITLE else slos_uid(spec)
    links = [Link(other, path(uid), f"{spec.name}: {other}", keep_time=True)]
    if spec.runbook_base_url:
        links.append(Link(RUNBOOK_TITLE, spec.runbook_base_url, "What to do", new_tab=True))
    return tuple(links)
