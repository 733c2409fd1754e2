"""The TLS files of the OTLP exporters: the OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_}{CERTIFICATE,
CLIENT_KEY,CLIENT_CERTIFICATE} variables, which the OpenTelemetry SDK's exporters read themselves
for an https:// endpoint (adk-observe passes them no file), checked where `init()` builds them.

Each exporter picks its files as the SDK does. Over HTTP, each variable of the signal
(`_TRACES_`, `_METRICS_`) wins over the generic one when it is set. Over gRPC, the signal's set
when its CERTIFICATE variable is set, else the generic set, and the client pair only with a
trusted certificate. What would fail every export is refused: a file that does not exist (over
HTTP every request fails, 'Could not find a suitable TLS CA certificate bundle'; over gRPC the
SDK logs a traceback and trusts the system's roots instead) and, over gRPC, half a client pair
(gRPC's C core aborts the whole process on it: a failed check, SIGABRT).
"""

from __future__ import annotations

import os

from adk_observe import conventions as c
from adk_observe.instrument.option_checks import shown

_KINDS = (c.OTEL_TLS_CERTIFICATE, c.OTEL_TLS_CLIENT_KEY, c.OTEL_TLS_CLIENT_CERTIFICATE)


def _files(signal: str, grpc: bool) -> list[tuple[str, str]]:
    """(variable, path) of each TLS file the SDK's exporter of `signal` (`TRACES_`,
    `METRICS_`) reads over gRPC (`grpc`) or HTTP; the path is '' when the variable is unset."""
    own, generic = c.OTEL_OTLP_ENV_PREFIX + signal, c.OTEL_OTLP_ENV_PREFIX
    if not grpc:
        chosen = [own + k if own + k in os.environ else generic + k for k in _KINDS]
        return [(v, os.environ.get(v, "")) for v in chosen]
    for prefix in (own, generic):
        certificate = os.environ.get(prefix + c.OTEL_TLS_CERTIFICATE)
        if certificate is None:
            continue
        if not certificate:
            return []
        return [(prefix + k, os.environ.get(prefix + k, "")) for k in _KINDS]
    return []


def tls_problem(signal: str, grpc: bool) -> str | None:
    """What would fail every TLS export of `signal` with the files its variables name (see
    the module doc), naming the variable, or None."""
    files = _files(signal, grpc)
    for variable, path in files:
        if path and not os.path.exists(path):
            return (
                f"{variable}={shown(path)}: no such file (the OpenTelemetry OTLP exporter reads "
                "it for TLS, and every export would fail)"
            )
    if not grpc or not files:
        return None
    (key, key_path), (cert, cert_path) = files[1], files[2]
    if os.path.isfile(key_path) == os.path.isfile(cert_path):
        return None
    given, missing = (key, cert) if os.path.isfile(key_path) else (cert, key)
    return (
        f"{given}={shown(os.environ[given])}: the OpenTelemetry OTLP/gRPC exporter needs "
        f"{missing} as well (a readable file): gRPC aborts the process on half a client pair"
    )
