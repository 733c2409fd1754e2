"""The options of every command that reads a live Prometheus (`report`, `gate`,
`canary-check`, lint's live mode), and the client they build.

Everything is checked before the first request: a bad value is exit 2 with one line, and a
header value or token never appears in it. `--header` values and the token are sent with every
query and redacted from every message (checks/prometheus.py).
"""

from __future__ import annotations

import argparse
import math
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from adk_observe import conventions as c
from adk_observe.errors import CommandOptionError, printable, quote

if TYPE_CHECKING:
    from adk_observe.checks.prometheus import PrometheusClient

DEFAULT_DEADLINE = 120.0
MAX_TIMEOUT = 3600.0  # an hour per query; more is a mistake (and overflows socket timeouts)
MAX_DEADLINE = 86400.0
LATEST = 253402300799.0  # 9999-12-31T23:59:59Z, the last instant RFC 3339 can write
TOKEN_LIMIT = 64 * 1024
CA_LIMIT = 1024 * 1024
# RFC 9110 token; the names the client sets itself (or that frame the request) are refused.
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")
HEADER_VALUE = re.compile(r"^[\t\x20-\x7e]{0,8192}$")  # visible ASCII, space and tab
RESERVED = frozenset({"host", "content-length", "content-type", "transfer-encoding", "connection"})
# Mimir/Cortex tenant IDs: up to 150 of these characters, not `.` or `..`; `|` joins several
# tenants for a federated query.
TENANT = re.compile(r"^[A-Za-z0-9!_.*'()|-]{1,150}$")
TENANT_HEADER = "X-Scope-OrgID"
AUTHORIZATION = "Authorization"
TOKEN = re.compile(r"^[\x21-\x7e]+$")


def _seconds(limit: float) -> argparse._ActionType:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{quote(text)} is not a number of seconds") from None
        if not (math.isfinite(value) and 0 < value <= limit):
            raise argparse.ArgumentTypeError(
                f"{quote(text)} must be a number of seconds above 0 and at most {limit:g}"
            )
        return value

    return parse


def parse_time(text: str) -> float:
    """RFC 3339 (2026-12-01T00:00:00Z) or Unix seconds, as the Prometheus API takes them;
    finite, from 1970 to the year 9999."""
    try:
        value = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{quote(text)} is not a time like 2026-12-01T00:00:00Z or Unix seconds"
            ) from None
        if moment.tzinfo is None:
            raise argparse.ArgumentTypeError(
                f"{quote(text)} needs a time zone, e.g. a trailing Z"
            ) from None
        value = moment.timestamp()
    if not (math.isfinite(value) and 0 <= value <= LATEST):
        raise argparse.ArgumentTypeError(
            f"{quote(text)} is not a time between 1970 and 9999 (Unix seconds or RFC 3339)"
        )
    return value


def _url(text: str) -> str:
    from adk_observe.checks.prom_http import Endpoint

    try:
        Endpoint.parse(text)
    except CommandOptionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    name, value = name.strip(" \t"), value.strip(" \t")
    if not colon or not HEADER_NAME.fullmatch(name):
        raise argparse.ArgumentTypeError(
            f"{quote(name, 40)} is not a header name: give 'Name: value' (value not shown)"
        )
    if name.lower() in RESERVED:
        raise argparse.ArgumentTypeError(f"{name} is set by the client itself")
    if not HEADER_VALUE.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"the value of {name} has a line break, a control or non-ASCII character, or is "
            "over 8 KiB (value not shown)"
        )
    return name, value


def _tenant(text: str) -> str:
    if not TENANT.fullmatch(text) or text in (".", ".."):
        raise argparse.ArgumentTypeError(
            f"{quote(text, 40)} is not a tenant ID (1-150 letters, digits and !-_.*'() ; "
            "| joins tenants)"
        )
    return text


def _path(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("an empty path")
    return text


# Where the connection options given on the command line are noted (_Given), whatever their
# values: lint refuses any of them without --prometheus, even one given its default value.
GIVEN = "connection_options_given"


class _Given(argparse.Action):
    """Stores the option's value (with `append=True`, adds it to the list) and notes the
    option as given."""

    def __init__(self, *args: Any, append: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.append = append

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if self.append:
            values = [*(getattr(namespace, self.dest, None) or []), values]
        setattr(namespace, self.dest, values)
        setattr(namespace, GIVEN, [*getattr(namespace, GIVEN, []), option_string])


def add_options(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """--prometheus, --timeout, --deadline, --header, --tenant, --bearer-token-file, --ca-file."""
    parser.set_defaults(**{GIVEN: []})
    parser.add_argument(
        "--prometheus",
        required=required,
        type=_url,
        metavar="URL",
        help="Prometheus base URL, e.g. http://prometheus:9090 (http or https only)",
    )
    parser.add_argument(
        "--timeout",
        action=_Given,
        type=_seconds(MAX_TIMEOUT),
        default=c.PROMETHEUS_QUERY_TIMEOUT,
        metavar="SECONDS",
        help="deadline of each query: connect, send and read the whole answer (default 10)",
    )
    parser.add_argument(
        "--deadline",
        action=_Given,
        type=_seconds(MAX_DEADLINE),
        default=DEFAULT_DEADLINE,
        metavar="SECONDS",
        help="deadline of all the command's queries together (default 120)",
    )
    parser.add_argument(
        "--header",
        type=_header,
        action=_Given,
        append=True,
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header with every query (repeatable; the value is never printed)",
    )
    parser.add_argument(
        "--tenant",
        action=_Given,
        type=_tenant,
        metavar="ID",
        help="tenant of a multi-tenant store (Mimir, Cortex): sends X-Scope-OrgID",
    )
    parser.add_argument(
        "--bearer-token-file",
        action=_Given,
        type=_path,
        metavar="PATH",
        help="send 'Authorization: Bearer <the file's content>' (never printed)",
    )
    parser.add_argument(
        "--ca-file",
        action=_Given,
        type=_path,
        metavar="PATH",
        help="PEM bundle of the CA(s) that sign an https:// Prometheus's certificate",
    )


def _read(option: str, path: str, limit: int) -> str:
    from adk_observe.files import read_regular

    try:
        raw = read_regular(path, limit)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CommandOptionError(f"{option} {printable(path, 200)}: {reason}") from None
    if len(raw) > limit:
        raise CommandOptionError(f"{option} {printable(path, 200)}: larger than {limit:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandOptionError(f"{option} {printable(path, 200)}: not UTF-8 text") from None


def _token(path: str) -> str:
    token = _read("--bearer-token-file", path, TOKEN_LIMIT).strip()
    where = f"--bearer-token-file {printable(path, 200)}"
    if not token:
        raise CommandOptionError(f"{where}: the file is empty")
    if not TOKEN.fullmatch(token):
        raise CommandOptionError(
            f"{where}: a token is one line of visible ASCII characters (content not shown)"
        )
    return token


def headers_of(args: argparse.Namespace) -> tuple[list[tuple[str, str]], list[str]]:
    """(headers to send, secrets to redact) from the options; conflicts are bad input."""
    headers: list[tuple[str, str]] = list(args.header)
    names = {name.lower() for name, _ in headers}
    secrets: list[str] = []
    if args.tenant is not None:
        if TENANT_HEADER.lower() in names:
            raise CommandOptionError(f"--tenant and --header {TENANT_HEADER} both set the tenant")
        headers.append((TENANT_HEADER, args.tenant))
    if args.bearer_token_file is not None:
        if AUTHORIZATION.lower() in names:
            raise CommandOptionError(
                "--bearer-token-file and --header Authorization both set Authorization"
            )
        token = _token(args.bearer_token_file)
        headers.append((AUTHORIZATION, f"Bearer {token}"))
        secrets.append(token)
    return headers, secrets


def optional_client(args: argparse.Namespace) -> PrometheusClient | None:
    """The client when --prometheus is given (lint's live mode); without it, a connection
    option is bad input, not silently unused (CommandOptionError: exit 2)."""
    if args.prometheus is not None:
        return client(args)
    given = getattr(args, GIVEN, [])
    if given:
        raise CommandOptionError(f"{given[0]} needs --prometheus")
    return None


def client(args: argparse.Namespace) -> PrometheusClient:
    """The client the options describe (CommandOptionError: exit 2)."""
    from adk_observe.checks.prom_http import Endpoint
    from adk_observe.checks.prometheus import PrometheusClient

    endpoint = Endpoint.parse(args.prometheus)
    headers, secrets = headers_of(args)
    if (endpoint.username or endpoint.password) and any(
        name.lower() == AUTHORIZATION.lower() for name, _ in headers
    ):
        raise CommandOptionError("user info in --prometheus and an Authorization header conflict")
    ca = None
    if args.ca_file is not None:
        if endpoint.scheme != "https":
            raise CommandOptionError("--ca-file is for an https:// --prometheus URL")
        ca = _read("--ca-file", args.ca_file, CA_LIMIT)
    return PrometheusClient(
        args.prometheus,
        args.timeout,
        deadline=args.deadline,
        headers=headers,
        secrets=secrets,
        ca_pem=ca,
    )
