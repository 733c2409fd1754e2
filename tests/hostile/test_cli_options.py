"""Hostile command-line options of report, gate, canary-check and lint --prometheus.

`cases()` generates bad values for every option the three commands take (URLs that are not
http(s), non-finite or out-of-range numbers and times, header injections, tenant IDs, token
and CA files that are missing, empty, binary, folders or FIFOs, conflicting options). Each
must be exit 2 with exactly one `error: ...` line of bounded length and no control character,
before any request is sent, without echoing a header value or a token, and without hanging
(a FIFO named as the token file is refused, never opened for a blocking read).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.hostile.fake_prometheus import FakePrometheus, Reply, api

from adk_observe.cli import main
from adk_observe.errors import MESSAGE_LIMIT, printable

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "examples" / "support-agent.yaml")
DEPLOY = str(ROOT / "deploy")
SECRET = "hush-4c1d-value"  # in header values and token files: never printed

COMMANDS = {
    "report": ["report", SPEC],
    "gate": ["gate", SPEC, "--min-budget", "10"],
    "canary-check": ["canary-check", DEPLOY, "--canary-hash", "abc", "--stable-hash", "def"],
    # lint takes the connection options only; its spec makes it query (a latency SLI's buckets)
    "lint": ["lint", str(ROOT / "tests" / "hostile" / "specs" / "apiserver-latency.yaml")],
}
TIMED = ("report", "gate", "canary-check")  # the commands that take --at

Files = Callable[[Path], list[str]]  # makes files under a temp dir, returns the options


@dataclass(frozen=True)
class Case:
    name: str
    options: Files
    message: str
    commands: tuple[str, ...] = tuple(COMMANDS)
    url: bool = True  # add --prometheus <the fake> (the case sets it itself when False)


def _opts(*options: str) -> Files:
    return lambda _tmp: list(options)


def _file(content: bytes, option: str) -> Files:
    def make(tmp: Path) -> list[str]:
        path = tmp / "file"
        path.write_bytes(content)
        return [option, str(path)]

    return make


def _fifo(option: str, https: bool = False) -> Files:
    def make(tmp: Path) -> list[str]:
        path = tmp / "pipe"
        os.mkfifo(path)  # nobody writes to it: opening it for a normal read would hang
        url = ["--prometheus", "https://127.0.0.1:1"] if https else []
        return [*url, option, str(path)]

    return make


def _folder(option: str) -> Files:
    return lambda tmp: [option, str(tmp)]


def url_cases() -> Iterator[Case]:
    bad = {
        "": "an empty URL",
        "   ": "an empty URL",
        "file:///etc/passwd": "only http:// and https:// URLs are read (file given)",
        "ftp://prometheus:21": "only http:// and https:// URLs are read (ftp given)",
        "javascript:alert(1)": "only http:// and https:// URLs are read (javascript given)",
        "prometheus:9090": "only http:// and https:// URLs are read (prometheus given)",
        "http://": "the URL names no host",
        "http://prometheus:99999": "not a URL (Port out of range 0-65535)",
        "http://prometheus:abc": "not a URL",
        "http://[::1": "not a URL (Invalid IPv6 URL)",
        "http://prometheus:9090/?token=x": "a query string or fragment has no place",
        "http://prometheus:9090/#x": "a query string or fragment has no place",
        "http://prom etheus": "control characters or spaces in the URL",
        "http://prometheus\x1b[31m:9090": "control characters or spaces in the URL",
        "http://prometheus:9090/\r\nX: y": "control characters or spaces in the URL",
    }
    for url, message in bad.items():
        yield Case(f"--prometheus {url!r}", _opts("--prometheus", url), message, url=False)


def number_cases() -> Iterator[Case]:
    for option, limit in (("--timeout", "3600"), ("--deadline", "86400")):
        for value in ("nan", "inf", "-inf", "0", "-1", "1e400", "1e9"):
            yield Case(
                f"{option} {value}",
                _opts(f"{option}={value}"),
                f"'{value}' must be a number of seconds above 0 and at most {limit}",
            )
        yield Case(f"{option} abc", _opts(option, "abc"), "'abc' is not a number of seconds")
    for value in ("nan", "inf", "-1", "1e20", "1e400", "-1e-9"):
        between = "is not a time between 1970 and 9999"
        yield Case(f"--at {value}", _opts(f"--at={value}"), between, TIMED)
    for value, message in (
        ("yesterday", "is not a time like 2026-12-01T00:00:00Z"),
        ("2026-13-01T00:00:00Z", "is not a time like"),
        ("2026-12-01T00:00:00", "needs a time zone"),
        ("", "is not a time like"),
    ):
        yield Case(f"--at {value!r}", _opts(f"--at={value}"), message, TIMED)
    gate = ("gate",)
    for value in ("nan", "101", "-1", "inf", "-0.001"):
        between = f"'{value}' must be between 0 and 100"
        yield Case(f"--min-budget {value}", _opts(f"--min-budget={value}"), between, gate)
    for value in ("abc", "50%%", ""):
        not_one = f"'{value}' is not a percentage"
        yield Case(f"--min-budget {value!r}", _opts(f"--min-budget={value}"), not_one, gate)
    for value in ("nan", "inf", "0", "-1", "1e400"):
        above = f"'{value}' must be a finite number above zero"
        yield Case(f"--max-burn {value}", _opts(f"--max-burn={value}"), above, gate)


def header_cases() -> Iterator[Case]:
    name = "is not a header name: give 'Name: value' (value not shown)"
    value = "has a line break, a control or non-ASCII character, or is over 8 KiB"
    for header, message in (
        ("NoColon", name),
        (": v", name),
        (f"Bad Name: {SECRET}", name),
        (f"X-Auth: {SECRET}\r\nInjected: 1", value),
        (f"X-Auth: {SECRET}\n", value),
        (f"X-Auth: {SECRET}\x00", value),
        (f"X-Auth: {SECRET}é", value),
        (f"X-Auth: {SECRET}" + "a" * 9000, value),
        ("Host: evil.example", "Host is set by the client itself"),
        ("Content-Length: 5", "Content-Length is set by the client itself"),
    ):
        yield Case(f"--header {header[:40]!r}", _opts("--header", header), message)
    for tenant in ("", ".", "..", "a b", "a/b", "t" * 151, "t1\x1b[2J", "t1\r\nX: y", "t1\n"):
        yield Case(f"--tenant {tenant[:20]!r}", _opts("--tenant", tenant), "is not a tenant ID")
    yield Case(
        "--tenant and --header X-Scope-OrgID",
        _opts("--tenant", "t1", "--header", "X-Scope-OrgID: t2"),
        "--tenant and --header X-Scope-OrgID both set the tenant",
    )


def file_cases() -> Iterator[Case]:
    token = "--bearer-token-file"
    yield Case("an empty token path", _opts(token, ""), "an empty path")
    yield Case("a missing token file", _opts(token, "/nonexistent/t"), "No such file or directory")
    yield Case("a token folder", _folder(token), ": a folder, not a regular file")
    yield Case("a token FIFO", _fifo(token), "pipe: a FIFO, not a regular file")
    yield Case("an empty token file", _file(b"\n\n", token), "the file is empty")
    yield Case(
        "a token with a line break",
        _file(f"{SECRET}\n{SECRET}\n".encode(), token),
        "a token is one line of visible ASCII characters (content not shown)",
    )
    yield Case(
        "a token with a space", _file(f"{SECRET} x".encode(), token), "(content not shown)"
    )
    yield Case("a binary token file", _file(b"\xff\xfe" + SECRET.encode(), token), "not UTF-8")
    yield Case("a 100 KB token file", _file(b"t" * 100_000, token), "larger than 65,536 bytes")

    def with_header(tmp: Path) -> list[str]:
        path = tmp / "token"
        path.write_text(SECRET)
        return [token, str(path), "--header", f"Authorization: Basic {SECRET}"]

    yield Case(
        "a token and an Authorization header",
        with_header,
        "--bearer-token-file and --header Authorization both set Authorization",
    )

    def with_userinfo(tmp: Path) -> list[str]:
        path = tmp / "token"
        path.write_text(SECRET)
        return ["--prometheus", f"http://u:{SECRET}@127.0.0.1:1", token, str(path)]

    yield Case(
        "user info in the URL and a token",
        with_userinfo,
        "user info in --prometheus and an Authorization header conflict",
        url=False,
    )
    ca = "--ca-file"
    yield Case(
        "a CA file for an http URL",
        _file(b"x", ca),
        "--ca-file is for an https:// --prometheus URL",
    )
    https = ["--prometheus", "https://127.0.0.1:1"]

    def ca_file(content: bytes) -> Files:
        return lambda tmp: [*https, *_file(content, ca)(tmp)]

    not_pem = "no usable PEM certificate"
    yield Case("a CA file that is not PEM", ca_file(b"not a cert"), not_pem, url=False)
    yield Case("a CA FIFO", _fifo(ca, https=True), "pipe: a FIFO, not a regular file", url=False)
    yield Case(
        "a missing CA file",
        _opts(*https, ca, "/nonexistent/ca.pem"),
        "No such file or directory",
        url=False,
    )


def other_cases() -> Iterator[Case]:
    yield Case("--format xml", _opts("--format", "xml"), "invalid choice: 'xml'", ("report",))
    yield Case("-o ''", _opts("-o", ""), "an empty output path", ("report",))
    yield Case("--calendar year", _opts("--calendar", "year"), "invalid choice", ("report", "gate"))
    escaped = "--slo x\\x1b[2J: no such SLO"
    yield Case("--slo with an escape", _opts("--slo", "x\x1b[2J"), escaped, ("gate",))
    canary = ("canary-check",)
    for value in ('abc"} or vector(1)', "", "A" * 100, "x" * 1_000_000, "abc\x1b[2J", "abc\n"):
        yield Case(
            f"--canary-hash {value[:20]!r}",
            _opts("--canary-hash", value),
            "is not a pod template hash",
            canary,
        )
    # lint without --prometheus reads no Prometheus: a connection option is a mistake, named
    for option, value in (("--tenant", "t1"), ("--header", f"X-Key: {SECRET}"),
                          ("--bearer-token-file", "/nonexistent"), ("--timeout", "5"),
                          ("--deadline", "60"), ("--ca-file", "/nonexistent"),
                          ("--timeout", "10"), ("--deadline", "120")):  # given its default
        yield Case(
            f"lint {option} {value[:12]} without --prometheus",
            _opts(option, value),
            f"{option} needs --prometheus",
            ("lint",),
            url=False,
        )
    yield Case(
        "an unknown option with an escape",
        _opts("--bogus\x1b[31m"),
        "unrecognized arguments: --bogus\\x1b[31m",
    )


def cases() -> Iterator[Case]:
    for generate in (url_cases, number_cases, header_cases, file_cases, other_cases):
        yield from generate()


CASES = list(cases())


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own refusals
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePrometheus]:
    with FakePrometheus(lambda _: Reply(api({"resultType": "vector", "result": []}))) as server:
        yield server


def test_every_option_of_the_four_commands_has_hostile_cases(tmp_path: Path) -> None:
    covered = set()
    for i, case in enumerate(CASES):
        (tmp_path / str(i)).mkdir()
        words = case.options(tmp_path / str(i))
        covered |= {w.split("=")[0] for w in words if w.startswith("-")}
    options = {"--prometheus", "--timeout", "--deadline", "--header", "--tenant", "--at"}
    options |= {"--bearer-token-file", "--ca-file", "--min-budget", "--max-burn", "--slo"}
    options |= {"--format", "-o", "--calendar", "--canary-hash"}
    assert options <= covered
    assert len(CASES) >= 80


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_option_is_one_exit_2_line_before_any_request(
    case: Case, tmp_path: Path, fake: FakePrometheus
) -> None:
    options = case.options(tmp_path)
    url = ["--prometheus", fake.url] if case.url else []
    for command in case.commands:
        sent = len(fake.requests)
        code, out, err = _run([*COMMANDS[command], *url, *options])
        assert (command, code, out) == (command, 2, "")
        assert err.endswith("\n") and err.count("\n") == 1, err[:300]
        line = err.rstrip("\n")
        assert line.startswith("error: ") and len(line) <= MESSAGE_LIMIT + 40, line[:300]
        assert printable(line, len(line)) == line
        assert case.message in line, line
        assert SECRET not in line and "Traceback" not in line
        assert len(fake.requests) == sent  # refused before Prometheus was asked anything


def test_the_docs_show_a_real_refusal(fake: FakePrometheus) -> None:
    page = " ".join((ROOT / "docs" / "commands.md").read_text().split())
    shown = page.split("A bad option is one line and exit 2, before any request: `", 1)[1]
    shown = shown.split("`", 1)[0]
    code, _, err = _run([*COMMANDS["gate"], "--prometheus", fake.url, "--timeout", "inf"])
    assert (code, err) == (2, " ".join(shown.split()) + "\n")
