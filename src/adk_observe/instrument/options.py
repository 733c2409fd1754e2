"""Options of `adk_observe.init()`: explicit kwargs > ADK_OBSERVE_* > the standard OTEL_*
variables > spec `telemetry` > defaults (the OpenTelemetry specification: programmatic
configuration wins over the environment).

Options are resolved once, into a frozen dataclass, so the hot path never reads the environment.
`telemetry_env()` (in the core module environment.py, so the deploy generator need not import the
runtime) is the inverse direction: the spec's telemetry section as the environment variables that
`init()` reads (a ConfigMap). The variable names are in conventions.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from adk_observe import conventions as c
from adk_observe import model
from adk_observe.conventions import env_name
from adk_observe.environment import DEFAULT_LOGGER_LEVELS as DEFAULT_LOGGER_LEVELS
from adk_observe.environment import DEFAULT_SAMPLER, legacy_jaeger_error
from adk_observe.environment import ROOT_LOGGER as ROOT_LOGGER
from adk_observe.environment import effective_logger_levels as effective_logger_levels
from adk_observe.environment import format_levels as format_levels
from adk_observe.environment import format_prices as format_prices
from adk_observe.environment import telemetry_env as telemetry_env
from adk_observe.instrument import otel_env, otlp_export, sessions
from adk_observe.instrument.otlp_export import traces_url as traces_url

LOG_CONSOLES = ("stdout", "stderr")


# A histogram combination is up to 16 series (bucket bounds, +Inf, _count, _sum, _created): the
# smallest series limit leaves room for a few of them besides the overflow combination.
MIN_SERIES_LIMIT = 100


class OptionsError(ValueError):
    """An option (kwarg or environment variable) has an invalid value."""


@dataclass(frozen=True)
class Options:
    """Everything `init()` configures. Field docs are in docs/instrumentation.md."""

    service_name: str = "adk-agent"
    service_version: str = ""
    environment: str = ""
    # metrics
    metrics_enabled: bool = True
    metrics_port: int = 9464  # 0: any free port; negative: no HTTP server
    metrics_host: str = "0.0.0.0"
    label_limit: int = 100
    series_limit: int = 2000  # series per metric family; the rest fold into one __other__ series
    label_value_max_length: int = 128  # characters; longer label values are cut
    otel_metrics: bool = True  # expose ADK's gen_ai.* OpenTelemetry metrics on /metrics
    # tracing
    tracing_enabled: bool = True
    tracing_endpoint: str = ""  # OTLP/HTTP base URL, e.g. http://jaeger-collector:4318
    traces_url: str = ""  # the full OTLP/HTTP traces URL, used as is (wins over tracing_endpoint)
    tracing_headers: tuple[tuple[str, str], ...] = ()  # sent with every export
    sampler: str = DEFAULT_SAMPLER  # an OTEL_TRACES_SAMPLER name
    sampling: float = 0.1  # the ratio of the traceidratio samplers
    export_timeout: float = 2.0
    resource_attributes: tuple[tuple[str, str], ...] = ()  # besides service.*, deployment.*
    span_queue_size: int = 2048
    capture_content: bool = False  # let ADK put prompts and responses on spans
    tracing_protocol: str = c.OTLP_PROTOCOL_HTTP  # or grpc (the [grpc] extra)
    # metrics over OTLP, besides /metrics (OTEL_METRICS_EXPORTER=otlp)
    otlp_metrics: bool = False
    metrics_url: str = ""  # the full OTLP metrics URL (default: tracing_endpoint's, or localhost)
    metrics_headers: tuple[tuple[str, str], ...] = ()
    metrics_protocol: str = c.OTLP_PROTOCOL_HTTP
    metrics_export_interval: float = 60.0  # seconds between two exports
    # sessions: user ids on spans and log lines as a keyed pseudonym, raw, or not at all
    user_id_mode: str = "pseudonymise"
    user_id_key: str = field(default="", repr=False)  # the pseudonym key: never shown
    # logging
    logging_enabled: bool = True
    log_level: str = "INFO"  # the service's own logger (named after the service)
    root_log_level: str = "WARNING"
    logger_levels: tuple[tuple[str, str], ...] = ()  # on top of DEFAULT_LOGGER_LEVELS
    log_stream: bool = True  # JSON lines on the console
    log_console: str = "stdout"  # or stderr
    # the ADK plugin's metric updates and adk-observe's own log lines, by a worker thread
    background_recording: bool = True
    log_file: str = ""
    log_file_max_bytes: int = 10 * 1024 * 1024
    log_file_backups: int = 5
    fluentd_host: str = ""
    fluentd_port: int = 24224
    fluentd_tag: str = ""
    fluentd_queue_size: int = 1000
    fluentd_timeout: float = 1.0
    # agent
    agent_id: str = ""  # default: the ADK agent's name (or service_name outside ADK)
    cost_center: str = "default"
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


def _parse_levels(raw: str) -> tuple[tuple[str, str], ...]:
    """`name=LEVEL,name=LEVEL`."""
    pairs = []
    for item in filter(None, (p.strip() for p in raw.split(","))):
        name, sep, level = item.partition("=")
        if not sep:
            raise OptionsError(f"logger level {item!r} is not name=LEVEL")
        pairs.append((name.strip(), level.strip().upper()))
    return tuple(pairs)


_PRICE_KEYS = (
    "input_per_million",
    "output_per_million",
    "cached_input_per_million",
    "reasoning_per_million",
)


def _price(name: str, row: Any) -> model.ModelPrice:
    """[input, output, cached?, reasoning?] or a mapping with the spec's key names; prices per
    million tokens, cached and reasoning default to the input and output prices."""
    values = [row.get(k) for k in _PRICE_KEYS] if isinstance(row, Mapping) else list(row)
    if not 2 <= len(values) <= 4:
        raise TypeError(f"{name}: expected 2 to 4 prices, got {len(values)}")
    values += [None] * (4 - len(values))
    numbers = [None if v is None else float(v) for v in values]
    if numbers[0] is None or numbers[1] is None or any(n is not None and n < 0 for n in numbers):
        raise ValueError(f"{name}: input and output prices are required and none is negative")
    return model.ModelPrice(str(name), numbers[0], numbers[1], numbers[2], numbers[3])


def _prices(table: Mapping[str, Any]) -> tuple[model.ModelPrice, ...]:
    try:
        return tuple(_price(m, row) for m, row in sorted(table.items()))
    except (ValueError, TypeError, AttributeError) as exc:
        raise OptionsError(
            f"prices must map model names to [input, output, cached, reasoning] prices per "
            f"million tokens (cached and reasoning optional): {exc}"
        ) from exc


def _parse_prices(raw: str) -> tuple[model.ModelPrice, ...]:
    """JSON object: {"model": [input, output, cached, reasoning], ...} (the last two optional)."""
    try:
        table = json.loads(raw)
    except ValueError as exc:
        raise OptionsError(f"prices must be a JSON object: {exc}") from exc
    if not isinstance(table, Mapping):
        raise OptionsError("prices must be a JSON object of model name -> prices")
    return _prices(table)


def _parse_pairs(raw: str) -> tuple[tuple[str, str], ...]:
    """`key=value,key=value` (percent-encoded values), like the OTEL_* variables."""
    return otel_env.parse_pairs("value", raw)


def _parser(f: dataclasses.Field[Any]) -> Callable[[str], Any]:
    if f.name == "prices":
        return _parse_prices
    if f.name == "logger_levels":
        return _parse_levels
    if f.name in ("tracing_headers", "resource_attributes", "metrics_headers"):
        return _parse_pairs
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
    if kind == "bool":
        return _parse_bool
    if kind == "int":
        return int
    if kind == "float":
        return float
    return str


# Fields the spec's telemetry section sets (same names on both sides).
_SPEC_FIELDS = tuple(f.name for f in fields(model.Telemetry))


def _from_spec(telemetry: model.Telemetry | None) -> dict[str, Any]:
    if telemetry is None:
        return {}
    default = model.Telemetry()
    return {
        name: getattr(telemetry, name)
        for name in _SPEC_FIELDS
        if getattr(telemetry, name) != getattr(default, name)
    }


def _from_otel_env(environ: Mapping[str, str]) -> dict[str, Any]:
    try:
        return otel_env.option_values(environ)
    except otel_env.OtelEnvError as exc:
        raise OptionsError(str(exc)) from None


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fields(Options):
        raw = environ.get(env_name(f.name))
        if raw is None:
            continue
        try:
            values[f.name] = _parser(f)(raw)
        except (ValueError, OptionsError) as exc:
            why = otlp_export.shown_text(str(exc), 400)  # bounded: it may quote the value
            raise OptionsError(f"{env_name(f.name)}={otlp_export.shown(raw)}: {why}") from exc
    return values


def _validate(options: Options) -> Options:
    if not options.service_name:
        raise OptionsError("service_name must not be empty")
    try:
        otel_env.check_sampler(options.sampler, options.sampling)
    except otel_env.OtelEnvError as exc:
        raise OptionsError(str(exc)) from None
    if options.tracing_enabled and _has_endpoint(options):
        legacy = legacy_jaeger_error(options.traces_url or options.tracing_endpoint)
        if legacy:
            raise OptionsError(legacy)
    for name, level in logger_levels_of(options):
        if level not in _LEVELS:
            raise OptionsError(f"logger {name!r}: {level!r} is not one of {', '.join(_LEVELS)}")
    if options.log_console not in LOG_CONSOLES:
        raise OptionsError(f"log_console must be stdout or stderr, got {options.log_console!r}")
    if options.label_limit < 1:
        raise OptionsError(f"label_limit must be at least 1, got {options.label_limit}")
    if options.series_limit < MIN_SERIES_LIMIT:
        raise OptionsError(
            f"series_limit must be at least {MIN_SERIES_LIMIT}, got {options.series_limit}"
        )
    if options.label_value_max_length < 1:
        raise OptionsError(
            f"label_value_max_length must be at least 1, got {options.label_value_max_length}"
        )
    if options.export_timeout <= 0 or options.fluentd_timeout <= 0:
        raise OptionsError("export_timeout and fluentd_timeout must be positive")
    if options.span_queue_size < 1 or options.fluentd_queue_size < 1:
        raise OptionsError("queue sizes must be at least 1")
    _validate_genai(options)
    return options


def _validate_genai(options: Options) -> None:
    """The OTLP protocols and metrics export, and the session options."""
    for name, used in (
        ("tracing_protocol", options.tracing_enabled and _has_endpoint(options)),
        ("metrics_protocol", options.otlp_metrics),
    ):
        protocol = getattr(options, name)
        problem = otlp_export.protocol_problem(protocol)
        if not problem and used and protocol == c.OTLP_PROTOCOL_GRPC:
            problem = otlp_export.grpc_problem()
        if problem:
            raise OptionsError(f"{name}: {problem}")
    if options.tracing_enabled and _has_endpoint(options):
        problem = otlp_export.port_problem(options.tracing_protocol, traces_url(options))
        if problem:
            raise OptionsError(f"tracing: {problem}")
    if options.otlp_metrics:
        url = otlp_export.metrics_url(options)
        problem = (
            otlp_export.url_problem(url)
            or legacy_jaeger_error(url)
            or otlp_export.port_problem(options.metrics_protocol, url)
        )
        if problem:
            raise OptionsError(f"OTLP metrics: {problem}")
    if options.metrics_url and (problem := otlp_export.url_problem(options.metrics_url)):
        raise OptionsError(f"metrics_url: {problem}")
    for key, value in options.metrics_headers:
        if problem := otlp_export.header_problem(key, value):
            raise OptionsError(f"metrics_headers: {problem}")
    low, high = otlp_export.MIN_INTERVAL_SECONDS, otlp_export.MAX_INTERVAL_SECONDS
    if not low <= options.metrics_export_interval <= high:  # NaN fails it too
        raise OptionsError(f"metrics_export_interval must be within [{low}, {high}] seconds")
    if options.user_id_mode not in sessions.USER_ID_MODES:
        raise OptionsError(
            f"user_id_mode must be one of {', '.join(sessions.USER_ID_MODES)}, "
            f"got {otlp_export.shown(options.user_id_mode)}"
        )
    if options.user_id_key and (problem := sessions.key_problem(options.user_id_key)):
        raise OptionsError(f"user_id_key ({c.USER_ID_KEY_ENV}) {problem}")


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# One setting in two spellings: a layer that sets either replaces both from lower layers.
_ENDPOINT_GROUP = ("tracing_endpoint", "traces_url")


def _has_endpoint(options: Options) -> bool:
    return bool(options.traces_url or options.tracing_endpoint)


def _merge(values: dict[str, Any], layer: dict[str, Any]) -> None:
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


def logger_levels_of(options: Options) -> tuple[tuple[str, str], ...]:
    return effective_logger_levels(
        options.service_name, options.log_level, options.root_log_level, options.logger_levels
    )


def resolve_options(
    *,
    telemetry: model.Telemetry | None = None,
    environ: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> Options:
    """Resolve options: explicit kwargs > ADK_OBSERVE_* > OTEL_* > spec telemetry > defaults."""
    known = {f.name for f in fields(Options)}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise OptionsError(f"unknown option(s): {', '.join(unknown)}")
    environ = os.environ if environ is None else environ
    values = _from_spec(telemetry)
    _merge(values, _from_otel_env(environ))
    _merge(values, _from_env(environ))
    _merge(values, {k: v for k, v in kwargs.items() if v is not None})
    for name in ("tracing_headers", "resource_attributes", "metrics_headers"):
        if isinstance(values.get(name), Mapping):
            values[name] = tuple(sorted((str(k), str(v)) for k, v in values[name].items()))
    if isinstance(values.get("prices"), Mapping):
        values["prices"] = _prices(values["prices"])
    return _validate(Options(**values))
