"""The OTLP exporters of the options: traces and metrics, over HTTP (protobuf, the default, port
4318) or gRPC (port 4317, the `[grpc]` extra).

Every setting is passed to the exporter explicitly, so the SDK reads none of the OTEL_* variables
the options were resolved from again. Over gRPC the endpoint URL's scheme decides TLS (https) or
plain text (http), as the OpenTelemetry specification says, and header names are sent lowercased
(gRPC metadata keys must be lowercase; HTTP header names are case-insensitive anyway).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from adk_observe import conventions as c
from adk_observe.instrument import option_checks
from adk_observe.instrument.option_checks import OptionsError
from adk_observe.instrument.option_checks import header_problem as header_problem
from adk_observe.instrument.option_checks import shown as shown
from adk_observe.instrument.otlp_tls import tls_problem

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics.export import MetricExporter
    from opentelemetry.sdk.trace.export import SpanExporter


class Options(Protocol):
    """What the exporters read of the options (instrument/options.py's Options): declared here
    so that this module does not import the options module, which imports it."""

    @property
    def tracing_endpoint(self) -> str: ...
    @property
    def traces_url(self) -> str: ...
    @property
    def tracing_headers(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def tracing_protocol(self) -> str: ...
    @property
    def export_timeout(self) -> float: ...
    @property
    def export_compression(self) -> str: ...
    @property
    def metrics_url(self) -> str: ...
    @property
    def metrics_headers(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def metrics_protocol(self) -> str: ...
    @property
    def metrics_export_timeout(self) -> float: ...
    @property
    def metrics_compression(self) -> str: ...


PROTOCOLS = (c.OTLP_PROTOCOL_HTTP, c.OTLP_PROTOCOL_GRPC)
OTLP_TRACES_PATH = "/v1/traces"
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
METRICS_PATH = "/v1/metrics"
_SIGNAL_PATHS = (OTLP_TRACES_PATH, METRICS_PATH)
DEFAULT_ENDPOINT = {
    c.OTLP_PROTOCOL_HTTP: f"http://localhost:{OTLP_HTTP_PORT}",
    c.OTLP_PROTOCOL_GRPC: f"http://localhost:{OTLP_GRPC_PORT}",
}
GRPC_EXTRA_HINT = "install the grpc extra: pip install 'adk-observe[grpc]'"
# The export interval: 10 ms at least (a shorter one is a busy loop), at most the largest number
# of milliseconds a 32-bit integer holds (24.8 days; longer ones overflow the thread's wait).
MIN_INTERVAL_SECONDS = 0.01
MAX_INTERVAL_SECONDS = (2**31 - 1) / 1000.0


def url_problem(url: str) -> str | None:
    """What makes `url` no OTLP endpoint (option_checks.url_problem), the URL shown, or None."""
    problem = option_checks.url_problem(url)
    return f"{shown(url)} {problem}" if problem else None


class _Headers(dict[str, str]):
    """Export headers that are true even when empty: given no headers, the SDK's exporters read
    the OTEL_* headers variables themselves, and those were read (and checked) into the options."""

    def __bool__(self) -> bool:
        return True


class GrpcMissingError(ImportError):
    """The gRPC protocol was asked for without the exporter that speaks it."""


def protocol_problem(protocol: str) -> str | None:
    if protocol in PROTOCOLS:
        return None
    hint = " (http/json is not supported: use http/protobuf)" if protocol == "http/json" else ""
    return f"{shown(protocol)} is not one of {', '.join(PROTOCOLS)}{hint}"


def endpoint_problem(protocol: str, url: str) -> str | None:
    """What would fail every export to `url` over `protocol`, so it is refused where it is set:
    the other protocol's well-known port (an HTTP request to a gRPC server or the reverse), or
    over gRPC user info (the exporter would take `user:password@host` for the host name)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if protocol == c.OTLP_PROTOCOL_GRPC and "@" in parts.netloc:
        hidden = parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()
        return (
            f"{shown(hidden)} has user info, which OTLP/gRPC cannot send: send credentials as "
            "a header (authorization=...)"
        )
    if protocol == c.OTLP_PROTOCOL_GRPC and port == OTLP_HTTP_PORT:
        return f"{url} is OTLP/HTTP's port {OTLP_HTTP_PORT}; OTLP/gRPC listens on {OTLP_GRPC_PORT}"
    if protocol == c.OTLP_PROTOCOL_HTTP and port == OTLP_GRPC_PORT:
        return f"{url} is OTLP/gRPC's port {OTLP_GRPC_PORT}; OTLP/HTTP listens on {OTLP_HTTP_PORT}"
    return None


def grpc_problem() -> str | None:
    """Why gRPC cannot be spoken here (its exporter is not installed), or None."""
    import importlib.util

    try:
        found = importlib.util.find_spec("opentelemetry.exporter.otlp.proto.grpc") is not None
    except (ImportError, ValueError):
        found = False
    return (
        None if found else f"grpc needs opentelemetry-exporter-otlp-proto-grpc: {GRPC_EXTRA_HINT}"
    )


# A gRPC target without a scheme (`collector:4317`, `[::1]:4317`): the specification's Endpoint
# (OTLP/gRPC) "SHOULD accept any form allowed by the underlying gRPC client implementation".
_GRPC_TARGET = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z._-]+):[0-9]+")
# Each endpoint variable and the signals it serves (the generic one serves both).
_ENDPOINT_SIGNALS = {
    c.OTEL_ENDPOINT_ENV: (c.OTEL_SIGNAL_TRACES, c.OTEL_SIGNAL_METRICS),
    c.OTEL_TRACES_ENDPOINT_ENV: (c.OTEL_SIGNAL_TRACES,),
    c.OTEL_METRICS_ENDPOINT_ENV: (c.OTEL_SIGNAL_METRICS,),
}


def grpc_urls(
    environ: Mapping[str, str], traces_protocol: str | None, metrics_protocol: str | None
) -> Mapping[str, str]:
    """`environ` with each endpoint variable of a signal sent over gRPC that names a target
    without a scheme as the URL the exporter is given: https:// (TLS, the specification's
    default), or http:// when OTEL_EXPORTER_OTLP_<SIGNAL>_INSECURE (else ..._INSECURE) is true.
    The generic endpoint takes the generic INSECURE only (it serves both signals)."""
    grpc = {c.OTEL_SIGNAL_TRACES: traces_protocol, c.OTEL_SIGNAL_METRICS: metrics_protocol}
    urls = {}
    for name, signals in _ENDPOINT_SIGNALS.items():
        raw = environ.get(name, "").strip()
        if not _GRPC_TARGET.fullmatch(raw) or c.OTLP_PROTOCOL_GRPC not in map(grpc.get, signals):
            continue
        prefixes = (c.OTEL_OTLP_ENV_PREFIX + signals[0],) if len(signals) == 1 else ()
        insecure = [environ.get(p + c.OTEL_TLS_INSECURE, "").strip() for p in prefixes]
        insecure.append(environ.get(c.OTEL_OTLP_ENV_PREFIX + c.OTEL_TLS_INSECURE, "").strip())
        plain = next((v for v in insecure if v), "").lower() == "true"
        urls[name] = ("http://" if plain else "https://") + raw
    return {**environ, **urls} if urls else environ


def traces_url(options: Options) -> str:
    """Where spans go: `traces_url` as is, else `tracing_endpoint` + /v1/traces (over gRPC the
    endpoint as is: gRPC has no path)."""
    if options.traces_url:
        return options.traces_url
    if options.tracing_protocol == c.OTLP_PROTOCOL_GRPC:
        return options.tracing_endpoint
    return _signal_url(options.tracing_endpoint, OTLP_TRACES_PATH)


def metrics_url(options: Options) -> str:
    """Where metrics go: `metrics_url` as is, else the base endpoint (`tracing_endpoint`, which
    OTEL_EXPORTER_OTLP_ENDPOINT sets for every signal) or localhost, with /v1/metrics over HTTP."""
    if options.metrics_url:
        return options.metrics_url
    base = options.tracing_endpoint or DEFAULT_ENDPOINT[options.metrics_protocol]
    if options.metrics_protocol == c.OTLP_PROTOCOL_GRPC:
        return base.rstrip("/")
    return _signal_url(base, METRICS_PATH)


def _signal_url(base: str, path: str) -> str:
    """The signal's URL of an OTLP/HTTP base URL: `path` appended to the base URL's path
    (not after a query or a fragment, which would send to the base path). A base that already
    ends in a signal's path (`.../v1/traces`, a common slip for the base endpoint) is taken as
    that signal's URL: the other signal goes to its own path beside it, not below it."""
    try:
        parts = urlsplit(base)
    except ValueError:  # no URL: the URL check names it
        return base.rstrip("/") + path
    stem = parts.path.rstrip("/")
    for signal in _SIGNAL_PATHS:
        stem = stem.removesuffix(signal)
    return urlunsplit(parts._replace(path=stem + path))


def _missing(exc: ImportError) -> GrpcMissingError:
    return GrpcMissingError(
        f"{c.OTEL_PROTOCOL_ENV}=grpc needs the OTLP/gRPC exporter: {GRPC_EXTRA_HINT} ({exc})"
    )


# The `export_compression` option as each exporter's Compression member (gRPC's names differ).
_GRPC_COMPRESSION = {"none": "NoCompression", "gzip": "Gzip", "deflate": "Deflate"}


def _grpc_kwargs(
    module: Any, url: str, headers: tuple[tuple[str, str], ...], timeout: float, compression: str
) -> dict[str, Any]:
    return {
        "endpoint": url,
        "insecure": urlsplit(url).scheme != "https",
        "headers": _Headers((k.lower(), v) for k, v in headers),
        "timeout": timeout,
        # explicit: given none, the exporter reads OTEL_EXPORTER_OTLP_COMPRESSION itself
        "compression": getattr(module.Compression, _GRPC_COMPRESSION[compression]),
    }


# The variable the SDK's gRPC exporter of each signal parses itself, even when given a timeout
# (int() up to 1.33, float() since), raising ValueError on a value it cannot parse.
_GRPC_TIMEOUT_ENV = {
    "OTLPSpanExporter": c.OTEL_TRACES_TIMEOUT_ENV,
    "OTLPMetricExporter": c.OTEL_METRICS_TIMEOUT_ENV,
}


# The signal of each exporter class, as its variables name it (OTEL_EXPORTER_OTLP_TRACES_...).
_SIGNAL = {"OTLPSpanExporter": c.OTEL_SIGNAL_TRACES, "OTLPMetricExporter": c.OTEL_SIGNAL_METRICS}


def _parses(raw: str) -> bool:
    """Whether the SDK's gRPC exporter reads `raw` as its timeout (it calls float() on it)."""
    try:
        float(raw)
    except ValueError:
        return False
    return True


def _grpc_exporter(module: Any, name: str, kwargs: dict[str, Any]) -> Any:
    """The SDK's gRPC exporter `name`. It reads some OTEL_EXPORTER_OTLP_* variables itself
    (nothing here can hide them from it without changing the environment of the whole process)
    and cannot start with a timeout it cannot parse or a TLS file it cannot read (a directory,
    no permission): that is one OptionsError naming the variable, not the SDK's traceback."""
    try:
        return getattr(module, name)(**kwargs)
    except ValueError as exc:
        variable = _GRPC_TIMEOUT_ENV[name]
        if (raw := os.environ.get(variable)) is None or _parses(raw):
            raise  # not the variable's fault: the SDK's own error, as it is
        problem = f"({exc}): set a number of milliseconds or unset it"
    except OSError as exc:  # OTEL_EXPORTER_OTLP_*CERTIFICATE, *CLIENT_KEY: a TLS file
        prefix = c.OTEL_OTLP_ENV_PREFIX
        named = [k for k, v in os.environ.items() if k.startswith(prefix) and v == exc.filename]
        if not named:
            raise
        variable, raw = min(named), exc.filename
        problem = f"as a TLS file ({exc.strerror})"
    raise OptionsError(
        f"{variable}={shown(raw)}: the OpenTelemetry OTLP/gRPC exporter cannot read it {problem}"
    ) from None


def _exporter(
    protocol: str,
    grpc_module: Callable[[], Any],
    http_class: Callable[[], Any],
    name: str,
    url: str,
    headers: tuple[tuple[str, str], ...],
    timeout: float,
    compression: str,
) -> Any:
    grpc = protocol == c.OTLP_PROTOCOL_GRPC
    if urlsplit(url).scheme == "https" and (problem := tls_problem(_SIGNAL[name], grpc)):
        raise OptionsError(problem)
    if grpc:
        try:
            module = grpc_module()
        except ImportError as exc:
            raise _missing(exc) from None
        kwargs = _grpc_kwargs(module, url, headers, timeout, compression)
        return _grpc_exporter(module, name, kwargs)
    from opentelemetry.exporter.otlp.proto.http import Compression

    return http_class()(
        endpoint=url,
        headers=_Headers(headers),
        timeout=timeout,
        compression=Compression(compression),
    )


def _grpc_traces() -> Any:
    import opentelemetry.exporter.otlp.proto.grpc.trace_exporter as module

    return module


def _http_traces() -> Any:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter


def _grpc_metrics() -> Any:
    import opentelemetry.exporter.otlp.proto.grpc.metric_exporter as module

    return module


def _http_metrics() -> Any:
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

    return OTLPMetricExporter


def span_exporter(options: Options) -> SpanExporter:
    """The traces exporter of the options (`tracing_protocol`)."""
    exporter: SpanExporter = _exporter(
        options.tracing_protocol,
        _grpc_traces,
        _http_traces,
        "OTLPSpanExporter",
        traces_url(options),
        options.tracing_headers,
        options.export_timeout,
        options.export_compression,
    )
    return exporter


def metrics_timeout(options: Options) -> float:
    """Seconds per metrics export: `metrics_export_timeout`, else `export_timeout`."""
    return options.metrics_export_timeout or options.export_timeout


def metric_exporter(options: Options) -> MetricExporter:
    """The metrics exporter of the options (`metrics_protocol`; the metrics' own timeout and
    compression, else the exports' ones), cumulative temporality (the OTLP default, and what
    /metrics shows)."""
    exporter: MetricExporter = _exporter(
        options.metrics_protocol,
        _grpc_metrics,
        _http_metrics,
        "OTLPMetricExporter",
        metrics_url(options),
        options.metrics_headers,
        metrics_timeout(options),
        options.metrics_compression or options.export_compression,
    )
    return exporter
