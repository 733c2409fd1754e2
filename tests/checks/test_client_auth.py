"""Reaching a central store (issue 20): `--tenant`, `--bearer-token-file`, `--header` and
`--ca-file`, through a proxy in front of the real backfilled Prometheus that demands them
(as Mimir's or an auth proxy's gateway does). The token is sent and never printed."""

from __future__ import annotations

import json
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.checks.history import END
from tests.conftest import require_tool
from tests.hostile.fake_prometheus import FakePrometheus, Reply, Request, forward, http

from adk_observe.cli import main
from adk_observe.demo.prometheus import PrometheusServer

TOKEN = "eyJhbGciOiJIUzI1NiJ9.tenant-t1.c2lnbmF0dXJl"
TENANT = "t1"


def _gateway(upstream: str) -> FakePrometheus:
    """Answers only with `X-Scope-OrgID: t1` and the bearer token; otherwise 401 with an error
    that echoes what it was sent (a careless gateway), tokens included."""
    proxy = forward(upstream, lambda answer: None)

    def respond(request: Request) -> Reply:
        tenant = request.headers.get("X-Scope-OrgID")
        auth = request.headers.get("Authorization")
        if tenant == TENANT and auth == f"Bearer {TOKEN}":
            return proxy(request)
        error = f"no access for tenant {tenant!r} with {auth!r}"
        text = json.dumps({"status": "error", "errorType": "auth", "error": error})
        return Reply(http(401, text.encode(), reason="Unauthorized"))

    return FakePrometheus(respond)


@pytest.fixture
def token_file(tmp_path: Path) -> str:
    path = tmp_path / "token"
    path.write_text(f"{TOKEN}\n")  # as a Kubernetes secret volume holds it, newline and all
    return str(path)


def _report(
    url: str, spec: Path, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, str, str]:
    code = main(["report", str(spec), "--prometheus", url, "--at", str(END), *options])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_report_through_a_gateway_that_demands_a_tenant_and_a_token(
    backfilled: PrometheusServer,
    specs: dict[str, Path],
    token_file: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    direct = _report(backfilled.url, specs["steady"], capsys)
    with _gateway(backfilled.url) as gateway:
        answered = _report(
            gateway.url,
            specs["steady"],
            capsys,
            "--tenant",
            TENANT,
            "--bearer-token-file",
            token_file,
        )
        refused = _report(gateway.url, specs["steady"], capsys)
        wrong = ["--tenant", "t2", "--bearer-token-file", token_file]
        wrong_tenant = _report(gateway.url, specs["steady"], capsys, *wrong)
        sent = gateway.requests
    # The same report as from Prometheus itself (the first line names the URL read).
    assert answered[0] == 0 and answered[2] == ""
    assert answered[1].split("\n", 1)[1] == direct[1].split("\n", 1)[1]
    assert all(r.headers["X-Scope-OrgID"] == TENANT for r in sent[: len(sent) // 2])
    # Without them: exit 3, one line, the 401.
    assert refused[:2] == (3, "")
    assert refused[2].count("\n") == 1
    assert refused[2].startswith(f"error: {gateway.url}: HTTP 401 Unauthorized for '")
    assert refused[2].endswith("no access for tenant None with None\n")
    # The gateway echoes the token it refused: the message shows it redacted.
    assert wrong_tenant[0] == 3
    assert wrong_tenant[2].endswith("no access for tenant 't2' with '[REDACTED]'\n")
    for _, out, err in (answered, refused, wrong_tenant):
        assert TOKEN not in out + err


def test_every_header_is_sent_as_given(token_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.hostile.fake_prometheus import api

    spec = Path(__file__).resolve().parents[2] / "examples" / "support-agent.yaml"
    empty = api({"resultType": "vector", "result": []})
    with FakePrometheus(lambda _: Reply(empty)) as fake:
        options = ["--header", "X-A: 1", "--header", "X-B:  two words ", "--tenant", "a|b"]
        code = main(["gate", str(spec), "--prometheus", fake.url, "--min-budget", "1", *options])
        capsys.readouterr()
        first = fake.requests[0]
    assert code == 4  # an empty store: no data
    assert (first.headers["X-A"], first.headers["X-B"]) == ("1", "two words")
    assert first.headers["X-Scope-OrgID"] == "a|b"  # a federated query over two tenants
    assert first.method == "POST" and first.form["query"]


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A CA and a certificate for 127.0.0.1 signed by it (openssl, EC keys: fast)."""
    openssl = require_tool("openssl", "openssl")
    root = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def sh(*argv: str) -> None:
        subprocess.run([openssl, *argv], cwd=root, check=True, capture_output=True)

    ca = ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test CA"]
    sh("req", "-x509", *ec, *ca)
    sh("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (root / "ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    sh(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext",
    )
    yield root


def test_https_with_a_private_ca(
    certificates: Path, token_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.hostile.fake_prometheus import api

    spec = Path(__file__).resolve().parents[2] / "examples" / "support-agent.yaml"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    empty = api({"resultType": "vector", "result": []})
    gate = ["gate", str(spec), "--min-budget", "1", "--bearer-token-file", token_file]
    with FakePrometheus(lambda _: Reply(empty), tls=context) as fake:
        unverified = main([*gate, "--prometheus", fake.url])
        refused = capsys.readouterr().err
        ca = ["--ca-file", str(certificates / "ca.pem")]
        verified = main([*gate, "--prometheus", fake.url, *ca])
        capsys.readouterr()
        authorized = [r.headers.get("Authorization") for r in fake.requests]
    assert unverified == 3
    assert refused.startswith(f"error: {fake.url} is unreachable: TLS: ")
    assert "certificate" in refused and refused.count("\n") == 1
    assert verified == 4  # reached over TLS: an empty store, no data
    assert authorized and set(authorized) == {f"Bearer {TOKEN}"}  # only after verification
