"""The spec's `deploy` section mapped to the model: the checks of the workload itself (image,
names, resources, secrets, log file). The load balancer, the strategy and the compliance
controls are checked in deploy_ingress.py, deploy_strategy.py and deploy_compliance.py.
"""

from __future__ import annotations

import posixpath
import re

from adk_observe import deploy_model as d
from adk_observe import kube
from adk_observe.conventions import env_name
from adk_observe.durations import format_seconds, parse_seconds
from adk_observe.errors import SpecError, quote
from adk_observe.loader import fleet_v1
from adk_observe.loader.deploy_compliance import compliance, egress, external
from adk_observe.loader.deploy_facts import Locator, ServiceFacts
from adk_observe.loader.deploy_ingress import ingress
from adk_observe.loader.deploy_strategy import strategy
from adk_observe.loader.deploy_v1 import DeploySpecV1, ResourcesV1
from adk_observe.loader.fields import DNS_LABEL
from adk_observe.yamlsource import Document, KeyPath

__all__ = ["CUSTOM_SLI_KEYS", "ServiceFacts", "to_deploy_model"]

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
# rate() needs two samples in its range; a range of four scrape intervals still holds two
# after a failed scrape and an ingestion race (Robust Perception, "What range should I use
# with rate()?"; Grafana's $__rate_interval is four scrape intervals too).
RATE_RANGE_SCRAPES = 4
# Variables the pod always gets from adk-observe, beside those of the telemetry section.
OWNED_ENV = (env_name("service_name"), env_name("audit_log"), *(n for n, _ in d.FIELD_ENV))
DIGEST = re.compile(r"@sha256:[a-f0-9]{64}$")
# registry/path[:tag][@sha256:digest]: lower-case path components, optional registry port.
IMAGE = re.compile(
    r"^(?:[a-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
)
# Upper bounds that no single agent service needs; past them a typo (an extra zero) would ask
# the cluster for more than it has, or let one service starve the others.
QUANTITY_RANGES = {  # key: (smallest, largest), in cores or bytes
    "cpu": (0.001, 64.0),
    "memory": (16 * 2.0**20, 512 * 2.0**30),
    "ephemeral_storage": (2.0**20, 2.0**40),
}
# The longest suffix the renderer adds to the service name (`-preview`, `-metrics`, `-canary`).
NAME_SUFFIX_ROOM = len("-preview")
# SLI kinds written in the user's own PromQL: the canary analysis cannot narrow them to a hash.
CUSTOM_SLI_KEYS = ("events", "raw")
SECRET_NAME_MAX = 63 - len("secret-")
# Kubernetes quantity suffixes, to compare requests with limits.
_QUANTITY_FACTORS = {
    "": 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
}


def to_deploy_model(
    spec: DeploySpecV1, doc: Document, path: KeyPath, facts: ServiceFacts
) -> d.DeployConfig:
    at = Locator(doc, path)
    _check_image(spec, at)
    _check_names(spec, facts, doc, at)
    metrics_port = facts.metrics_port
    if spec.app_port == metrics_port:
        raise at.fail(
            ("app_port",),
            f"port {spec.app_port} clashes with the metrics port (spec.telemetry.metrics.port)",
        )
    if spec.scaling.min > spec.scaling.max:
        raise at.fail(
            ("scaling", "min"),
            f"min replicas {spec.scaling.min} is above max replicas {spec.scaling.max}",
        )
    _check_resources(spec, at)
    _check_config(spec, facts, at)
    _check_log_file(facts, at)
    _check_secrets(spec, facts, at)
    classification = d.DataClassification(spec.compliance.data_classification)
    rollout = strategy(spec.strategy, d.LoadBalancer(spec.ingress.class_), facts, at)
    _check_scrape_interval(spec, facts, rollout.analysis, at)
    return d.DeployConfig(
        image=spec.image,
        allow_tag=spec.allow_tag,
        app_port=spec.app_port,
        run_as_user=spec.run_as_user,
        scaling=d.Scaling(**spec.scaling.model_dump()),
        resources=_resources(spec.resources),
        config=tuple(sorted(spec.config.items())),
        secrets=tuple(
            d.SecretMount(s.name, s.mount_path, external(s.external)) for s in spec.secrets
        ),
        rbac=tuple(
            d.RbacRule(tuple(r.api_groups), tuple(r.resources), tuple(r.verbs)) for r in spec.rbac
        ),
        termination_grace_seconds=spec.termination_grace,
        own_namespace=spec.own_namespace,
        ingress=ingress(spec.ingress, facts, at),
        egress=egress(spec.egress, classification, at),
        compliance=compliance(spec, facts, at),
        monitoring=d.Monitoring(
            spec.monitoring.namespace,
            spec.monitoring.interval,
            tuple(sorted(spec.monitoring.labels.items())),
        ),
        strategy=rollout,
        remote_write=fleet_v1.remote_write(spec.remote_write, doc, (*path, "remote_write")),
    )


def _check_resources(spec: DeploySpecV1, at: Locator) -> None:
    for key in ("cpu", "memory", "ephemeral_storage"):
        request = getattr(spec.resources.requests, key)
        limit = getattr(spec.resources.limits, key)
        low, high = QUANTITY_RANGES[key]
        for side, text in (("requests", request), ("limits", limit)):
            if not low <= _quantity(text) <= high:
                raise at.fail(
                    ("resources", side, key),
                    f"{text} is outside the sane range {_format_range(key, low, high)}",
                )
        if _quantity(request) > _quantity(limit):
            raise at.fail(
                ("resources", "requests", key), f"request {request} is above the limit {limit}"
            )


def _check_config(spec: DeploySpecV1, facts: ServiceFacts, at: Locator) -> None:
    """`config` adds variables; one that adk-observe sets would silently replace the spec's own
    value (a metrics port the probes and the scrape do not use, another service name), or be
    ignored (the downward-API variables, whose `env` entries win over the ConfigMap)."""
    owned = {*facts.telemetry_env, *OWNED_ENV}
    for key in spec.config:
        if not re.fullmatch(ENV_NAME, key):
            raise at.fail(("config", key), f"{quote(key)} is not a valid environment variable name")
        if key in owned:
            raise at.fail(
                ("config", key),
                f"{quote(key)} is set by adk-observe (from spec.telemetry, the service name, "
                "compliance.audit_log or the pod's own fields): set it there, not in config",
            )


def _check_scrape_interval(
    spec: DeploySpecV1, facts: ServiceFacts, analysis: d.Analysis | None, at: Locator
) -> None:
    """Every range the SLO rules and the canary gates take a rate over must hold enough
    scrapes, or they read nothing: no alert fires and every gate is inconclusive."""
    try:
        interval = parse_seconds(spec.monitoring.interval)
    except ValueError as exc:  # 0s: the pattern lets it through
        raise at.fail(("monitoring", "interval"), str(exc)) from None
    ranges = [("the shortest SLO alert window", facts.shortest_window)]
    if analysis is not None:
        ranges.append(("strategy.analysis.query_window", parse_seconds(analysis.query_window)))
    for what, seconds in ranges:
        if seconds and interval * RATE_RANGE_SCRAPES > seconds:
            raise at.fail(
                ("monitoring", "interval"),
                f"a scrape every {format_seconds(interval)} leaves fewer than "
                f"{RATE_RANGE_SCRAPES} samples in {what} ({format_seconds(seconds)}): rate() "
                "there would often read nothing (it needs two samples). Scrape at least "
                f"every {format_seconds(seconds // RATE_RANGE_SCRAPES)}",
            )


def _check_secrets(spec: DeploySpecV1, facts: ServiceFacts, at: Locator) -> None:
    """Mount paths are compared as the container sees them (`/a/`, `/a/.` and `/a` are one
    directory): a second mount there would hide the first, a secret on /tmp would hide the
    writable volume, and one over the log file's folder would make it read-only."""
    mounts: dict[str, int] = {}
    names: set[str] = set()
    taken = ("/", "/tmp", *((d.SERVICE_ACCOUNT_PATH,) if spec.rbac else ()))
    log_file = posixpath.normpath(facts.log_file) if facts.log_file else ""
    for i, secret in enumerate(spec.secrets):
        if not re.fullmatch(DNS_LABEL, secret.name) or len(secret.name) > SECRET_NAME_MAX:
            raise at.fail(
                ("secrets", i, "name"),
                f"{quote(secret.name)} is not a valid DNS label of at most {SECRET_NAME_MAX} "
                "characters (it also names the pod volume secret-<name>)",
            )
        if secret.name in names:
            raise at.fail(("secrets", i, "name"), f"secret {quote(secret.name)} is listed twice")
        names.add(secret.name)
        path = posixpath.normpath("/" + secret.mount_path.lstrip("/"))  # normpath keeps //
        if path in mounts or path in taken or log_file.startswith(path + "/"):
            raise at.fail(
                ("secrets", i, "mount_path"),
                f"mount path {quote(secret.mount_path)} is already used",
            )
        mounts[path] = i


def _quantity(text: str) -> float:
    number = text.rstrip("kmMGTi")
    return float(number) * _QUANTITY_FACTORS[text[len(number) :]]


def _check_image(spec: DeploySpecV1, at: Locator) -> None:
    if not IMAGE.fullmatch(spec.image):
        raise at.fail(("image",), f"{quote(spec.image)} is not a valid image reference")
    if DIGEST.search(spec.image):
        return
    if not spec.allow_tag:
        raise at.fail(
            ("image",),
            f"image {quote(spec.image)} is not pinned by digest (name@sha256:<64 hex>); "
            "a tag can be moved to other content. Set allow_tag: true to accept it anyway",
        )
    last = spec.image.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        raise at.fail(
            ("image",), f"image {quote(spec.image)} needs an explicit tag other than latest"
        )


def _check_names(spec: DeploySpecV1, facts: ServiceFacts, doc: Document, at: Locator) -> None:
    name = facts.name
    if len(name) > 63 - NAME_SUFFIX_ROOM:
        raise at.fail(
            ("metadata", "name"),
            f"service name {name!r} is too long to deploy: at most {63 - NAME_SUFFIX_ROOM} "
            "characters leave room for the -preview/-canary/-metrics Service names",
            absolute=True,
        )
    namespace = facts.namespace
    if namespace in d.SYSTEM_NAMESPACES or namespace.startswith("kube-"):
        raise at.fail(
            ("metadata", "namespace"),
            f"namespace {namespace!r} belongs to the cluster's own components: deploy the "
            "service to a namespace of its own",
            absolute=True,
        )
    for key, value in facts.labels:
        # Every rendered object carries these labels, so Kubernetes must accept them.
        if isinstance(value, str) and not kube.label_value_ok(value):
            raise at.fail(
                ("metadata", "labels", key),
                f"{quote(value)} is not a valid Kubernetes label value ({kube.LABEL_VALUE_RULE}); "
                "the deployed objects carry this label",
                absolute=True,
            )
    if namespace == "default":
        raise SpecError(
            "a deployed service needs its own namespace (metadata.namespace), not default",
            file=doc.file,
            line=doc.line_of(("metadata",)),
            path="metadata.namespace",
        )


def _check_log_file(facts: ServiceFacts, at: Locator) -> None:
    """The pod's root filesystem is read-only: a log file anywhere but the /tmp volume would
    fail at start (and every record after). Refuse it here instead."""
    where = ("spec", "telemetry", "logging", "file")
    path = facts.log_file
    if not isinstance(path, str) or not path:
        return
    normal = posixpath.normpath(path)
    if not path.startswith("/") or not any(
        normal.startswith(p) and len(normal) > len(p) for p in d.WRITABLE_PATHS
    ):
        raise at.fail(
            where,
            f"log file {quote(path)} is not writable in the pod (read-only root filesystem): "
            f"put it under {', '.join(d.WRITABLE_PATHS)}, or log to stdout (no file)",
            absolute=True,
        )


def _format_range(key: str, low: float, high: float) -> str:
    if key == "cpu":
        return f"{low * 1000:g}m..{high:g} cores"
    return f"{low / 2**20:g}Mi..{high / 2**30:g}Gi"


def _resources(r: ResourcesV1) -> d.Resources:
    return d.Resources(
        cpu_request=r.requests.cpu,
        memory_request=r.requests.memory,
        ephemeral_storage_request=r.requests.ephemeral_storage,
        cpu_limit=r.limits.cpu,
        memory_limit=r.limits.memory,
        ephemeral_storage_limit=r.limits.ephemeral_storage,
    )
