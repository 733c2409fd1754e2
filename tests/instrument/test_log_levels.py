"""Logger levels as the reference design sets them, the same on every path (init() directly, from
the spec, from the deploy ConfigMap), settable in the spec and by environment; stdout console."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe.deploy.core import config_env
from adk_observe.errors import AdkObserveError
from adk_observe.instrument.options import OptionsError, logger_levels_of, resolve_options
from adk_observe.loader.load import load_file

# The reference design, written out by hand: the service's own logger INFO, agent components
# DEBUG, MCP INFO, root WARNING, and adk-observe's own logger (plus ADK's and the MCP SDK's).
DEFAULT_TABLE = (
    ("adk.agents", "DEBUG"),
    ("adk.mcp", "INFO"),
    ("adk_observe", "INFO"),
    ("google_adk", "INFO"),
    ("mcp", "INFO"),
    ("root", "WARNING"),
    ("support-agent", "INFO"),
)

SPEC = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: support-agent, namespace: agents}
spec:
  slos: [{name: availability, objective: 99.9, sli: {builtin: uptime}}]
  telemetry:
    logging:
      level: DEBUG
      levels: {adk.agents: INFO, root: ERROR, payments.client: WARNING}
"""
PLAIN_SPEC = """\
apiVersion: adk-observe/v1
kind: AgentService
metadata: {name: support-agent, namespace: agents}
spec:
  slos: [{name: availability, objective: 99.9, sli: {builtin: uptime}}]
  deploy:
    image: "ghcr.io/acme/support-agent@sha256:%s"
    ingress: {class: nginx, host: agent.example.com}
""" % ("a" * 64)


def _spec(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "agent.yaml"
    path.write_text(text)
    (spec,) = load_file(path)
    return spec


def test_init_sets_the_reference_levels() -> None:
    adk_observe.init("support-agent", registry=CollectorRegistry(), metrics_port=-1,
                     tracing_enabled=False, log_output=io.StringIO())
    levels = {name: logging.getLevelName(logging.getLogger(None if name == "root" else name).level)
              for name, _ in DEFAULT_TABLE}
    assert tuple(sorted(levels.items())) == DEFAULT_TABLE


def test_the_services_own_info_lines_reach_the_log_and_other_libraries_stay_quiet() -> None:
    out = io.StringIO()
    handle = adk_observe.init("support-agent", registry=CollectorRegistry(), metrics_port=-1,
                              tracing_enabled=False, log_output=out)
    logging.getLogger("support-agent").info("own line")
    logging.getLogger("support-agent.billing").info("child line")
    logging.getLogger("adk.agents.router").debug("agent debug line")
    logging.getLogger("adk.mcp.client").debug("mcp debug line")  # INFO: dropped
    logging.getLogger("urllib3.connectionpool").info("library info")  # root WARNING: dropped
    logging.getLogger("urllib3.connectionpool").warning("library warning")
    handle.force_flush()
    got = [(x["logger"], x["level"], x["message"])
           for x in map(json.loads, out.getvalue().splitlines())]
    assert got == [
        ("support-agent", "INFO", "own line"),
        ("support-agent.billing", "INFO", "child line"),
        ("adk.agents.router", "DEBUG", "agent debug line"),
        ("urllib3.connectionpool", "WARNING", "library warning"),
    ]


def test_init_the_spec_and_the_configmap_resolve_the_same_levels(tmp_path: Path) -> None:
    plain = _spec(tmp_path, PLAIN_SPEC)
    assert plain.deploy is not None
    direct = logger_levels_of(resolve_options(environ={}, service_name="support-agent"))
    from_spec = logger_levels_of(resolve_options(environ={}, telemetry=plain.telemetry,
                                                 service_name=plain.name))
    from_configmap = logger_levels_of(resolve_options(environ=config_env(plain, plain.deploy)))
    assert direct == from_spec == from_configmap == DEFAULT_TABLE


def test_levels_set_in_the_spec_reach_init_and_the_configmap(tmp_path: Path) -> None:
    spec = _spec(tmp_path, SPEC + PLAIN_SPEC[PLAIN_SPEC.index("  deploy:"):])
    expected = (
        ("adk.agents", "INFO"),
        ("adk.mcp", "INFO"),
        ("adk_observe", "INFO"),
        ("google_adk", "INFO"),
        ("mcp", "INFO"),
        ("payments.client", "WARNING"),
        ("root", "ERROR"),
        ("support-agent", "DEBUG"),
    )
    env = config_env(spec, spec.deploy)
    assert env["ADK_OBSERVE_LOG_LEVEL"] == "DEBUG"
    assert env["ADK_OBSERVE_LOGGER_LEVELS"] == (
        "adk.agents=INFO,payments.client=WARNING,root=ERROR")
    assert logger_levels_of(resolve_options(environ=env)) == expected
    assert logger_levels_of(resolve_options(environ={}, telemetry=spec.telemetry,
                                            service_name=spec.name)) == expected


def test_the_environment_overrides_one_logger_and_keeps_the_specs_others(tmp_path: Path) -> None:
    spec = _spec(tmp_path, SPEC)
    options = resolve_options(environ={"ADK_OBSERVE_LOGGER_LEVELS": "adk.agents=debug"},
                              telemetry=spec.telemetry, service_name=spec.name)
    table = dict(logger_levels_of(options))
    assert (table["adk.agents"], table["root"], table["payments.client"]) == (
        "DEBUG", "ERROR", "WARNING")


def test_an_unknown_level_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OptionsError, match=r"logger 'adk\.mcp': 'LOUD' is not one of DEBUG"):
        resolve_options(environ={"ADK_OBSERVE_LOGGER_LEVELS": "adk.mcp=loud"})
    bad = SPEC.replace("root: ERROR", "root: LOUD")
    with pytest.raises(AdkObserveError, match=r"agent.yaml:9: spec.telemetry.logging.levels.root"):
        _spec(tmp_path, bad)


@pytest.mark.parametrize(("env", "stream"), [({}, "stdout"),
                                             ({"ADK_OBSERVE_LOG_CONSOLE": "stderr"}, "stderr")])
def test_the_console_is_stdout_unless_told_otherwise(env: dict[str, str], stream: str) -> None:
    script = (
        "import logging\n"
        "from prometheus_client import CollectorRegistry\n"
        "import adk_observe\n"
        "adk_observe.init('console-agent', registry=CollectorRegistry(), metrics_port=-1,"
        " tracing_enabled=False)\n"
        "logging.getLogger('console-agent').info('hello')\n"
        "adk_observe.shutdown()\n"
    )
    import os

    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("ADK_OBSERVE_", "OTEL_"))}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, env={**run_env, **env})
    outputs = {"stdout": done.stdout, "stderr": done.stderr}
    lines = [json.loads(x) for x in outputs[stream].splitlines() if x.startswith("{")]
    assert [(x["logger"], x["message"]) for x in lines] == [("console-agent", "hello")]
    other = outputs["stderr" if stream == "stdout" else "stdout"]
    assert "hello" not in other
