"""Hostile edges of the OTLP export: collectors that hang, and OTEL_* values at the edges of
what the OpenTelemetry specification allows.

Surface: `init()` / `shutdown()` with OTLP export over HTTP and gRPC (docs/instrumentation.md,
"OpenTelemetry environment variables", "OTLP over gRPC", "Metrics over OTLP", "Safety when
collectors are down").

Generator: hand-picked values, each named by its test (endpoint forms, headers gRPC metadata
cannot carry, TLS files that are directories or half a client pair, undecodable percent-encoding,
ints past the float range); real in-process collectors (tests/otlp_receivers.py), a listener
that never answers and one that answers 200 and trickles its body for ever.

Bound: what the specification says to ignore is warned about and ignored; an invalid option or
metrics variable, or one the SDK's exporters cannot start with, is one OptionsError line naming
it (never the SDK's traceback, never a dead process); `shutdown()` waits about its timeout and
`force_flush()` about twice the export timeout, whatever the collector does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from prometheus_client import CollectorRegistry
from tests.otlp_receivers import grpc_receiver, http_receiver
from tests.telemetry_support import reset_state

import adk_observe
from adk_observe import agent_turn, model
from adk_observe import conventions as c
from adk_observe.environment import telemetry_env
from adk_observe.instrument import runtime
from adk_observe.instrument.option_checks import MAX_TIMEOUT_SECONDS
from adk_observe.instrument.options import Options, OptionsError, resolve_options, traces_url


@pytest.fixture(autouse=True)
def _reset_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from reset_state(monkeypatch)


@contextmanager
def _tcp_collector(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A listener on a free loopback port that gives each connection to `answer`, in a thread
    of its own; its URL."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


@contextmanager
def _hanging_collector() -> Iterator[tuple[str, threading.Event]]:
    """A collector that accepts connections and never answers (its URL, and an event set at
    the first connection)."""
    connected = threading.Event()
    accepted: list[socket.socket] = []

    def hang(conn: socket.socket) -> None:
        accepted.append(conn)
        connected.set()

    with _tcp_collector(hang) as url:
        try:
            yield url, connected
        finally:
            for conn in accepted:
                conn.close()


@contextmanager
def _trickling_collector() -> Iterator[str]:
    """A collector that answers 200 and then sends its (chunked) body a byte every 0.2 s, for
    ever: each read is quick, so no socket timeout ever fires."""
    stop = threading.Event()

    def trickle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
                while not stop.wait(0.2):
                    conn.sendall(b"1\r\n\x00\r\n")
            except OSError:
                return

    with _tcp_collector(trickle) as url:
        try:
            yield url
        finally:
            stop.set()


def _one_turn() -> bool:
    """`init()` as the environment says (every span sampled), one turn, then a flush."""
    handle = adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                              logging_enabled=False, sampling=1.0)
    with agent_turn("a"):
        pass
    return handle.force_flush()


def _init_error(**settings: object) -> str:
    """The OptionsError `init()` raises with `settings`: one line."""
    with pytest.raises(OptionsError) as err:
        adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                         logging_enabled=False, **settings)
    assert "\n" not in str(err.value), str(err.value)
    return str(err.value)


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_shutdown_waits_its_timeout_not_the_export_timeout_of_a_hanging_collector(
    protocol: str,
) -> None:
    """docs ("Safety when collectors are down"): `shutdown()` waits at most about `timeout`
    per sink. A metrics export to a collector that never answers waits `export_timeout` (here
    10 s); shutdown(timeout=0.5) must not wait for it (it waited for the export under way, then
    for one more: 20 s)."""
    with _hanging_collector() as (url, connected):
        adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                         logging_enabled=False, tracing_enabled=False, otlp_metrics=True,
                         metrics_protocol=protocol,
                         metrics_url=url + ("/v1/metrics" if protocol != "grpc" else ""),
                         export_timeout=10.0, metrics_export_interval=0.05)
        with agent_turn("a") as turn:
            pass
        assert turn.ok
        assert connected.wait(10), "the exporter never connected"
        time.sleep(0.2)  # an export is under way, waiting on the collector
        start = time.monotonic()
        adk_observe.shutdown(timeout=0.5)
        assert time.monotonic() - start < 3.0


@pytest.mark.parametrize(("variable", "settings"), [
    (c.OTEL_TRACES_TIMEOUT_ENV,
     {"tracing_protocol": "grpc", "tracing_endpoint": "http://127.0.0.1:4317"}),
    (c.OTEL_METRICS_TIMEOUT_ENV, {"otlp_metrics": True, "metrics_protocol": "grpc"}),
])
def test_a_timeout_variable_the_grpc_exporter_cannot_parse_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, settings: dict[str, object]
) -> None:
    """The SDK's gRPC exporters parse OTEL_EXPORTER_OTLP_{TRACES,METRICS}_TIMEOUT themselves,
    even when given a timeout: `init()` raised their ValueError (a traceback from inside the
    SDK). It is one OptionsError line naming the variable."""
    monkeypatch.setenv(variable, "ten seconds")
    message = _init_error(**settings)
    assert message.startswith(f"{variable}='ten seconds': "), message


def test_the_base_endpoint_serves_the_metrics_when_the_traces_have_their_own_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The specification: OTEL_EXPORTER_OTLP_ENDPOINT is the base URL of every signal whose own
    variable is unset. With OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set too, the base endpoint was
    not read at all, and the metrics went to http://localhost:4318/v1/metrics."""
    with http_receiver() as traces, http_receiver() as base:
        monkeypatch.setenv(c.OTEL_TRACES_ENDPOINT_ENV, traces.url + "/v1/traces")
        monkeypatch.setenv(c.OTEL_ENDPOINT_ENV, base.url)
        monkeypatch.setenv(c.OTEL_METRICS_EXPORTER_ENV, "otlp")
        assert _one_turn()
        assert [s.name for s in traces.spans()] == ["invoke_agent a"]
        assert "adk_agent_requests" in base.metric_points()
        assert {m["path"] for m in base.metadata} == {"/v1/metrics"}


def test_an_empty_service_name_in_the_resource_variable_is_warned_about_and_ignored() -> None:
    """docs: an invalid value of a resource variable is ignored with a warning, as the
    specification says. `service.name=` (empty) was an OptionsError, so init() failed."""
    warnings: list[str] = []
    options = resolve_options(
        environ={c.OTEL_RESOURCE_ATTRIBUTES_ENV: "service.name=,team=payments"},
        warn=warnings.append)
    assert options.service_name == Options().service_name  # the default applies
    assert options.resource_attributes == (("team", "payments"),)
    assert len(warnings) == 1 and c.OTEL_RESOURCE_ATTRIBUTES_ENV in warnings[0], warnings


@pytest.mark.parametrize(("variable", "raw", "option", "expected"), [
    (c.OTEL_PROTOCOL_ENV, "GRPC", "tracing_protocol", "grpc"),
    (c.OTEL_TRACES_PROTOCOL_ENV, "Grpc", "tracing_protocol", "grpc"),
    (c.OTEL_METRICS_PROTOCOL_ENV, "GRPC", "metrics_protocol", "grpc"),
    (c.OTEL_PROTOCOL_ENV, "HTTP/PROTOBUF", "metrics_protocol", "http/protobuf"),
])
def test_a_protocol_is_an_enum_of_any_case(
    variable: str, raw: str, option: str, expected: str
) -> None:
    """The specification ("Environment Variable Specification", Enum): enum values SHOULD be
    read in any case, as the samplers and compressions already were. `GRPC` was an
    OptionsError."""
    options = resolve_options(environ={variable: raw})
    assert getattr(options, option) == expected


def test_a_disabled_sdk_sends_no_metrics_over_otlp(monkeypatch: pytest.MonkeyPatch) -> None:
    """The specification: OTEL_SDK_DISABLED=true means "a no-op SDK implementation will be
    used for all telemetry signals". The OTLP metrics export went on sending to the collector
    (OTEL_METRICS_EXPORTER=otlp); /metrics (not the SDK) stays."""
    with http_receiver() as collector:
        monkeypatch.setenv(c.OTEL_SDK_DISABLED_ENV, "TRUE")
        monkeypatch.setenv(c.OTEL_METRICS_EXPORTER_ENV, "otlp")
        monkeypatch.setenv(c.OTEL_ENDPOINT_ENV, collector.url)
        _one_turn()
        adk_observe.shutdown(timeout=1.0)
        assert collector.metadata == []


# Headers HTTP carries that gRPC metadata cannot (gRPC over HTTP2, "Custom-Metadata": names of
# lowercase letters, digits, _ - .; a -bin name carries bytes; values printable ASCII).
NOT_METADATA = [("x!tenant", "acme"), ("x-tenant-bin", "acme"), ("x-tenant", "caf\xe9")]


@pytest.mark.parametrize("header", NOT_METADATA)
def test_a_header_grpc_cannot_carry_is_left_out_of_the_variable_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, header: tuple[str, str]
) -> None:
    """docs: an invalid header of OTEL_EXPORTER_OTLP_HEADERS is left out with a warning (the
    others are sent). Over gRPC such a header was kept, and every span export failed
    (INTERNAL: Invalid metadata), the spans dropped."""
    warnings: list[str] = []
    monkeypatch.setattr(runtime, "log_warning", warnings.append)
    with grpc_receiver() as collector:
        key, value = header
        monkeypatch.setenv(c.OTEL_HEADERS_ENV, f"{key}={quote(value)},x-ok=1")
        monkeypatch.setenv(c.OTEL_PROTOCOL_ENV, "grpc")
        monkeypatch.setenv(c.OTEL_ENDPOINT_ENV, collector.url)
        _one_turn()
        assert [s.name for s in collector.spans()] == ["invoke_agent a"]
        assert [m.get("x-ok") for m in collector.metadata] == ["1"]
        assert len([w for w in warnings if c.OTEL_HEADERS_ENV in w]) == 1, warnings


@pytest.mark.parametrize("header", NOT_METADATA)
def test_a_header_option_grpc_cannot_carry_is_one_clear_error(header: tuple[str, str]) -> None:
    """An option's invalid value is one OptionsError naming the option, not exports that all
    fail."""
    with pytest.raises(OptionsError) as err:
        resolve_options(environ={}, tracing_protocol="grpc",
                        tracing_endpoint="http://127.0.0.1:4317", tracing_headers=(header,))
    assert str(err.value).startswith("tracing_headers: ") and "\n" not in str(err.value)


@pytest.mark.parametrize("settings", [
    {"tracing_protocol": "grpc", "tracing_endpoint": "http://user:s3cret@127.0.0.1:4317"},
    {"otlp_metrics": True, "metrics_protocol": "grpc",
     "metrics_url": "https://user:s3cret@collector:4317"},
])
def test_a_grpc_endpoint_with_user_info_is_one_clear_error(settings: dict[str, object]) -> None:
    """gRPC has no user info: the exporter took `user:s3cret@127.0.0.1:4317` for the host,
    and every export failed (the spans dropped). Refused at init(), as the other protocol's
    port is, without showing the password."""
    with pytest.raises(OptionsError) as err:
        resolve_options(environ={}, **settings)
    message = str(err.value)
    assert "user info" in message and "s3cret" not in message and "\n" not in message, message


@pytest.mark.parametrize("sink", ["spans", "metrics"])
def test_force_flush_returns_when_the_collector_never_finishes_its_answer(sink: str) -> None:
    """A collector that answers and never finishes its body: the SDK exports in the caller's
    thread when flushed and only the socket timeout of each read bounds it, so
    `handle.force_flush()` never returned and the agent's code hung there. It returns False
    within about two export timeouts (an export under way, then its own)."""
    with _trickling_collector() as url:
        settings: dict[str, object] = (
            {"tracing_endpoint": url} if sink == "spans"
            else {"tracing_enabled": False, "otlp_metrics": True,
                  "metrics_url": url + "/v1/metrics", "metrics_export_interval": 3600.0})
        handle = adk_observe.init("svc", registry=CollectorRegistry(), metrics_port=-1,
                                  logging_enabled=False, sampling=1.0, export_timeout=1.0,
                                  **settings)
        with agent_turn("a") as turn:
            pass
        assert turn.ok
        result: list[bool] = []
        flushing = threading.Thread(target=lambda: result.append(handle.force_flush()),
                                    daemon=True)
        flushing.start()
        flushing.join(15)
        assert result == [False], "force_flush() did not return within 15 s"


@pytest.mark.parametrize(("variable", "raw"), [
    (c.OTEL_METRIC_EXPORT_INTERVAL_ENV, "1"),  # 1 ms: below the 10 ms the docs allow
    (c.OTEL_METRIC_EXPORT_INTERVAL_ENV, "1e999"),
    (c.OTEL_METRIC_EXPORT_INTERVAL_ENV, "2147483648"),  # past 32-bit milliseconds
    (c.OTEL_METRICS_ENDPOINT_ENV, "ftp://collector"),
    (c.OTEL_METRICS_ENDPOINT_ENV, "collector:4318"),
    (c.OTEL_METRICS_ENDPOINT_ENV, "http://"),
])
def test_an_invalid_metrics_variable_is_one_error_naming_the_variable(
    variable: str, raw: str
) -> None:
    """docs: an invalid value of a metrics-signal variable is an OptionsError, which names its
    source. These were `OTEL_*: metrics_export_interval must be within ...` and `OTEL_*: OTLP
    metrics: 'ftp://collector' is not ...`: not the variable to fix."""
    with pytest.raises(OptionsError) as err:
        resolve_options(environ={variable: raw, c.OTEL_METRICS_EXPORTER_ENV: "otlp"})
    message = str(err.value)
    assert message.startswith(f"{variable}={raw!r}: ") and "\n" not in message, message


@pytest.mark.parametrize("raw", [
    "team=payments,discount=50%",  # a % that is no percent-encoded byte
    "team=payments,city=K%F6ln",  # Latin-1 bytes: not UTF-8
    "team=payments,%ZZ=1",
])
def test_resource_attributes_that_do_not_decode_are_discarded_whole(raw: str) -> None:
    """The specification (Resource SDK): "In case of any error, e.g. failure during the
    decoding process, the entire environment variable value SHOULD be discarded" and reported.
    They were kept: `50%` as typed, `K%F6ln` as `K\\ufffdln` on every span's resource."""
    warnings: list[str] = []
    options = resolve_options(environ={c.OTEL_RESOURCE_ATTRIBUTES_ENV: raw},
                              warn=warnings.append)
    assert options.resource_attributes == ()
    assert len(warnings) == 1 and c.OTEL_RESOURCE_ATTRIBUTES_ENV in warnings[0], warnings


@pytest.mark.parametrize(("variable", "settings"), [
    ("OTEL_EXPORTER_OTLP_CERTIFICATE",
     {"tracing_protocol": "grpc", "tracing_endpoint": "https://127.0.0.1:4317"}),
    ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
     {"tracing_protocol": "grpc", "tracing_endpoint": "https://127.0.0.1:4317"}),
    ("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
     {"otlp_metrics": True, "metrics_protocol": "grpc",
      "metrics_url": "https://127.0.0.1:4317"}),
])
def test_a_tls_file_the_grpc_exporter_cannot_read_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str,
    settings: dict[str, object],
) -> None:
    """The SDK's gRPC exporters read the OTLP certificate and key variables themselves (a
    trusted certificate, a client key); one that names a directory made init() raise the SDK's
    IsADirectoryError. It is one OptionsError line naming the variable."""
    if "CLIENT_KEY" in variable:  # the key is read with a trusted certificate only
        certificate = tmp_path / "ca.pem"
        certificate.write_text("not a certificate")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", str(certificate))
    monkeypatch.setenv(variable, str(tmp_path))
    message = _init_error(**settings)
    assert message.startswith(f"{variable}={str(tmp_path)!r}: "), message


def test_the_signal_path_goes_after_the_base_path_not_after_a_query_or_fragment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The specification (OTLP Exporter, Endpoint URLs for OTLP/HTTP): the per-signal URL is
    the base URL's path + v1/traces (v1/metrics); other components MAY be ignored. The path was
    appended to the whole text, `http://c/otlp#x/v1/traces`, which sent every export to /otlp."""
    assert urlsplit(traces_url(resolve_options(environ={
        c.OTEL_ENDPOINT_ENV: "http://c:4318/otlp?tenant=a"}))).path == "/otlp/v1/traces"
    with http_receiver() as collector:
        monkeypatch.setenv(c.OTEL_ENDPOINT_ENV, collector.url + "/otlp/#section")
        monkeypatch.setenv(c.OTEL_METRICS_EXPORTER_ENV, "otlp")
        assert _one_turn()
        assert {m["path"] for m in collector.metadata} == {"/otlp/v1/traces", "/otlp/v1/metrics"}


@pytest.mark.parametrize(("option", "value"), [
    ("export_timeout", 10**400),  # an int past the float range
    ("sampling", 10**400),
    ("metrics_export_interval", 10**400),
    ("export_timeout", 10**5000),  # more digits than Python writes (int_max_str_digits)
    ("metrics_port", 10**5000),
    ("prices", {"gpt-test": [10**400, 1]}),
], ids=["timeout-1e400", "sampling-1e400", "interval-1e400", "timeout-1e5000", "port-1e5000",
        "prices-1e400"])
def test_a_huge_int_option_is_one_error_naming_the_option(option: str, value: object) -> None:
    """docs ("Valid values"): an invalid keyword is one OptionsError naming it. An int past the
    float range raised OverflowError from math.isfinite(); one of more than 4,300 digits raised
    the ValueError of repr() while the error message was being written."""
    with pytest.raises(OptionsError) as err:
        resolve_options(environ={}, otlp_metrics=True, **{option: value})
    message = str(err.value)
    assert message.startswith(f"{option} must ") and "\n" not in message, message[:200]
    assert len(message) <= 1000


def test_a_price_past_the_float_range_in_the_environment_is_one_error() -> None:
    """The same for ADK_OBSERVE_PRICES: JSON integers have no limit, and 1 followed by 400
    zeros raised OverflowError out of init()."""
    variable = c.env_name("prices")
    with pytest.raises(OptionsError) as err:
        resolve_options(environ={variable: '{"gpt-test": [1' + "0" * 400 + ", 1]}"})
    assert str(err.value).startswith(f"{variable}=") and "\n" not in str(err.value)


@pytest.mark.parametrize("seconds", [1.2345678, 12345.678, MAX_TIMEOUT_SECONDS, 1e-07, 0.1])
def test_the_deployed_export_timeout_is_the_specs_exactly(seconds: float) -> None:
    """docs ("Options"): telemetry_env(t) goes into the ConfigMap "so a pod resolves exactly
    what init(telemetry=...) would". The timeout was written with 6 significant digits of
    milliseconds (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=1234.57): 1.2345678 s became 1.23457 s,
    the longest timeout 2147480 s."""
    telemetry = model.Telemetry(export_timeout=seconds)
    deployed = resolve_options(environ=telemetry_env(telemetry))
    direct = resolve_options(environ={}, telemetry=telemetry)
    assert deployed.export_timeout == direct.export_timeout


_INIT_IN_A_CHILD = """
import adk_observe
from adk_observe.instrument.options import OptionsError
try:
    adk_observe.init("svc", metrics_port=-1, logging_enabled=False, otlp_metrics=True,
                     tracing_protocol="grpc", metrics_protocol="grpc",
                     tracing_endpoint="https://127.0.0.1:4317")
except OptionsError as exc:
    print(exc)
"""


@pytest.mark.parametrize(("certificate", "given", "missing"), [
    ("OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
     "OTEL_EXPORTER_OTLP_CLIENT_KEY"),
    ("OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY",
     "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"),
    ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
     "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE"),
    ("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE",
     "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY"),
])
def test_half_a_client_tls_pair_is_one_clear_error_not_a_dead_process(
    tmp_path: Path, certificate: str, given: str, missing: str
) -> None:
    """Over gRPC with TLS, a client certificate without its key (or the reverse) made gRPC's C
    core fail a check and abort the whole process (SIGABRT) inside init(): the agent died of a
    telemetry setting. It is one OptionsError naming the variable set and the one missing. (In a
    child process, so that the old behaviour cannot take the test run down with it.)"""
    pem = tmp_path / "file.pem"
    pem.write_text("not a certificate")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "ADK_OBSERVE_"))}
    env.update({certificate: str(pem), given: str(pem)})
    child = subprocess.run([sys.executable, "-c", _INIT_IN_A_CHILD], env=env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert child.returncode == 0, child.stderr[-500:]
    # (the path is shown cut to 80 characters: how much of it depends on where tmp_path is)
    assert child.stdout.startswith(f"{given}='") and missing in child.stdout, child.stdout


def test_traces_exporter_none_sends_no_span_and_keeps_the_metrics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The specification: OTEL_TRACES_EXPORTER=none configures no trace exporter. The variable
    was not read: with an endpoint set, every span was sent anyway. The metrics export to the
    same base endpoint is a signal of its own and goes on."""
    with http_receiver() as base:
        monkeypatch.setenv(c.OTEL_ENDPOINT_ENV, base.url)
        monkeypatch.setenv(c.OTEL_METRICS_EXPORTER_ENV, "otlp")
        monkeypatch.setenv(c.OTEL_TRACES_EXPORTER_ENV, "None")  # an enum: any case
        assert _one_turn()
        assert base.spans() == []
        assert "adk_agent_requests" in base.metric_points()


def test_a_traces_exporter_adk_observe_lacks_is_warned_about_and_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(runtime, "log_warning", warnings.append)
    with http_receiver() as base:
        monkeypatch.setenv(c.OTEL_ENDPOINT_ENV, base.url)
        monkeypatch.setenv(c.OTEL_TRACES_EXPORTER_ENV, "console")
        assert _one_turn()
        assert [s.name for s in base.spans()] == ["invoke_agent a"]  # the default, otlp
    assert len([w for w in warnings if c.OTEL_TRACES_EXPORTER_ENV in w]) == 1, warnings
    with pytest.raises(OptionsError, match="traces_exporter"):
        resolve_options(environ={"ADK_OBSERVE_TRACES_EXPORTER": "console"})


def test_a_base_endpoint_spelled_as_the_traces_url_still_serves_the_metrics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """OTEL_EXPORTER_OTLP_ENDPOINT=.../v1/traces (the traces URL given as the base, a common
    slip) is taken as the traces URL; the metrics went below it, to .../v1/traces/v1/metrics,
    where no collector answers. They go to /v1/metrics beside it."""
    with http_receiver() as base:
        monkeypatch.setenv(c.OTEL_ENDPOINT_ENV, base.url + "/v1/traces/")
        monkeypatch.setenv(c.OTEL_METRICS_EXPORTER_ENV, "otlp")
        assert _one_turn()
        assert [s.name for s in base.spans()] == ["invoke_agent a"]
        assert "adk_agent_requests" in base.metric_points()
        assert {m["path"] for m in base.metadata} == {"/v1/traces", "/v1/metrics"}
