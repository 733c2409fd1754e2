"""memory_usage_bytes{memory_type="rss"}: the process's resident memory, read at scrape time."""

from __future__ import annotations

import mmap
import os

from instrument_support import Telemetry
from prometheus_client import CollectorRegistry

from adk_observe import conventions as c
from adk_observe.instrument.memory import rss_bytes
from adk_observe.instrument.metrics import AgentMetrics

MIB = 1024 * 1024


def _statm_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_rss_on_a_fresh_registry_is_the_processes_resident_memory() -> None:
    registry = CollectorRegistry()
    AgentMetrics(registry).track_rss("support")
    value = registry.get_sample_value(
        c.MEMORY_USAGE.name, {c.LABEL_AGENT_ID: "support", c.LABEL_MEMORY_TYPE: c.MEMORY_RSS}
    )
    assert value is not None
    # A Python process with prometheus_client and OpenTelemetry loaded holds tens of MiB.
    assert 10 * MIB < value < 4096 * MIB
    assert abs(value - _statm_rss()) < 8 * MIB


def test_rss_is_read_at_scrape_time_so_growth_shows_without_any_turn() -> None:
    registry = CollectorRegistry()
    AgentMetrics(registry).track_rss("support")
    labels = {c.LABEL_AGENT_ID: "support", c.LABEL_MEMORY_TYPE: c.MEMORY_RSS}
    before = registry.get_sample_value(c.MEMORY_USAGE.name, labels)
    # New pages of its own (an anonymous map), written so every page is resident: a bytes object
    # could reuse heap memory that earlier tests freed but that is still resident.
    ballast = mmap.mmap(-1, 64 * MIB)
    ballast.write(b"\x01" * (64 * MIB))
    after = registry.get_sample_value(c.MEMORY_USAGE.name, labels)
    assert before is not None and after is not None
    assert after - before > 48 * MIB
    ballast.close()


def test_init_exposes_rss_under_the_handles_agent_id(telemetry: Telemetry) -> None:
    value = telemetry.value(c.MEMORY_USAGE.name, agent_id="billing-agent",
                            memory_type=c.MEMORY_RSS)
    assert value is not None and value > 10 * MIB


def test_rss_bytes_matches_statm() -> None:
    assert abs(rss_bytes() - _statm_rss()) < 8 * MIB
