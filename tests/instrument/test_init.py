"""init()/shutdown(): the package's public surface, idempotence and no import-time effects."""

from __future__ import annotations

import logging
import subprocess
import sys

from instrument_support import make_telemetry
from prometheus_client import CollectorRegistry

import adk_observe
from adk_observe import conventions as c
from adk_observe.instrument.options import OptionsError

NO_SIDE_EFFECTS = """
import logging, sys
from prometheus_client import REGISTRY
from opentelemetry import trace
before = set(REGISTRY._names_to_collectors)
handlers = list(logging.getLogger().handlers)
import adk_observe, adk_observe.adk
assert "google.adk" not in sys.modules, "importing adk_observe imported google.adk"
assert set(REGISTRY._names_to_collectors) == before, "metrics registered at import"
assert logging.getLogger().handlers == handlers, "handlers installed at import"
assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"
print("ok")
"""


def test_importing_the_package_has_no_side_effects_and_does_not_import_adk() -> None:
    out = subprocess.run([sys.executable, "-c", NO_SIDE_EFFECTS], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "ok"


def test_the_public_names_are_sorted_and_exist() -> None:
    assert adk_observe.__all__ == sorted(adk_observe.__all__)
    assert all(hasattr(adk_observe, name) for name in adk_observe.__all__)
    assert adk_observe.__version__ == "0.1.0"


def test_shutdown_removes_handlers_metrics_and_restores_levels() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    telemetry = make_telemetry()
    assert len(root.handlers) == len(handlers) + 1
    assert root.level == logging.WARNING
    adk_observe.shutdown()
    adk_observe.shutdown()  # idempotent
    assert root.handlers == handlers and root.level == level
    assert list(telemetry.registry.collect()) == []
    assert adk_observe.current() is None


def test_a_second_init_replaces_the_first() -> None:
    first = make_telemetry()
    second = make_telemetry()
    assert adk_observe.current() is second.handle
    assert list(first.registry.collect()) == []
    with adk_observe.agent_turn("x"):
        pass
    assert second.value(c.REQUESTS.name, agent_id="x", method="turn", endpoint="agent",
                        status_code="200") == 1.0


def test_invalid_options_fail_before_anything_is_set_up() -> None:
    registry = CollectorRegistry()
    try:
        adk_observe.init("svc", registry=registry, sampling=2.0)
    except OptionsError:
        pass
    else:
        raise AssertionError("sampling=2.0 was accepted")
    assert list(registry.collect()) == []
    assert adk_observe.current() is None


def test_the_spec_telemetry_section_configures_init() -> None:
    from adk_observe.instrument.cost import Usage
    from adk_observe.model import ModelPrice, Telemetry

    spec = Telemetry(sampling=0.5, cost_center="support", label_limit=7,
                     prices=(ModelPrice("m", 1.0, 1.0),))
    handle = adk_observe.init("svc", telemetry=spec, registry=CollectorRegistry(),
                              metrics_port=-1, logging_enabled=False)
    assert (handle.options.sampling, handle.options.cost_center) == (0.5, "support")
    assert handle.options.label_limit == 7
    assert handle.prices.cost("m", Usage(input=1_000_000)) == 1.0


def test_importing_the_package_loads_no_runtime() -> None:
    # The CLI imports adk_observe; the runtime (prometheus_client, OpenTelemetry) loads on use.
    import subprocess
    import sys

    code = (
        "import sys, adk_observe, adk_observe.cli\n"
        "heavy = [m for m in ('prometheus_client', 'opentelemetry.sdk', 'google.adk')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
