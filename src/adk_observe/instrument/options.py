"""Options of `adk_observe.init()`: explicit kwargs > ADK_OBSERVE_* > the standard OTEL_*
variables > spec `telemetry` > defaults (the OpenTelemetry specification: programmatic
configuration wins over the environment).

Options are resolved once, into a frozen dataclass, so the hot path never reads the environment.
Every value is checked (`option_checks.py`) and an invalid one is an `OptionsError` that names
where it came from (the keyword, the ADK_OBSERVE_* variable or the spec); an invalid OTEL_*
variable is a warning and is ignored, as the OpenTelemetry specification says (`otel_env.py`).
`telemetry_env()` (in the core module environment.py, so the deploy generator need not import the
runtime) is the inverse direction: the spec's telemetry section as the environment variables that
`init()` reads (a ConfigMap). The variable names are in conventions.py.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from adk_observe import conventions as c
from adk_observe import model
from adk_observe.conventions import env_name
from adk_observe.environment import DEFAULT_SAMPLER, effective_logger_levels, legacy_jaeger_error
from adk_observe.instrument import option_checks as checks
from adk_observe.instrument import otel_env, otlp_export, sessions
from adk_observe.instrument.option_checks import LEVELS, OptionsError
from adk_observe.instrument.otlp_export import traces_url as traces_url
from adk_observe.instrument.prices import parse_prices, price_table

__all__ = ["OptionsError"]

Warn = Callable[[str], None]
_log = logging.getLogger("adk_observe")


# The spec's telemetry section's defaults: the options the spec also sets default to them (a
# test holds the spec schema, the model and these together).
_SPEC = model.Telemetry()


@dataclass(frozen=True)
class Options:
    """Everything `init()` configures. Field docs are in docs/instrumentation.md."""

    service_name: str = "adk-agent"
    service_version: str = ""
    environment: str = ""
    # metrics
    metrics_enabled: bool = True
    metrics_port: int = _SPEC.metrics_port  # 0: any free port; negative: no HTTP server
    metrics_host: str = "0.0.0.0"
    label_limit: int = _SPEC.label_limit
    series_limit: int = 2000  # series per metric family; the rest fold into one __other__ series
    label_value_max_length: int = c.LABEL_VALUE_MAX_LENGTH  # characters; longer ones are cut
    otel_metrics: bool = True  # expose ADK's gen_ai.* OpenTelemetry metrics on /metrics
    # tracing
    tracing_enabled: bool = _SPEC.tracing_enabled
    tracing_endpoint: str = ""  # OTLP/HTTP base URL, e.g. http://jaeger-collector:4318
    traces_url: str = ""  # the full OTLP/HTTP traces URL, used as is (wins over tracing_endpoint)
    tracing_headers: tuple[tuple[str, str], ...] = ()  # sent with every export
    sampler: str = DEFAULT_SAMPLER  # an OTEL_TRACES_SAMPLER name
    sampling: float = _SPEC.sampling  # the ratio of the traceidratio samplers
    export_timeout: float = _SPEC.export_timeout
    export_compression: str = "none"  # none, gzip or deflate
    resource_attributes: tuple[tuple[str, str], ...] = ()  # besides service.*, deployment.*
    span_queue_size: int = 2048
    capture_content: bool = False  # let ADK put prompts and responses on spans
    tracing_protocol: str = c.OTLP_PROTOCOL_HTTP  # or grpc (the [grpc] extra)
    traces_exporter: str = "otlp"  # none: no span leaves the process (OTEL_TRACES_EXPORTER)
    # metrics over OTLP, besides /metrics (OTEL_METRICS_EXPORTER=otlp)
    otlp_metrics: bool = False
    metrics_url: str = ""  # the full OTLP metrics URL (default: tracing_endpoint's, or localhost)
    metrics_headers: tuple[tuple[str, str], ...] = ()
    metrics_protocol: str = c.OTLP_PROTOCOL_HTTP
    metrics_export_interval: float = 60.0  # seconds between two exports
    metrics_export_timeout: float = 0.0  # seconds per metrics export; 0: export_timeout's
    metrics_compression: str = ""  # none, gzip or deflate; empty: export_compression's
    # sessions: user ids on spans and log lines as a keyed pseudonym, raw, or not at all
    user_id_mode: str = "pseudonymise"
    user_id_key: str = field(default="", repr=False)  # the pseudonym key: never shown
    # logging
    logging_enabled: bool = True
    log_level: str = _SPEC.log_level  # the service's own logger (named after the service)
    root_log_level: str = "WARNING"
    logger_levels: tuple[tuple[str, str], ...] = ()  # on top of DEFAULT_LOGGER_LEVELS
    log_stream: bool = True  # JSON lines on the console
    log_console: str = _SPEC.log_console  # or stderr
    # the ADK plugin's events and adk-observe's own log lines, by the work queues' threads
    background_recording: bool = True
    log_file: str = ""
    log_file_max_bytes: int = 10 * 1024 * 1024
    log_file_backups: int = 5
    fluentd_host: str = ""
    fluentd_port: int = _SPEC.fluentd_port
    fluentd_tag: str = ""
    fluentd_queue_size: int = 1000
    fluentd_timeout: float = 1.0
    # agent
    agent_id: str = ""  # default: the ADK agent's name (or service_name outside ADK)
    cost_center: str = _SPEC.cost_center
    prices: tuple[model.ModelPrice, ...] = field(default=())

    @property
    def fluentd_tag_or_default(self) -> str:
        return self.fluentd_tag or self.service_name


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise OptionsError(f"not a boolean: {raw!r}")


_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")


def _parse_int(raw: str) -> int:
    if not _INTEGER.fullmatch(raw):
        raise OptionsError("not an integer")
    return int(raw)


def _parse_float(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise OptionsError("not a number") from None


def _parse_levels(raw: str) -> tuple[tuple[str, str], ...]:
    """`name=LEVEL,name=LEVEL`."""
    pairs = []
    for item in filter(None, (p.strip() for p in raw.split(","))):
        name, sep, level = item.partition("=")
        if not sep:
            raise OptionsError(f"logger level {item!r} is not name=LEVEL")
        pairs.append((name.strip(), level.strip().upper()))
    return tuple(pairs)


def _parse_pairs(raw: str) -> tuple[tuple[str, str], ...]:
    """`key=value,key=value` (percent-encoded values), like the OTEL_* variables."""
    try:
        return otel_env.parse_pairs("value", raw)
    except otel_env.OtelEnvError as exc:
        raise OptionsError(str(exc)) from None


def _kind(f: dataclasses.Field[Any]) -> str:
    """An option's declared type as written (`from __future__ import annotations`)."""
    return f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")


def _parser(f: dataclasses.Field[Any]) -> Callable[[str], Any]:
    if f.name == "prices":
        return parse_prices
    if f.name == "logger_levels":
        return _parse_levels
    if f.name in ("tracing_headers", "resource_attributes", "metrics_headers"):
        return _parse_pairs
    parsers: dict[str, Callable[[str], Any]] = {
        "bool": _parse_bool,
        "int": _parse_int,
        "float": _parse_float,
    }
    return parsers.get(_kind(f), str)


# Fields the spec's telemetry section sets (same names on both sides).
_SPEC_FIELDS = tuple(f.name for f in fields(model.Telemetry))
_SPEC_SOURCE = "telemetry"  # how an error names a value from the spec's telemetry section


def _from_spec(telemetry: model.Telemetry | None) -> dict[str, Any]:
    if telemetry is None:
        return {}
    return {
        name: getattr(telemetry, name)
        for name in _SPEC_FIELDS
        if getattr(telemetry, name) != getattr(_SPEC, name)
    }


def _from_otel_env(environ: Mapping[str, str], warn: Warn) -> dict[str, Any]:
    try:
        return otel_env.option_values(environ, warn)
    except otel_env.OtelEnvError as exc:
        raise OptionsError(str(exc)) from None


def _from_env(environ: Mapping[str, str], sources: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fields(Options):
        raw = environ.get(env_name(f.name))
        if raw is None:
            continue
        # a secret (the pseudonym key: repr=False) is named, never shown
        shown = f"{env_name(f.name)}={checks.shown(raw)}" if f.repr else env_name(f.name)
        try:
            values[f.name] = _parser(f)(raw)
        except (ValueError, RecursionError, OptionsError) as exc:
            raise OptionsError(f"{shown}: {checks.shown_text(str(exc), 300)}") from None
        sources[f.name] = shown
    return values


def _validate(options: Options, sources: Mapping[str, str]) -> Options:
    """Every option's value checked (`option_checks.RULES`), then what options say together.
    An error names where the value came from; a keyword's value is named by the keyword."""
    if options.tracing_enabled and _has_endpoint(options):
        legacy = legacy_jaeger_error(str(options.traces_url or options.tracing_endpoint))
        if legacy:  # before the URL rule: this names the endpoint to use instead
            raise OptionsError(legacy)
    for f in fields(Options):
        problem = checks.problem(f.name, _kind(f), getattr(options, f.name), secret=not f.repr)
        if problem is not None:
            source = sources.get(f.name)
            raise OptionsError(f"{source}: {problem}" if source else problem)
    for name, level in options.logger_levels:
        if level not in LEVELS:
            source = sources.get("logger_levels")
            problem = f"logger {name!r}: {level!r} is not one of {', '.join(LEVELS)}"
            raise OptionsError(f"{source}: {problem}" if source else problem)
    if (found := _genai_problem(options)) is not None:
        names, problem = found
        source = next((sources[n] for n in names if n in sources), None)
        raise OptionsError(f"{source}: {problem}" if source else problem)
    return options


def _genai_problem(options: Options) -> tuple[tuple[str, ...], str] | None:
    """What is wrong with the OTLP protocols, the metrics export or the session options: the
    options it concerns (the first one set names the source) and the message, or None."""
    traced = options.tracing_enabled and _has_endpoint(options)
    for name, used in (
        ("tracing_protocol", traced),
        ("metrics_protocol", options.otlp_metrics),
    ):
        protocol = getattr(options, name)
        problem = otlp_export.protocol_problem(protocol)
        if not problem and used and protocol == c.OTLP_PROTOCOL_GRPC:
            problem = otlp_export.grpc_problem()
        if problem:
            return (name,), f"{name}: {problem}"
    if traced:
        problem = otlp_export.endpoint_problem(options.tracing_protocol, traces_url(options))
        if problem:
            return ("tracing_protocol", *_ENDPOINT_GROUP), f"tracing: {problem}"
    if options.otlp_metrics:
        url = otlp_export.metrics_url(options)
        problem = (
            otlp_export.url_problem(url)
            or legacy_jaeger_error(url)
            or otlp_export.endpoint_problem(options.metrics_protocol, url)
        )
        if problem:
            names = ("metrics_url", "metrics_protocol", "tracing_endpoint", "otlp_metrics")
            return names, f"OTLP metrics: {problem}"
    if options.metrics_url and (problem := otlp_export.url_problem(options.metrics_url)):
        return ("metrics_url",), f"metrics_url: {problem}"
    for key, value in options.metrics_headers:
        if problem := otlp_export.header_problem(key, value):
            return ("metrics_headers",), f"metrics_headers: {problem}"
    for name, protocol, used in (  # over gRPC, headers are metadata: fewer are valid
        ("tracing_headers", options.tracing_protocol, traced),
        ("metrics_headers", options.metrics_protocol, options.otlp_metrics),
    ):
        if used and protocol == c.OTLP_PROTOCOL_GRPC:
            for key, value in getattr(options, name):
                if problem := checks.grpc_metadata_problem(key, value):
                    return (name,), f"{name}: {problem}"
    low, high = otlp_export.MIN_INTERVAL_SECONDS, otlp_export.MAX_INTERVAL_SECONDS
    if not low <= options.metrics_export_interval <= high:  # NaN fails it too
        message = f"metrics_export_interval must be within [{low}, {high}] seconds"
        return ("metrics_export_interval",), message
    if options.user_id_mode not in sessions.USER_ID_MODES:
        modes = ", ".join(sessions.USER_ID_MODES)
        message = (
            f"user_id_mode must be one of {modes}, got {otlp_export.shown(options.user_id_mode)}"
        )
        return ("user_id_mode",), message
    if options.user_id_key and (problem := sessions.key_problem(options.user_id_key)):
        return ("user_id_key",), f"user_id_key ({c.USER_ID_KEY_ENV}) {problem}"
    return None


# One setting in two spellings: a layer that sets either replaces both from lower layers.
_ENDPOINT_GROUP = ("tracing_endpoint", "traces_url")


def _has_endpoint(options: Options) -> bool:
    """Whether spans are exported: an endpoint is set and the traces exporter is not none."""
    return options.traces_exporter != "none" and bool(
        options.traces_url or options.tracing_endpoint
    )


def _merge(
    values: dict[str, Any],
    layer: dict[str, Any],
    sources: dict[str, str],
    source: str | Mapping[str, str] = "",
) -> None:
    """Put `layer` over `values`. `sources` keeps where each value came from: `source`, or
    `source[name]` per option ("": a keyword, which errors name by the option itself)."""
    if any(k in layer for k in _ENDPOINT_GROUP):
        for k in _ENDPOINT_GROUP:
            values.pop(k, None)
    levels = layer.get("logger_levels")
    if levels is not None:  # per logger: a higher layer overrides the loggers it names
        if isinstance(levels, Mapping):
            levels = tuple(levels.items())
        merged = dict(values.get("logger_levels", ()))
        merged.update((str(n), str(lv).upper()) for n, lv in levels)
        layer = {**layer, "logger_levels": tuple(sorted(merged.items()))}
    values.update(layer)
    for name in layer:
        sources[name] = source if isinstance(source, str) else source[name]


def logger_levels_of(options: Options) -> tuple[tuple[str, str], ...]:
    return effective_logger_levels(
        options.service_name, options.log_level, options.root_log_level, options.logger_levels
    )


def resolve_options(
    *,
    telemetry: model.Telemetry | None = None,
    environ: Mapping[str, str] | None = None,
    warn: Warn | None = None,
    **kwargs: Any,
) -> Options:
    """Resolve options: explicit kwargs > ADK_OBSERVE_* > OTEL_* > spec telemetry > defaults.

    An invalid value is an `OptionsError` naming its source; an invalid OTEL_* variable is
    ignored and `warn(message)` is called (default: a warning on the `adk_observe` logger).
    """
    known = {f.name for f in fields(Options)}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise OptionsError(f"unknown option(s): {', '.join(unknown)}")
    environ = os.environ if environ is None else environ
    sources: dict[str, str] = {}
    values: dict[str, Any] = {}
    _merge(values, _from_spec(telemetry), sources, _SPEC_SOURCE)
    _merge(values, _from_otel_env(environ, warn or _log.warning), sources, "OTEL_*")
    env_sources: dict[str, str] = {}
    _merge(values, _from_env(environ, env_sources), sources, env_sources)
    _merge(values, {k: v for k, v in kwargs.items() if v is not None}, sources)
    for name in ("tracing_headers", "resource_attributes", "metrics_headers"):
        if isinstance(values.get(name), Mapping):
            values[name] = tuple(sorted((str(k), str(v)) for k, v in values[name].items()))
    if isinstance(values.get("prices"), Mapping):
        values["prices"] = price_table(values["prices"])
    return _validate(Options(**values), sources)
