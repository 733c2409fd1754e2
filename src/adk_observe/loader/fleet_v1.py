"""adk-observe/v1: the fleet sections, `spec.clusters` and `spec.deploy.remote_write`.

`clusters.label` is the external label each cluster's Prometheus adds on remote write
(e.g. `cluster="eu-1"`). Prometheus adds an external label only to series that do not carry
that label already, so it must not be a label the service's series have (the metric
catalogue's, the scrape target's) nor one the compiler sets.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from adk_observe import conventions as c
from adk_observe import deploy_model as d
from adk_observe import model as m
from adk_observe.errors import SpecError, quote
from adk_observe.loader.fields import LabelName, Strict
from adk_observe.yamlsource import Document, KeyPath, format_path

# A cluster's name: the external label's value, a dashboard variable's value, a file-safe word.
CLUSTER_NAME = r"^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$"
# Mimir/Cortex tenant IDs (docs "About tenant IDs"): at most 150 of these characters, not `.`
# or `..`; `|` would make it a federated query over several tenants.
TENANT = r"^[a-zA-Z0-9!_.*'()-]{1,150}$"
SECRET_NAME = r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"
SECRET_KEY = r"^[-._a-zA-Z0-9]{1,253}$"
# Labels the service's own series carry, or the compiler sets: an external label of the same
# name would be dropped (Prometheus keeps the series' own) or would split the SLO's series.
TAKEN_LABELS = frozenset(
    {
        *(label for metric in c.CATALOGUE for label in metric.labels),
        *c.TARGET_LABELS,
        c.LABEL_SERVICE,
        c.LABEL_SLO,
        c.LABEL_SEVERITY,
        c.LABEL_WINDOWS,
        c.LABEL_BURN_FACTOR,
        c.LABEL_TIER,
        c.LABEL_CHANGE_FREEZE,
        c.LABEL_BUDGET,
        c.LABEL_ALERTNAME,
        c.LABEL_ALERT_STATE,
        c.LABEL_LE,
        c.LABEL_REPORT_PART,
        c.LABEL_REPORT_WINDOW,
        c.LABEL_POD_TEMPLATE_HASH,
    }
)


def _url(value: str) -> str:
    parts = urlsplit(value) if value.isprintable() and " " not in value else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL (got {quote(value)})")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold credentials: put them in the Secret (credentials)")
    if parts.fragment:
        raise ValueError(f"must not have a fragment (got {quote(value)})")
    return value


def _tenant(value: str) -> str:
    if value in (".", ".."):
        raise ValueError(f"{value!r} is not a tenant ID")
    return value


class ClustersV1(Strict):
    label: LabelName = Field(
        default="cluster",
        description="The external label each cluster's Prometheus adds, e.g. cluster.",
    )


class CredentialsV1(Strict):
    secret: str = Field(
        pattern=SECRET_NAME, description="A Secret in the monitoring namespace (deploy.monitoring)."
    )
    type: Literal["basic", "bearer"] = "basic"
    username_key: str = Field(default="username", pattern=SECRET_KEY)
    password_key: str = Field(default="password", pattern=SECRET_KEY)
    token_key: str = Field(default="token", pattern=SECRET_KEY)


class RemoteWriteV1(Strict):
    url: Annotated[str, AfterValidator(_url)] = Field(
        description="The central store's remote-write endpoint, e.g. "
        "https://mimir.example.com/api/v1/push."
    )
    cluster: str = Field(pattern=CLUSTER_NAME, description="This cluster's name, e.g. eu-1.")
    tenant: Annotated[str, AfterValidator(_tenant)] | None = Field(
        default=None, pattern=TENANT, description="Sent as X-Scope-OrgID (Mimir, Cortex, Thanos)."
    )
    credentials: CredentialsV1 | None = None


def _fail(doc: Document, path: KeyPath, message: str) -> SpecError:
    return SpecError(message, file=doc.file, line=doc.line_of(path), path=format_path(path))


def clusters(
    spec: ClustersV1 | None, doc: Document, fixed: dict[KeyPath, dict[str, str]]
) -> m.Clusters | None:
    """`fixed`: the label maps the spec sets on series or alerts, by their key path."""
    if spec is None:
        return None
    for where, labels in fixed.items():
        if spec.label in labels:
            raise _fail(
                doc,
                (*where, spec.label),
                f"{spec.label!r} is the clusters label (spec.clusters.label): a fixed value "
                f"would hide which cluster a series or an alert is about",
            )
    if spec.label in TAKEN_LABELS:
        raise _fail(
            doc,
            ("spec", "clusters", "label"),
            f"{spec.label!r} cannot name the clusters: the service's series or the compiler "
            f"already use it, and Prometheus adds no external label a series already has",
        )
    return m.Clusters(spec.label)


def remote_write(spec: RemoteWriteV1 | None, doc: Document, path: KeyPath) -> d.RemoteWrite | None:
    if spec is None:
        return None
    creds = spec.credentials
    if creds is not None and urlsplit(spec.url).scheme != "https":
        raise _fail(
            doc,
            (*path, "url"),
            "credentials are sent over https only: an http:// URL would send them in clear",
        )
    return d.RemoteWrite(
        url=spec.url,
        cluster=spec.cluster,
        tenant=spec.tenant or "",
        secret=creds.secret if creds else "",
        auth=d.RemoteWriteAuth(creds.type) if creds else d.RemoteWriteAuth.NONE,
        username_key=creds.username_key if creds else "username",
        password_key=creds.password_key if creds else "password",
        token_key=creds.token_key if creds else "token",
    )


def per_cluster(slo: m.SLO, label: str) -> m.SLO:
    """The SLO kept per cluster: the cluster label first in `group_by` (the recordings
    aggregate `by (cluster, <group_by>)`, every budget and alert is per cluster)."""
    rest = tuple(g for g in slo.group_by if g != label)
    return replace(slo, group_by=(label, *rest))


def check_fleet(has_clusters: bool, has_remote_write: bool, doc: Document) -> None:
    """Remote write from several clusters needs the label that tells them apart."""
    if has_remote_write and not has_clusters:
        raise _fail(
            doc,
            ("spec", "deploy", "remote_write"),
            "remote_write needs spec.clusters (the external label each cluster adds), or every "
            "cluster's series collapse into one SLO in the central store",
        )
