"""HTTP for the Prometheus client: one request under a hard deadline, a capped answer.

- **Deadline.** A query's deadline covers name resolution, connect, TLS, sending and every
  read: each socket operation gets the time that is left (a monotonic clock), so a server that
  drips one byte a second is cut off at the deadline, not after a per-read timeout per byte.
- **Size.** The body is read in chunks and reading stops one byte past the cap (a 50 MB answer
  costs the cap, not 50 MB); an error body is read only up to a few KB.
- **Where.** Only `http://` and `https://` (certificates verified; `ca` adds a bundle);
  redirects are followed only within the same origin (scheme, host, port) and at most
  `MAX_REDIRECTS` times. Proxy environment variables are not used (credentials go to the
  endpoint named and nowhere else).

Failures are `TransportError`s whose text is ours plus short, sanitised excerpts of what the
server sent; the client (prometheus.py) redacts credentials from it before it is shown.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adk_observe.errors import CommandOptionError, printable

MAX_RESPONSE_BYTES = 8 * 1024 * 1024  # the largest report answer is ~1 MB (100 SLOs, charts)
MAX_ERROR_BYTES = 16 * 1024  # what is read of an error body
EXCERPT = 200  # characters of server text quoted in a message
MAX_REDIRECTS = 3
CHUNK = 64 * 1024
REDIRECTS = frozenset({301, 302, 303, 307, 308})
SCHEMES = {"http": 80, "https": 443}


class TransportError(Exception):
    """The request failed; the message is safe to show once credentials are redacted."""


class TooLargeError(TransportError):
    """The answer is larger than the cap."""


class UnreachableError(TransportError):
    """No complete answer: the connection failed or the deadline passed."""


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """Server text in a message: one line, control characters escaped, at most `limit`."""
    return printable(" ".join(text.split()), limit)


class Deadline:
    """An instant on the monotonic clock; `remaining()` raises TimeoutError once it has passed."""

    def __init__(self, seconds: float, what: str) -> None:
        self.at = time.monotonic() + seconds
        self.what = what

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete answer within {self.what}")
        return left

    @staticmethod
    def earliest(*deadlines: Deadline | None) -> Deadline:
        return min((d for d in deadlines if d is not None), key=lambda d: d.at)


@dataclass(frozen=True)
class Endpoint:
    """A validated base URL. `display` is what messages and reports show: no user info."""

    scheme: str
    host: str
    port: int
    prefix: str  # path before /api/v1, without the trailing slash
    username: str = ""
    password: str = ""

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        def bad(why: str) -> CommandOptionError:
            return CommandOptionError(why)  # never the URL itself: it may hold a password

        url = url.strip()
        if not url:
            raise bad("an empty URL (give e.g. http://prometheus:9090)")
        if printable(url) != url or " " in url:
            raise bad("control characters or spaces in the URL")
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise bad(f"not a URL ({excerpt(str(exc), 80)})") from None
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            shown = excerpt(scheme, 20) or "no scheme"
            raise bad(f"only http:// and https:// URLs are read ({shown} given)")
        if not parts.hostname:
            raise bad("the URL names no host")
        try:
            parts.hostname.encode("idna")
        except UnicodeError:
            raise bad("not a host name") from None
        if parts.query or parts.fragment:
            raise bad("a query string or fragment has no place in the base URL (use --header)")
        return cls(
            scheme=scheme,
            host=parts.hostname,
            port=port or SCHEMES[scheme],
            prefix=parts.path.rstrip("/"),
            username=urllib.parse.unquote(parts.username or ""),
            password=urllib.parse.unquote(parts.password or ""),
        )

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host.lower(), self.port)

    @property
    def display(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = SCHEMES[self.scheme] == self.port
        return f"{self.scheme}://{host}{'' if default else f':{self.port}'}{self.prefix}"


# --- sockets that keep the deadline -------------------------------------------------------------


class _DeadlineIO:
    """Before every read and write, the socket's timeout is set to the time that is left."""

    deadline: Deadline

    def _arm(self) -> None:
        self.settimeout(self.deadline.remaining())  # type: ignore[attr-defined]

    def recv_into(self, *args: Any, **kwargs: Any) -> int:
        self._arm()
        return super().recv_into(*args, **kwargs)  # type: ignore[misc, no-any-return]

    def recv(self, *args: Any, **kwargs: Any) -> bytes:
        self._arm()
        return super().recv(*args, **kwargs)  # type: ignore[misc, no-any-return]

    def sendall(self, *args: Any, **kwargs: Any) -> None:
        self._arm()
        super().sendall(*args, **kwargs)  # type: ignore[misc]


class _Socket(_DeadlineIO, socket.socket):
    pass


class _TLSSocket(_DeadlineIO, ssl.SSLSocket):
    pass


def tls_context(ca_pem: str | None) -> ssl.SSLContext:
    """Certificates verified against the system's roots, plus `ca_pem` when given."""
    context = ssl.create_default_context()
    if ca_pem is not None:
        try:
            context.load_verify_locations(cadata=ca_pem)
        except (ssl.SSLError, ValueError) as exc:
            raise CommandOptionError(
                f"--ca-file: no usable PEM certificate ({excerpt(str(exc), 80)})"
            ) from None
    context.sslsocket_class = _TLSSocket
    return context


def _resolve(host: str, port: int, deadline: Deadline) -> list[Any]:
    """getaddrinfo under the deadline (the resolver itself has no timeout we can set)."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            box.append(OSError(f"cannot resolve the host: {exc}"))

    worker = threading.Thread(target=run, name="adk-observe-resolve", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if not box:
        raise TimeoutError("name resolution did not finish")
    if isinstance(box[0], OSError):
        raise box[0]
    return list(box[0])


def _connect(endpoint: Endpoint, deadline: Deadline, tls: ssl.SSLContext | None) -> socket.socket:
    error: OSError = OSError("the host has no address")
    for family, kind, proto, _, address in _resolve(endpoint.host, endpoint.port, deadline):
        sock = _Socket(family, kind, proto)
        sock.deadline = deadline
        try:
            sock.settimeout(deadline.remaining())
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            if isinstance(exc, TimeoutError):
                break
            continue
        if tls is None:
            return sock
        sock.settimeout(deadline.remaining())  # the handshake's total, in CPython's ssl module
        wrapped = tls.wrap_socket(sock, server_hostname=endpoint.host)
        wrapped.deadline = deadline  # type: ignore[attr-defined]
        return wrapped
    raise error


class _Connection(http.client.HTTPConnection):
    def __init__(self, endpoint: Endpoint, deadline: Deadline, tls: ssl.SSLContext | None):
        super().__init__(endpoint.host, endpoint.port)
        self._endpoint, self._deadline, self._tls = endpoint, deadline, tls
        self.default_port = SCHEMES[endpoint.scheme]  # `Host: name`, without :443 on https

    def connect(self) -> None:
        self.sock = _connect(self._endpoint, self._deadline, self._tls)


# --- one request --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    body: bytes


def _read(response: http.client.HTTPResponse, limit: int, *, cut: bool = False) -> bytes:
    """The body, read in chunks: TooLargeError one byte past `limit`, or with `cut` (an error
    page, of which only the start is quoted) its first `limit` bytes."""
    declared = response.getheader("Content-Length", "")
    if not cut and declared.isdigit() and int(declared) > limit:
        raise TooLargeError(f"an answer of {int(declared):,} bytes (the limit is {limit:,})")
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = response.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if cut:
        return b"".join(chunks)[:limit]
    if size > limit:
        raise TooLargeError(f"an answer larger than the {limit:,}-byte limit")
    if declared.isdigit() and size < int(declared):  # http.client does not check this itself
        raise TransportError(
            f"a broken HTTP answer (the body ended after {size:,} of {int(declared):,} bytes)"
        )
    return b"".join(chunks)


def _once(
    endpoint: Endpoint,
    method: str,
    target: str,
    body: bytes | None,
    headers: Sequence[tuple[str, str]],
    tls: ssl.SSLContext | None,
    deadline: Deadline,
    limit: int,
) -> tuple[Answer, str | None]:
    """One exchange: (the answer, its Location header when it redirects)."""
    conn = _Connection(endpoint, deadline, tls)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.putheader("Connection", "close")
        if body is not None:
            conn.putheader("Content-Type", "application/x-www-form-urlencoded")
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        if response.status in REDIRECTS:
            return Answer(response.status, response.reason, b""), response.getheader("Location")
        if 200 <= response.status < 300:
            return Answer(response.status, response.reason, _read(response, limit)), None
        return Answer(
            response.status, response.reason, _read(response, MAX_ERROR_BYTES, cut=True)
        ), None
    finally:
        conn.close()


def _follow(current: Endpoint, location: str) -> str:
    """The request target a redirect leads to, when it stays within the same origin."""
    url = urllib.parse.urljoin(current.display + "/", location.strip())
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or SCHEMES.get(parts.scheme.lower(), 0)
    except ValueError:
        port = 0
    origin = (parts.scheme.lower(), (parts.hostname or "").lower(), port)
    if origin != current.origin:
        shown = excerpt(f"{parts.scheme}://{parts.hostname or ''}:{port}", 120)
        raise TransportError(f"redirected to another origin ({shown}); not followed")
    path = parts.path or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def request(
    endpoint: Endpoint,
    path: str,
    form: dict[str, str],
    headers: Sequence[tuple[str, str]],
    tls: ssl.SSLContext | None,
    deadline: Deadline,
    limit: int = MAX_RESPONSE_BYTES,
) -> Answer:
    """POST `form` to `endpoint.prefix + path` (Prometheus takes form-encoded POST for
    queries, which keeps long PromQL out of URLs and logs); 307/308 repeat the POST, 301/302/303
    become a GET with the form as query string, as browsers and Go's client do."""
    encoded = urllib.parse.urlencode(form)
    body: bytes | None = encoded.encode()
    method, where = "POST", endpoint.prefix + path
    try:
        for _ in range(MAX_REDIRECTS + 1):
            target = (
                where if body is not None else f"{where}{'&' if '?' in where else '?'}{encoded}"
            )
            answer, location = _once(endpoint, method, target, body, headers, tls, deadline, limit)
            if location is None:
                if answer.status in REDIRECTS:
                    raise TransportError(f"HTTP {answer.status} without a Location")
                return answer
            where = _follow(endpoint, location)
            if answer.status in (301, 302, 303):
                method, body = "GET", None
        raise TransportError(f"more than {MAX_REDIRECTS} redirects")
    except TimeoutError:  # the socket's own or the deadline's: either way the deadline passed
        raise UnreachableError(f"timed out (no complete answer within {deadline.what})") from None
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or exc.reason or "certificate verify failed"
        raise UnreachableError(f"TLS: {excerpt(str(reason), 120)}") from None
    except ssl.SSLError as exc:
        raise UnreachableError(f"TLS: {excerpt(str(exc.reason or exc), 120)}") from None
    except (http.client.HTTPException, ValueError) as exc:
        # Bad status line, header lines too long or too many, broken chunked framing, a body
        # shorter than its Content-Length: the answer is not HTTP we can read.
        detail = excerpt(f"{type(exc).__name__}: {exc}", 120)
        raise TransportError(f"a broken HTTP answer ({detail})") from None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise UnreachableError(excerpt(str(reason), 160)) from None
