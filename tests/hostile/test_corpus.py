"""Hostile specs, tried the way an attacker (or a careless pull request) would.

Every file in tests/hostile/corpus/ is a spec with one hostile change, described on its first
line. Each must give, for EVERY command that reads specs, exit code 2, exactly the one stderr
line below (file, line, key path, reason; at most ~80 characters of the bad value quoted),
nothing on stdout and no output directory. The `ok-*` files are the accepted side of the same
limits and must compile into output that the real tools load.

Line numbers count the comment on line 1; they were read off the files by hand, like the key
paths, and the alias-bomb path was counted by hand from the expansion order (see the comment
at its case).
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import stat
import subprocess
import tracemalloc
from pathlib import Path

import pytest
import yaml
from tests.conftest import in_ci

from adk_observe.cli import main
from adk_observe.loader.load import load_specs

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
SPEC_COMMANDS = (
    "validate",
    "compile-rules",
    "dashboards",
    "lint",
    "render-deploy",
    "alertmanager",
    "runbooks",
)
WITH_OUTPUT = {"compile-rules", "dashboards", "render-deploy", "alertmanager", "runbooks"}

_NS = "is not a valid Kubernetes label value (at most 63 letters, digits, -, _ or ., starting "
_NS += "and ending with a letter or digit)"
_TPL = "not a valid alert template: "
_LOG = "is not writable in the pod (read-only root filesystem): put it under /tmp/, or log to "
_LOG += "stdout (no file)"
_OPEN = "opens the pods to every address: list the VPC CIDR(s), or (class alb only) set scheme: "
_OPEN += "internet-facing to say the service is public"
_CIDR = "is not a CIDR (network address/prefix, host bits zero)"
_X = "x" * 74

# file -> (line, key path, message)
CASES: dict[str, tuple[int, str, str]] = {
    # 1. bounded parsing. Node counts by hand: &a is 5 nodes (the mapping, 2 keys, 2 values),
    # &b 1 + 9*5 = 46, &c 1 + 9*46 = 415, &d 1 + 9*415 = 3,736, &e 1 + 9*3,736 = 33,625. The
    # aliases of x1-x4 copy 45 + 414 + 3,735 + 33,624 = 37,818 nodes, x5[0] 33,625 more
    # (71,443), x5[1] 33,625 more (105,068): over the floor of 100,000, since the file writes
    # only 25 nodes by then (root 1, apiVersion 2, kind 2, metadata 1 + 1, name 2, labels 1 + 5,
    # x1-x5 2 each).
    "alias-bomb": (
        9,
        "x5[1]",
        "aliases copy more than 100,000 nodes (at most 4 per node the file writes, or 100,000)",
    ),
    "deep-flow": (3, "", "nested deeper than 50 levels"),
    # `spec:` is line 3, k0 line 4 ... the key k48 on line 52 is the 51st level.
    "deep-block": (52, "", "nested deeper than 50 levels"),
    "recursive-alias": (7, "metadata.labels.team", "recursive YAML alias"),
    "control-character": (
        7,
        "",
        "invalid YAML: unacceptable character #x0001: control characters are not allowed",
    ),
    # libyaml refuses the escape itself (PyYAML's own parser would build the value, which
    # yamlsource then refuses as "a lone surrogate ... is not text" at the key).
    "lone-surrogate": (7, "", "invalid YAML: found invalid Unicode character escape code"),
    "long-label-name": (
        8,
        f"metadata.labels.'{_X}...-'",
        f"'{_X}...-' is not a valid Prometheus label name",
    ),
    "long-runbook": (
        9,
        "spec.runbook_base_url",
        "must be an http:// or https:// URL (got 'ftp://" + "a" * 68 + "...a')",
    ),
    # 2. generated files always load
    "label-value-template": (
        15,
        "spec.slos[0].alerting.labels.route",
        "a label value must not contain a template ({{)",
    ),
    "label-value-broken-template": (
        7,
        "metadata.labels.team",
        "a label value must not contain a template ({{)",
    ),
    "label-overrides-service": (
        15,
        "spec.slos[0].alerting.labels.service",
        "'service' is set by the compiler on every SLO series and alert",
    ),
    "label-overrides-slo": (
        17,
        "spec.slos[0].alerting.page.labels.slo",
        "'slo' is set by the compiler on every SLO series and alert",
    ),
    "metadata-label-alertname": (
        7,
        "metadata.labels.alertname",
        "'alertname' is set by the compiler on every alert",
    ),
    "annotation-unknown-function": (
        16,
        "spec.slos[0].alerting.annotations.note",
        _TPL + 'function "humanizeBytes" not defined',
    ),
    "annotation-unclosed-action": (
        16,
        "spec.slos[0].alerting.annotations.note",
        _TPL + "unclosed action",
    ),
    "annotation-undefined-variable": (
        16,
        "spec.slos[0].alerting.annotations.note",
        _TPL + "undefined variable '$lables'",
    ),
    "annotation-unbalanced-if": (
        16,
        "spec.slos[0].alerting.annotations.note",
        _TPL + "{{if}} without {{end}}",
    ),
    "annotation-name-invalid": (
        16,
        "spec.slos[0].alerting.annotations.note-1",
        "'note-1' is not a valid Prometheus label name",
    ),
    "runbook-javascript": (
        9,
        "spec.runbook_base_url",
        "must be an http:// or https:// URL (got 'javascript:alert(1)')",
    ),
    "runbook-url-template": (16, "spec.slos[0].alerting.runbook_url", _TPL + "unclosed action"),
    # ... in every spec format
    "sloth-annotation-template": (
        16,
        "slos[0].alerting.annotations.summary",
        _TPL + 'function "humanizeBytes" not defined',
    ),
    "sloth-label-service": (
        15,
        "slos[0].alerting.page_alert.labels.service",
        "'service' is set by the compiler on every SLO series and alert",
    ),
    "openslo-label-template": (
        7,
        "metadata.labels.team",
        "a label value must not contain a template ({{)",
    ),
    # 6. deploy output never hurts the cluster
    "namespace-kube-system": (
        6,
        "metadata.namespace",
        "namespace 'kube-system' belongs to the cluster's own components: deploy the service "
        "to a namespace of its own",
    ),
    "namespace-kube-node-lease": (
        6,
        "metadata.namespace",
        "namespace 'kube-node-lease' belongs to the cluster's own components: deploy the "
        "service to a namespace of its own",
    ),
    "alb-ssl-policy-tls10": (
        22,
        "spec.deploy.ingress.ssl_policy",
        "'ELBSecurityPolicy-2016-08' is not one of the AWS policies that refuse TLS 1.0/1.1 "
        "(e.g. ELBSecurityPolicy-TLS13-1-2-2021-06)",
    ),
    "alb-open-cidr-implicit": (22, "spec.deploy.ingress.allow_cidrs[0]", f"0.0.0.0/0 {_OPEN}"),
    "nginx-open-cidr": (22, "spec.deploy.ingress.allow_cidrs[0]", f"0.0.0.0/0 {_OPEN}"),
    "nginx-scheme": (22, "spec.deploy.ingress.scheme", "scheme belongs to class alb only"),
    "cidr-host-bits": (22, "spec.deploy.ingress.allow_cidrs[0]", f"'10.0.0.1/16' {_CIDR}"),
    "cidr-not-an-address": (22, "spec.deploy.ingress.allow_cidrs[0]", f"'999.0.0.0/8' {_CIDR}"),
    "label-value-not-kubernetes": (
        7,
        "metadata.labels.team",
        f"'shop floor' {_NS}; the deployed objects carry this label",
    ),
    "monitoring-label-key": (
        23,
        "spec.deploy.monitoring.labels.release!",
        "'release!' is not a valid Kubernetes label key",
    ),
    "scaling-max-huge": (
        23,
        "spec.deploy.scaling.max",
        "Input should be less than or equal to 1000",
    ),
    "memory-limit-huge": (
        23,
        "spec.deploy.resources.limits.memory",
        "10Ti is outside the sane range 16Mi..512Gi",
    ),
    "cpu-request-zero": (
        23,
        "spec.deploy.resources.requests.cpu",
        "0 is outside the sane range 1m..64 cores",
    ),
    "canary-min-requests-zero": (
        23,
        "spec.deploy.strategy.analysis.min_requests",
        "Input should be greater than or equal to 1",
    ),
    "log-file-read-only": (
        19,
        "spec.telemetry.logging.file",
        f"log file '/var/log/agent.log' {_LOG}",
    ),
    "log-file-relative": (19, "spec.telemetry.logging.file", f"log file 'agent.log' {_LOG}"),
    "log-file-escapes-tmp": (
        19,
        "spec.telemetry.logging.file",
        f"log file '/tmp/../etc/agent.log' {_LOG}",
    ),
}
ACCEPTED = ("ok-templates", "ok-public-alb", "ok-internal-alb")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def command_line(command: str, spec: Path, out: Path) -> list[str]:
    return [command, str(spec), *(["-o", str(out)] if command in WITH_OUTPUT else [])]


def test_every_corpus_file_has_an_expected_outcome() -> None:
    on_disk = {p.stem for p in CORPUS.glob("*.yaml")}
    assert on_disk == set(CASES) | set(ACCEPTED)


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_spec_is_one_located_error_for_every_command(case: str, tmp_path: Path) -> None:
    line, path, message = CASES[case]
    spec = CORPUS / f"{case}.yaml"
    key = f" {path}:" if path else ""
    expected = f"error: {spec}:{line}:{key} {message}\n"
    for command in SPEC_COMMANDS:
        out = tmp_path / command
        code, stdout, stderr = run(*command_line(command, spec, out))
        assert (command, code, stdout, stderr) == (command, 2, "", expected)
        assert not out.exists()
    assert len(expected) < 400  # one readable line, whatever the input held


@pytest.mark.parametrize("case", ["alias-bomb", "deep-flow", "deep-block"])
def test_parsing_bombs_stay_small(case: str, tmp_path: Path) -> None:
    """Before the bounds the bomb grew past 1.5 GB; Python's own allocations stay < 100 MB."""
    tracemalloc.start()
    try:
        code, _, _ = run("compile-rules", str(CORPUS / f"{case}.yaml"), "-o", str(tmp_path / "o"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 2
    assert peak < 100 * 2**20


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _slos(count: int) -> str:
    """A spec of `count` SLOs, each with a description, labels and alerting: ~0.3 KiB each."""
    slo = (
        "    - name: s{i}\n"
        "      description: Checkout requests of shard {i} that do not fail.\n"
        "      objective: 99.9\n"
        "      labels: {{team: pay, shard: 's{i}'}}\n"
        "      sli: {{builtin: success}}\n"
        "      alerting:\n"
        "        page: {{labels: {{route: pay-oncall}}}}\n"
        "        annotations: {{note: 'shard {i} of {{{{ $labels.service }}}}'}}\n"
    )
    head = "apiVersion: adk-observe/v1\nkind: AgentService\nmetadata: {name: big}\nspec:\n"
    return head + "  slos:\n" + "".join(slo.format(i=i) for i in range(count))


def test_a_10000_slo_spec_loads(tmp_path: Path) -> None:
    """Bounds stop attacks, not scale: 10,000 SLOs are ~290,000 YAML nodes and ~3 MB."""
    spec = _write(tmp_path, "big.yaml", _slos(10_000))
    assert spec.stat().st_size > 3_000_000
    (loaded,) = load_specs([spec])
    assert [s.name for s in loaded.slos[::2500]] == ["s0", "s2500", "s5000", "s7500"]
    assert loaded.slos[-1].labels == (("shard", "s9999"), ("team", "pay"))


def test_too_big_a_file(tmp_path: Path) -> None:
    spec = _write(tmp_path, "big.yaml", "# padding\n" * 900_000)  # 9,000,000 bytes > 8 MiB
    for command in SPEC_COMMANDS:
        out = tmp_path / "out"
        code, _, err = run(*command_line(command, spec, out))
        assert (code, err) == (2, f"error: {spec}:1: the file is larger than 8 MiB\n")
        assert not out.exists()


def test_accepted_templates_load_in_promtool(promtool: str, tmp_path: Path) -> None:
    code, _, err = run(
        "compile-rules", str(CORPUS / "ok-templates.yaml"), "-o", str(tmp_path), "--emit-tests"
    )
    assert (code, err) == (0, "")
    # The generated promtool tests pass too, with `page.labels.severity: critical` renaming the
    # page severity (the tests look for the label the alert really carries).
    for test in sorted(tmp_path.glob("*test.yaml")):
        proc = subprocess.run(
            [promtool, "test", "rules", test.name], cwd=tmp_path, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    rules = tmp_path / "shop-agent.rules.yaml"
    annotations = yaml.safe_load(rules.read_text())["groups"]
    notes = {
        key
        for group in annotations
        for rule in group["rules"]
        for key in (rule.get("annotations") or {})
    }
    assert {"note", "query", "cond", "loop", "fmt", "text", "trim"} <= notes
    check = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def _ingress(tmp_path: Path, case: str) -> dict[str, str]:
    code, _, err = run("render-deploy", str(CORPUS / f"{case}.yaml"), "-o", str(tmp_path))
    assert (code, err) == (0, "")
    ingress = yaml.safe_load((tmp_path / "shop-agent" / "ingress.yaml").read_text())
    return dict(ingress["metadata"]["annotations"])


def test_public_alb_says_so(tmp_path: Path) -> None:
    annotations = _ingress(tmp_path, "ok-public-alb")
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
    policy = yaml.safe_load((tmp_path / "shop-agent" / "networkpolicy.yaml").read_text())
    blocks = [
        f["ipBlock"]["cidr"] for r in policy["spec"]["ingress"] for f in r["from"] if "ipBlock" in f
    ]
    assert blocks == ["0.0.0.0/0"]


def test_internal_alb(tmp_path: Path) -> None:
    annotations = _ingress(tmp_path, "ok-internal-alb")
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internal"
    assert annotations["alb.ingress.kubernetes.io/ssl-policy"] == (
        "ELBSecurityPolicy-TLS13-1-2-2021-06"
    )


def test_operator_labels_follow_kubernetes_syntax(tmp_path: Path) -> None:
    """A plain rule file takes any label value; a PrometheusRule is refused by the API server
    for one with a space, so --format operator refuses it (at the service's name line: the
    model keeps where the service is, not each label)."""
    text = (CORPUS / "ok-templates.yaml").read_text()
    text = text.replace("labels: {team: shop}", "labels: {team: shop floor}")
    text = text[: text.index("  deploy:\n")]  # without deploy, plain rules accept the label
    spec = _write(tmp_path, "spec.yaml", text)
    code, _, err = run("compile-rules", str(spec), "-o", str(tmp_path / "plain"))
    assert (code, err) == (0, "")
    out = tmp_path / "op"
    code, _, err = run("compile-rules", str(spec), "-o", str(out), "--format", "operator")
    assert (code, err) == (
        2,
        f"error: {spec}:5: metadata.labels.team: 'shop floor' is not a valid Kubernetes label "
        "value (at most 63 letters, digits, -, _ or ., starting and ending with a letter or "
        "digit), and --format operator puts it on the PrometheusRule\n",
    )
    assert not out.exists()


def _special(kind: str, tmp: Path) -> Path:
    """A spec path that is no regular file: reading it would block (a FIFO without a writer)
    or never end (a zero device, made here with mknod, never the machine's /dev/zero)."""
    path = tmp / "spec.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "link to a fifo":
        os.mkfifo(tmp / "pipe")
        path.symlink_to(tmp / "pipe")
    elif kind == "folder":
        path.mkdir()
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))  # left bound until the test's temp dir goes
    elif kind == "zero device":
        if os.geteuid() != 0:
            if in_ci():
                pytest.fail("the device case needs root (mknod), as CI runs")
            pytest.skip("mknod needs root")
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 5))
    return path


SPECIAL = {
    "fifo": "a FIFO",
    "link to a fifo": "a FIFO",
    "folder": "a folder",
    "socket": "No such device or address",  # open() of a socket fails itself (ENXIO)
    "zero device": "a character device",
}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_spec_that_is_no_regular_file_is_refused(kind: str, tmp_path: Path) -> None:
    spec = _special(kind, tmp_path)
    for command in SPEC_COMMANDS:
        out = tmp_path / "out"
        code, stdout, err = run(*command_line(command, spec, out))
        assert (command, code, stdout) == (command, 2, "")
        assert err.startswith(f"error: {spec}: cannot read the file: {SPECIAL[kind]}"), err
        assert err.count("\n") == 1 and not out.exists()


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_kustomization_that_is_no_regular_file_is_refused(kind: str, tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    spec = _special(kind, folder)
    spec.rename(folder / "kustomization.yaml")
    code, stdout, err = run("check-deploy", str(folder))
    expected = f"error: {folder / 'kustomization.yaml'}: cannot read the file: {SPECIAL[kind]}"
    assert (code, stdout) == (2, "") and err.startswith(expected), err
