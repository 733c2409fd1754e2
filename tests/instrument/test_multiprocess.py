"""Prometheus multiprocess mode: worker processes' metrics aggregate on one registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adk_observe import conventions as c

WORKER = Path(__file__).with_name("multiprocess_worker.py")

AGGREGATE = """
import json, sys
from adk_observe.instrument.multiprocess import mark_process_dead, multiprocess_registry
for pid in sys.argv[1:]:
    mark_process_dead(int(pid))
registry = multiprocess_registry()
print(json.dumps({f"{s.name}|{sorted(s.labels.items())}": s.value
                  for m in registry.collect() for s in m.samples}))
"""


def _key(name: str, **labels: str) -> str:
    return f"{name}|{sorted(labels.items())}"


def test_turns_of_several_workers_add_up(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    workers = [subprocess.Popen([sys.executable, str(WORKER), str(n), mode], env=env)
               for n, mode in ((30, "close"), (12, "leave-one-open"))]
    for proc in workers:
        assert proc.wait(timeout=60) == 0
    out = subprocess.run([sys.executable, "-c", AGGREGATE], env=env, check=True,
                         capture_output=True, text=True).stdout
    samples = json.loads(out)
    requests = _key(c.REQUESTS.name, agent_id="mp", endpoint="agent", method="turn",
                    status_code="200")
    assert samples[requests] == 42.0
    tokens = _key(c.LLM_TOKENS.name, agent_id="mp", model="gpt-test", token_type="input")
    assert samples[tokens] == 420.0
    active = _key(c.ACTIVE_CONVERSATIONS.name, agent_id="mp")
    assert samples[active] == 1.0  # livesum: the second worker's open conversation
    rss = _key(c.MEMORY_USAGE.name, agent_id="mp-agent", memory_type=c.MEMORY_RSS)
    assert 2 * 10 * 1024 * 1024 < samples[rss] < 2 * 4096 * 1024 * 1024  # both workers' RSS

    dead = subprocess.run([sys.executable, "-c", AGGREGATE, str(workers[1].pid)], env=env,
                          check=True, capture_output=True, text=True).stdout
    assert json.loads(dead).get(active, 0.0) == 0.0


def test_multiprocess_registry_refuses_without_the_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from adk_observe.instrument.multiprocess import multiprocess_registry

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with pytest.raises(RuntimeError, match="PROMETHEUS_MULTIPROC_DIR"):
        multiprocess_registry()
