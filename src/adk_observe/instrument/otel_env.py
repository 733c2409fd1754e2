"""The OpenTelemetry SDK environment variables, read as the OpenTelemetry specification says
("Environment Variable Specification", "Common Configuration", "OTLP Exporter Configuration") into
option values; an endpoint of a gRPC signal may be a `host:port` target (otlp_export.grpc_urls).
Traces and (with OTEL_METRICS_EXPORTER=otlp) metrics are exported over OTLP; of each pair the
signal's variable (`_TRACES_`, `_METRICS_`) wins. An empty variable is unset. A traces or resource
value the specification does not allow is warned about (`warn`) and ignored ("generate a warning
and gracefully ignore the setting"): the pair's other variable, a lower layer or the default
applies. Errors instead (`OtelEnvError`): a protocol that is not http/protobuf or grpc (the
default would send to a port that expects another one and lose every export), and an invalid
metrics-signal variable other than its headers. OTEL_SDK_DISABLED=true: no exporter variable is
read (a broken one never stops the agent that the switch was meant to keep running).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from adk_observe import conventions as c
from adk_observe.environment import DEFAULT_SAMPLER, legacy_jaeger_error
from adk_observe.instrument.option_checks import (
    COMPRESSIONS,
    MAX_TIMEOUT_SECONDS,
    SAMPLERS,
    TRACES_EXPORTERS,
    grpc_metadata_problem,
    header_problem,
    is_text,
    shown,
    url_problem,
)
from adk_observe.instrument.otlp_export import MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS, grpc_urls

SDK_DISABLED = c.OTEL_SDK_DISABLED_ENV
SERVICE_NAME = c.OTEL_SERVICE_NAME_ENV
RESOURCE_ATTRIBUTES = c.OTEL_RESOURCE_ATTRIBUTES_ENV
ENDPOINT = c.OTEL_ENDPOINT_ENV
TRACES_ENDPOINT = c.OTEL_TRACES_ENDPOINT_ENV
HEADERS = c.OTEL_HEADERS_ENV
TRACES_HEADERS = c.OTEL_TRACES_HEADERS_ENV
TIMEOUT = c.OTEL_TIMEOUT_ENV
TRACES_TIMEOUT = c.OTEL_TRACES_TIMEOUT_ENV
PROTOCOL = c.OTEL_PROTOCOL_ENV
TRACES_PROTOCOL = c.OTEL_TRACES_PROTOCOL_ENV
SAMPLER = c.OTEL_SAMPLER_ENV
SAMPLER_ARG = c.OTEL_SAMPLER_ARG_ENV
COMPRESSION = c.OTEL_COMPRESSION_ENV
TRACES_COMPRESSION = c.OTEL_TRACES_COMPRESSION_ENV
METRICS_EXPORTER = c.OTEL_METRICS_EXPORTER_ENV
TRACES_EXPORTER = c.OTEL_TRACES_EXPORTER_ENV
METRIC_EXPORT_INTERVAL = c.OTEL_METRIC_EXPORT_INTERVAL_ENV
METRICS_ENDPOINT = c.OTEL_METRICS_ENDPOINT_ENV
METRICS_HEADERS = c.OTEL_METRICS_HEADERS_ENV
METRICS_PROTOCOL = c.OTEL_METRICS_PROTOCOL_ENV
METRICS_TIMEOUT = c.OTEL_METRICS_TIMEOUT_ENV
METRICS_COMPRESSION = c.OTEL_METRICS_COMPRESSION_ENV
METRICS_TEMPORALITY = c.OTEL_METRICS_TEMPORALITY_ENV
_READ_WHEN_DISABLED = (SDK_DISABLED, SERVICE_NAME, RESOURCE_ATTRIBUTES)  # no exporter variable

PROTOCOLS = (c.OTLP_PROTOCOL_HTTP, c.OTLP_PROTOCOL_GRPC)
# OTEL_METRICS_EXPORTER values: otlp sends metrics to an OTLP endpoint as well as /metrics, which
# always serves them (prometheus: nothing more; none: no OTLP export).
METRICS_EXPORTERS = ("otlp", "prometheus", "none")
_TIMEOUT_WHY = f"not a number of milliseconds within [0, {round(MAX_TIMEOUT_SECONDS * 1000)}]"
_COMPRESSION_WHY = "not one of " + ", ".join(COMPRESSIONS)
RATIO_SAMPLERS = ("traceidratio", "parentbased_traceidratio")
# A timeout of 0 means no limit (Common Configuration, "Timeout"); the specification allows "a
# very long time" instead: the largest number of milliseconds a 32-bit integer holds (24.8 days),
# which is also the longest timeout accepted.
NO_LIMIT_SECONDS = MAX_TIMEOUT_SECONDS

Warn = Callable[[str], None]


class OtelEnvError(ValueError):
    """A standard OpenTelemetry variable has a value the specification does not allow."""


def parse_pairs(name: str, raw: str, *, strict: bool = False) -> tuple[tuple[str, str], ...]:
    """`key1=value1,key2=value2` with percent-encoded values (W3C Baggage-like), as the
    specification defines OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS. `strict`: a
    `%` that is no percent-encoded byte, or bytes that are no UTF-8, are an error (the Resource
    SDK: "failure during the decoding process"), not kept as typed or replaced by U+FFFD."""
    pairs: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise OtelEnvError(f"{name}: {shown(item)} is not key=value")
        try:
            key, value = (_decoded(x.strip(), strict) for x in (key, value))
        except ValueError:
            raise OtelEnvError(f"{name}: {shown(item)} is not percent-encoded UTF-8") from None
        pairs[key] = value
    return tuple(pairs.items())


_NOT_AN_ESCAPE = re.compile("%(?![0-9A-Fa-f]{2})")


def _decoded(text: str, strict: bool) -> str:
    if not strict:
        return unquote(text)
    if _NOT_AN_ESCAPE.search(text):
        raise ValueError(text)
    return unquote(text, errors="strict")  # UnicodeDecodeError is a ValueError


def _timeout_seconds(raw: str) -> float | None:
    """Milliseconds (the specification's unit) as seconds; 0 is no limit; None: invalid
    (not a number, negative, or past the 32-bit range of milliseconds)."""
    try:
        millis = float(raw)
    except ValueError:
        return None
    if not 0 <= millis <= MAX_TIMEOUT_SECONDS * 1000:  # NaN and infinity fail it too
        return None
    if millis == 0:
        return NO_LIMIT_SECONDS
    try:  # decimal: the milliseconds telemetry_env() writes come back as the same seconds
        return float(Decimal(raw) / 1000)
    except ArithmeticError:  # decimal.InvalidOperation: a form only float() reads
        return millis / 1000.0


def _protocol(environ: Mapping[str, str], names: tuple[str, str]) -> str | None:
    """The protocol of a signal: its own variable, else the generic one (http/json, which
    adk-observe does not speak, is an error: the default would send to a port that expects it)."""
    for name in names:
        raw = environ.get(name, "").strip()
        if not raw:
            continue
        if raw.lower() not in PROTOCOLS:  # an enum: any case (the specification)
            raise OtelEnvError(f"{name}={shown(raw)}: not one of {', '.join(PROTOCOLS)}")
        return raw.lower()  # the signal-specific variable decides when set
    return None


def _interval_seconds(name: str, raw: str) -> float:
    """Milliseconds within the export interval's range, as seconds; else an error naming it."""
    try:
        millis = float(raw)
    except ValueError:
        raise OtelEnvError(f"{name}={shown(raw)}: not a number of milliseconds") from None
    low, high = MIN_INTERVAL_SECONDS * 1000, MAX_INTERVAL_SECONDS * 1000
    if not low <= millis <= high:  # NaN and infinity fail it too
        bounds = f"[{low:g}, {high:.0f}]"
        raise OtelEnvError(f"{name}={shown(raw)}: must be within {bounds} milliseconds")
    return millis / 1000.0


def _metrics(reader: _Reader, values: dict[str, Any]) -> None:
    """OTEL_METRICS_EXPORTER and the OTLP variables of the metrics signal (headers as for
    traces: an invalid pair is left out with a warning, since the generic variable serves both)."""
    environ = reader.environ
    raw = environ.get(METRICS_EXPORTER, "").strip()
    if raw:
        names = [n.strip().lower() for n in raw.split(",") if n.strip()]
        unknown = [n for n in names if n not in METRICS_EXPORTERS]
        if unknown:
            raise OtelEnvError(
                f"{METRICS_EXPORTER}={shown(raw)}: {shown(unknown[0])} is not one of "
                f"{', '.join(METRICS_EXPORTERS)}"
            )
        values["otlp_metrics"] = "otlp" in names
    if (protocol := _protocol(environ, (METRICS_PROTOCOL, PROTOCOL))) is not None:
        values["metrics_protocol"] = protocol
    if raw := environ.get(METRICS_ENDPOINT, "").strip():
        if _url(raw) is None:
            raise OtelEnvError(f"{METRICS_ENDPOINT}={shown(raw)}: the URL {url_problem(raw)}")
        values["metrics_url"] = raw  # the signal URL, used as is
    for name in (METRICS_HEADERS, HEADERS):
        if (header_text := reader.get(name)) is not None:
            protocol = values.get("metrics_protocol", c.OTLP_PROTOCOL_HTTP)
            values["metrics_headers"] = reader.headers(name, header_text, protocol)
            break
    if raw := environ.get(METRIC_EXPORT_INTERVAL, "").strip():
        values["metrics_export_interval"] = _interval_seconds(METRIC_EXPORT_INTERVAL, raw)
    signal = (METRICS_TIMEOUT, METRICS_COMPRESSION)
    _export(reader, values, signal, ("metrics_export_timeout", "metrics_compression"))
    temporality = reader.get(METRICS_TEMPORALITY)
    if temporality is not None and temporality.lower() != c.OTEL_CUMULATIVE:
        reader.warn(
            f"{METRICS_TEMPORALITY}={shown(temporality)}: metrics are sent with cumulative "
            "temporality (as /metrics shows them); ignored"
        )


def _export(
    reader: _Reader, values: dict[str, Any], names: tuple[str, str], options: tuple[str, str]
) -> None:
    """A signal's export timeout and compression (`options`): its own variables (`names`), else
    the generic ones; the other signal's never."""
    (timeout_name, compression_name), (timeout_option, compression_option) = names, options
    timeout = reader.first((timeout_name, TIMEOUT), _timeout_seconds, _TIMEOUT_WHY)
    if timeout is not None:
        values[timeout_option] = timeout
    compression = reader.first((compression_name, COMPRESSION), _compression, _COMPRESSION_WHY)
    if compression is not None:
        values[compression_option] = compression


class _Reader:
    """The variables of one environment, and the warnings about them."""

    def __init__(self, environ: Mapping[str, str], warn: Warn) -> None:
        self.environ, self.warn = environ, warn
        self._headers: dict[tuple[str, bool], tuple[tuple[str, str], ...]] = {}
        self._warned: set[str] = set()

    def headers(self, name: str, raw: str, protocol: str) -> tuple[tuple[str, str], ...]:
        """The valid headers of variable `name` for a signal sent over `protocol` (read, and
        warned about, once: the generic variable serves both signals)."""
        if (name, False) not in self._headers:
            self._headers[name, False] = _headers(self, name, raw)
        grpc = protocol == c.OTLP_PROTOCOL_GRPC
        if grpc and (name, True) not in self._headers:
            self._headers[name, True] = _grpc_headers(self, name, self._headers[name, False])
        return self._headers[name, grpc]

    def get(self, name: str) -> str | None:
        raw = self.environ.get(name)
        return raw.strip() if raw is not None and raw.strip() else None

    def ignored(self, name: str, raw: str, why: str) -> None:
        """Warn that variable `name` is ignored (once: the generic variables serve two signals)."""
        if name not in self._warned:
            self._warned.add(name)
            self.warn(f"{name}={shown(raw)}: {why}; ignored")

    def first(self, names: tuple[str, ...], parse: Callable[[str], Any], why: Any) -> Any:
        """The value of the first of `names` that is set and valid (`parse` returns None for an
        invalid one, which is warned about, `why` (text, or a function of the value), ignored)."""
        for name in names:
            raw = self.get(name)
            if raw is None:
                continue
            value = parse(raw)
            if value is not None:
                return value
            self.ignored(name, raw, why if isinstance(why, str) else why(raw))
        return None


def _text(raw: str) -> str | None:
    return raw if is_text(raw) else None


def _url(raw: str) -> str | None:
    # A legacy Jaeger endpoint is kept: init() refuses it with the endpoint to use instead.
    return raw if url_problem(raw) is None or legacy_jaeger_error(raw) else None


def _not_url(raw: str) -> str:
    return (url_problem(raw) or "").removeprefix("is ")  # `not a URL`, `has no port ...`


def _ratio(raw: str) -> float | None:
    try:
        ratio = float(raw)
    except ValueError:
        return None
    return ratio if 0.0 <= ratio <= 1.0 else None


def _sampler(raw: str) -> str | None:
    return raw.lower() if raw.lower() in SAMPLERS else None


def _compression(raw: str) -> str | None:
    return raw.lower() if raw.lower() in COMPRESSIONS else None


def _headers(reader: _Reader, name: str, raw: str) -> tuple[tuple[str, str], ...]:
    """The valid headers of `raw`; each invalid pair is warned about and left out (as the
    OpenTelemetry Python SDK does), so one bad header never breaks every export."""
    headers = []
    for item in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = item.partition("=")
        key, value = unquote(key.strip()), unquote(value.strip())
        problem = "not key=value" if not sep or not key else header_problem(key, value)
        if problem is None:
            headers.append((key, value))
        else:
            reader.warn(f"{name}: the header {shown(item)} is left out: {problem}")
    return tuple(headers)


def _grpc_headers(
    reader: _Reader, name: str, headers: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """Of valid `headers`, those gRPC metadata can carry; each other one is warned about and
    left out (its value is not shown: it may be a credential)."""
    kept = []
    for key, value in headers:
        if (problem := grpc_metadata_problem(key, value)) is None:
            kept.append((key, value))
        else:
            reader.warn(f"{name}: the header {shown(key)} is left out over gRPC: {problem}")
    return tuple(kept)


def _resource(reader: _Reader, values: dict[str, Any]) -> None:
    raw = reader.get(RESOURCE_ATTRIBUTES)
    if raw is None:
        return
    try:
        attrs = dict(parse_pairs(RESOURCE_ATTRIBUTES, raw, strict=True))
    except OtelEnvError as exc:
        # The specification: on any error the entire variable is discarded.
        reader.warn(f"{exc}; the whole variable is ignored")
        return
    if not all(is_text(k) and is_text(v) for k, v in attrs.items()):
        reader.ignored(RESOURCE_ATTRIBUTES, raw, "control characters or invalid text")
        return
    # OTEL_SERVICE_NAME wins over service.name here (read after this).
    if c.RESOURCE_SERVICE_NAME in attrs:
        if service_name := attrs.pop(c.RESOURCE_SERVICE_NAME):
            values["service_name"] = service_name
        else:  # no service name (the option's rule); the other attributes apply
            reader.warn(f"{RESOURCE_ATTRIBUTES}: {c.RESOURCE_SERVICE_NAME} is empty; ignored")
    if c.RESOURCE_SERVICE_VERSION in attrs:
        values["service_version"] = attrs.pop(c.RESOURCE_SERVICE_VERSION)
    if c.RESOURCE_ENVIRONMENT in attrs:
        values["environment"] = attrs.pop(c.RESOURCE_ENVIRONMENT)
    values["resource_attributes"] = tuple(sorted(attrs.items()))


def _tracing(reader: _Reader, values: dict[str, Any]) -> None:
    """Endpoint, headers, timeout and compression of the OTLP exporter."""
    if (url := reader.first((TRACES_ENDPOINT,), _url, _not_url)) is not None:
        values["traces_url"] = url  # the signal URL, used as is (wins over the base URL)
    if (url := reader.first((ENDPOINT,), _url, _not_url)) is not None:
        # the base URL of every signal (/v1/traces, /v1/metrics appended): read even when the
        # traces URL is set, since the metrics go there unless OTEL_..._METRICS_ENDPOINT is set
        values["tracing_endpoint"] = url
    for name in (TRACES_HEADERS, HEADERS):
        if (raw := reader.get(name)) is not None:
            protocol = values.get("tracing_protocol", c.OTLP_PROTOCOL_HTTP)
            values["tracing_headers"] = reader.headers(name, raw, protocol)
            break
    signal = (TRACES_TIMEOUT, TRACES_COMPRESSION)
    _export(reader, values, signal, ("export_timeout", "export_compression"))


def _traces_exporter(reader: _Reader, values: dict[str, Any]) -> None:
    """OTEL_TRACES_EXPORTER, a list: `otlp` in it exports (to the endpoint, when one is set),
    else `none` exports nothing (spans are still made: trace ids reach the logs and the next
    service). An exporter adk-observe does not have (console, zipkin) is warned about and left
    out; a list of nothing else is ignored (the default, otlp, applies)."""
    raw = reader.get(TRACES_EXPORTER)
    if raw is None:
        return
    names = [n.strip().lower() for n in raw.split(",") if n.strip()]
    if other := [n for n in names if n not in TRACES_EXPORTERS]:
        reader.warn(
            f"{TRACES_EXPORTER}={shown(raw)}: {shown(other[0])} is not one of "
            f"{', '.join(TRACES_EXPORTERS)}; left out"
        )
    for name in TRACES_EXPORTERS:  # otlp first: with it, the others do not matter
        if name in names:
            values["traces_exporter"] = name
            return


def option_values(environ: Mapping[str, str], warn: Warn) -> dict[str, Any]:
    """The option values the standard variables set (absent or ignored variables set nothing);
    `warn` is told about every variable ignored."""
    values: dict[str, Any] = {}
    if environ.get(SDK_DISABLED, "").strip().lower() == "true":  # "a no-op SDK for all signals"
        environ = {k: environ[k] for k in _READ_WHEN_DISABLED if k in environ}
    if (protocol := _protocol(environ, (TRACES_PROTOCOL, PROTOCOL))) is not None:
        values["tracing_protocol"] = protocol
    environ = grpc_urls(environ, protocol, _protocol(environ, (METRICS_PROTOCOL, PROTOCOL)))
    reader = _Reader(environ, warn)
    _metrics(reader, values)
    if (raw := reader.get(SDK_DISABLED)) is not None:
        # The specification: only a case-insensitive "true" is true; anything else is false,
        # with a warning unless it is "false".
        if raw.lower() == "true":  # "a no-op SDK for all signals": no OTLP export either
            values["tracing_enabled"] = False
            values["otel_metrics"] = False
            values["otlp_metrics"] = False
        elif raw.lower() != "false":
            reader.warn(f"{SDK_DISABLED}={shown(raw)}: not true or false; taken as false")
    _resource(reader, values)
    if (name := reader.first((SERVICE_NAME,), _text, "control characters")) is not None:
        values["service_name"] = name
    _tracing(reader, values)
    _traces_exporter(reader, values)
    sampler = reader.first((SAMPLER,), _sampler, "not one of " + ", ".join(SAMPLERS))
    if sampler is not None:
        values["sampler"] = sampler
    if values.get("sampler", DEFAULT_SAMPLER) in RATIO_SAMPLERS:  # others ignore the argument
        ratio = reader.first((SAMPLER_ARG,), _ratio, "not a number within [0, 1]")
        if ratio is not None:
            values["sampling"] = ratio
    return values
