"""The wheel in a fresh venv: every CLI verb on every example without extras, the deploy gates
with `[deploy]`, and a real ADK agent with `[adk]`."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from tests.conftest import in_ci, require_tool
from tests.deploy.kustomize_build import kubectl_binary
from tests.deploy.test_matrix import _accepted, _spec
from wheel_support import ROOT, checkov_dir, clean_env, make_venv, run

from adk_observe.demo.prometheus import PrometheusServer, free_port

pytestmark = pytest.mark.packaging

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
# examples/plain_agent.py's output, as README.md shows it: 3 turns, the third fails.
PLAIN_AGENT_OUTPUT = """\
adk_agent_requests_total{agent_id="billing",endpoint="agent",method="turn",status_code="200"} 2.0
adk_agent_requests_total{agent_id="billing",endpoint="agent",method="turn",status_code="500"} 1.0
adk_agent_tool_calls_total{agent_id="billing",status="ok",tool="lookup_invoice"} 3.0
adk_agent_llm_calls_total{agent_id="billing",model="gpt-4o",status="ok"} 2.0
adk_agent_llm_calls_total{agent_id="billing",model="gpt-4o",status="error"} 1.0
adk_agent_llm_tokens_total{agent_id="billing",model="gpt-4o",token_type="input"} 8.0
adk_agent_llm_tokens_total{agent_id="billing",model="gpt-4o",token_type="output"} 14.0
"""
# examples/adk_agent.py: 2 turns, each a get_weather call (12 in, 4 out tokens) then an answer
# (30 in, 8 out): 4 model calls, 2 tool calls, 84 input and 24 output tokens.
ADK_AGENT_OUTPUT = """\
Sunny in Paris.
Sunny in Paris.
adk_agent_requests_total{agent_id="forecaster",endpoint="agent",method="turn",status_code="200"} 2.0
adk_agent_tool_calls_total{agent_id="forecaster",status="ok",tool="get_weather"} 2.0
adk_agent_llm_calls_total{agent_id="forecaster",model="scripted-model",status="ok"} 4.0
adk_agent_llm_tokens_total{agent_id="forecaster",model="scripted-model",token_type="input"} 84.0
adk_agent_llm_tokens_total{agent_id="forecaster",model="scripted-model",token_type="output"} 24.0
"""


def _has_deploy(spec: Path) -> bool:
    return any(line.startswith("  deploy:") for line in spec.read_text().splitlines())


def test_every_verb_on_every_example_without_extras(wheel: Path, tmp_path: Path) -> None:
    venv = make_venv(tmp_path, wheel)
    env = clean_env(venv)
    cli = str(venv / "bin" / "adk-observe")
    work = tmp_path / "work"  # an unrelated folder: nothing of the checkout is importable here
    work.mkdir()
    where = run([str(venv / "bin" / "python"), "-c",
                 "import adk_observe; print(adk_observe.__file__)"], work, env).stdout
    assert where.startswith(str(venv / "lib")), where
    assert run([cli, "--version"], work, env).stdout == "adk-observe 0.1.0\n"
    assert '"adk-observe/v1"' in run([cli, "schema"], work, env).stdout
    # (a count would break whenever an example is added; these two must be there)
    assert {"support-agent", "demo-agent"} <= {p.stem for p in EXAMPLES}
    deployed = []
    for spec in EXAMPLES:
        out = work / spec.stem
        run([cli, "validate", str(spec)], work, env)
        run([cli, "compile-rules", str(spec), "-o", str(out / "rules"), "--emit-tests"], work, env)
        run([cli, "dashboards", str(spec), "-o", str(out / "dashboards")], work, env)
        run([cli, "lint", str(spec)], work, env)
        run([cli, "alertmanager", str(spec), "-o", str(out / "alertmanager")], work, env)
        run([cli, "alertmanager", str(spec), "-o", str(out / "amcfg"), "--format", "operator"],
            work, env)
        run([cli, "runbooks", str(spec), "-o", str(out / "runbooks")], work, env)
        if _has_deploy(spec):
            run([cli, "render-deploy", str(spec), "-o", str(out / "deploy")], work, env)
            deployed.append(out / "deploy")
        assert (out / "rules").is_dir() and (out / "dashboards").is_dir()
        assert (out / "alertmanager" / "templates" / "adk-observe.tmpl").is_file()
    assert work / "support-agent" / "deploy" in deployed
    # The AlertmanagerConfig schema ships in the wheel.
    schema = run([str(venv / "bin" / "python"), "-c",
                  "from importlib import resources; print((resources.files('adk_observe') / "
                  "'schemas/crds/monitoring.coreos.com/alertmanagerconfig_v1alpha1.json')"
                  ".read_text()[:40])"], work, env).stdout
    assert schema.startswith("{")

    # Without the deploy extra the gates say what to install, before any output.
    proc = run([cli, "check-deploy", str(deployed[0]), "--no-checkov"], work, env, expect=2)
    assert proc.stdout == ""
    assert proc.stderr == (
        "error: check-deploy needs the deploy extra (kubernetes-validate, jsonschema): "
        "pip install 'adk-observe[deploy]'\n"
    )

    # The verbs that read a live Prometheus, against a real (empty) one: no data is an answer,
    # not a crash, and an unreachable one is exit 3 with one line.
    support = ROOT / "examples" / "support-agent.yaml"
    canary = work / "support-agent" / "deploy" / "support-agent"
    with PrometheusServer(rules={}, targets={}, binary=require_tool("prometheus")) as prom:
        proc = run([cli, "report", str(support), "--prometheus", prom.url, "--format", "json"],
                   work, env)
        assert '"name": "support-agent"' in proc.stdout
        proc = run([cli, "gate", str(support), "--prometheus", prom.url, "--min-budget", "10"],
                   work, env, expect=4)
        hashes = ["--canary-hash", "6b8f9c7d4", "--stable-hash", "5a7e8b6c3"]
        proc = run([cli, "canary-check", str(canary), "--prometheus", prom.url, *hashes],
                   work, env, expect=None)
        assert proc.returncode in (3, 4), proc.stderr  # no series: Error or Inconclusive
        assert "Traceback" not in proc.stderr
    dead = f"http://127.0.0.1:{free_port()}"
    for argv in (["report", str(support)], ["gate", str(support), "--min-budget", "10"],
                 ["canary-check", str(canary), *hashes]):
        proc = run([cli, *argv, "--prometheus", dead], work, env, expect=3)
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, argv

    # The plain agent of the README, with nothing but the runtime dependencies.
    proc = run([str(venv / "bin" / "python"), str(ROOT / "examples" / "plain_agent.py")], work, env)
    assert proc.stdout == PLAIN_AGENT_OUTPUT

    # OTLP over gRPC without the grpc extra: one clear error at init(), what to install.
    grpc_env = {**env, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}
    script = ("import adk_observe\ntry:\n    adk_observe.init('x', metrics_port=-1)\n"
              "except adk_observe.OptionsError as exc:\n    print(exc)\n")
    proc = run([str(venv / "bin" / "python"), "-c", script], work, grpc_env)
    assert proc.stdout == ("OTEL_*: tracing_protocol: grpc needs "
                           "opentelemetry-exporter-otlp-proto-grpc: "
                           "install the grpc extra: pip install 'adk-observe[grpc]'\n")

    # Now the deploy extra, and nothing else: no CR schema folder anywhere (the work folder has
    # no ../shared), no ADK_OBSERVE_* variable. The gates use the schemas inside the wheel.
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
         f"adk-observe[deploy] @ {wheel.as_uri()}"], work, env)
    assert not (work.parent / "shared").exists()
    listing = run([cli, "check-deploy", "--list-schemas"], work, env).stdout.splitlines()
    listed = {line.split()[0]: line for line in listing}
    for rel in ("argoproj.io/rollout_v1alpha1.json", "monitoring.coreos.com/servicemonitor_v1.json",
                "networking.gke.io/healthcheckpolicy_v1.json",
                "cloud.google.com/backendconfig_v1.json"):
        assert "[packaged]" in listed[rel], listing
    assert all(" - " not in line.split("[")[0] for line in listing), listing  # every version
    for folder in deployed:
        proc = run([cli, "check-deploy", str(folder), "--no-checkov"], work, env)
        assert proc.stdout.endswith("all gates passed\n"), proc.stdout

    # checkov: absent from PATH -> how to get it, exit 2; on PATH (from any folder) -> used.
    bare = clean_env(venv, PATH=str(venv / "bin"))  # nothing but the venv on PATH
    proc = run([cli, "check-deploy", str(deployed[0])], work, bare, expect=2)
    assert "checkov not found: install it in its own virtualenv" in proc.stderr
    assert "--no-checkov" in proc.stderr
    checkov = checkov_dir()
    if checkov is None:
        message = "checkov not found (make test installs it in .venv-checkov)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    with_checkov = clean_env(venv, PATH=f"{venv / 'bin'}:{checkov}:/usr/bin:/bin")
    # Every strategy x engine x class the spec accepts (gke and gke-gateway included), rendered
    # and checked by the installed wheel alone: every gate, checkov too.
    specs = []
    for combo in _accepted():
        path = work / "matrix" / f"{'-'.join(combo)}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(_spec(*combo), encoding="utf-8")
        specs.append(str(path))
    run([cli, "render-deploy", *specs, "-o", str(work / "matrix-out")], work, env)
    # What `kubectl kustomize` builds from each folder (what `kubectl apply -k` sends), one file
    # per folder, is what the gates check.
    kubectl = kubectl_binary()
    for folder in sorted((work / "matrix-out").iterdir()):
        built = work / "matrix-built" / folder.name
        built.mkdir(parents=True)
        proc = run([kubectl, "kustomize", str(folder)], work, env)
        (built / "built.yaml").write_text(proc.stdout, encoding="utf-8")
        (built / "kustomization.yaml").write_text("resources: [built.yaml]\n", encoding="utf-8")
    proc = run([cli, "check-deploy", str(work / "matrix-built")], work, with_checkov)
    assert proc.stdout.count("  PASS  checkov --framework kubernetes") == len(specs), proc.stdout
    assert proc.stdout.count("custom-resource schemas (") == len(specs)
    assert "FAIL" not in proc.stdout and proc.stdout.endswith("all gates passed\n")


def test_an_adk_agent_runs_with_the_adk_extra(wheel: Path, tmp_path: Path) -> None:
    venv = make_venv(tmp_path, wheel, extras="adk")
    work = tmp_path / "work"
    work.mkdir()
    env = clean_env(venv)
    proc = run([str(venv / "bin" / "python"), str(ROOT / "examples" / "adk_agent.py")], work, env)
    assert proc.stdout == ADK_AGENT_OUTPUT
    assert not os.environ.get("PYTHONPATH", "").startswith(str(venv))


def test_the_gate_job_of_the_docs_runs_from_its_target_folder(wheel: Path, tmp_path: Path) -> None:
    """docs/error-budgets.md installs the wheel into a folder with the stock Python image (the
    project publishes no image) and runs `python -m adk_observe` with PYTHONPATH: the same two
    commands here, with this machine's Python 3.11 standing in for python:3.11-slim."""
    import re

    import yaml

    doc = (ROOT / "docs" / "error-budgets.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
                 if b.startswith("# error-budget-gate.yaml"))
    job = yaml.safe_load(block)["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]
    install, gate = job["spec"]["initContainers"][0], job["spec"]["containers"][0]
    assert install["image"] == gate["image"] == "python:3.11-slim"
    base = getattr(sys, "_base_executable", sys.executable)
    site = tmp_path / "site"
    command = [base if a == "python" else a for a in install["command"]]
    command = [str(site) if a == "/opt/adk-observe" else a for a in command]
    command[-1] = str(wheel)  # the published requirement, here the built wheel
    env = clean_env(tmp_path)
    run(command, tmp_path, env)
    (pythonpath,) = [e["value"] for e in gate["env"] if e["name"] == "PYTHONPATH"]
    assert pythonpath == "/opt/adk-observe"
    args = [a.replace("{{args.min-budget}}", "25") for a in gate["args"]]
    dead = f"http://127.0.0.1:{free_port()}"
    args[args.index("--prometheus") + 1] = dead
    spec = tmp_path / "spec"
    spec.mkdir()
    shutil.copy(ROOT / "examples" / "support-agent.yaml", spec / "support-agent.yaml")
    args = [str(spec / "support-agent.yaml") if a.startswith("/spec/") else a for a in args]
    cmd = [base if a == "python" else a for a in gate["command"]]
    proc = run([*cmd, *args], tmp_path, {**env, "PYTHONPATH": str(site)}, expect=3)
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr  # it ran the gate
