"""A fleet on this machine (docs/fleet.md): per cluster an instrumented agent (its own process,
tests/e2e/fleet_agent.py) scraped by a Prometheus in agent mode that adds the cluster's external
label and remote-writes to a central Prometheus with the remote-write receiver, which evaluates
the compiled rules.

    with Fleet(spec, {"a": False, "b": True}, prometheus_binary) as fleet:   # b fails every turn
        fleet.central.wait_until(...)

Every process is stopped and every temporary folder removed on exit, even when the block raises.
Nothing sleeps blindly: waits poll with deadlines.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adk_observe.demo.prometheus import LOOPBACK, PrometheusServer, free_port, terminate
from adk_observe.demo.run import plain_scrape_job
from adk_observe.model import ServiceSpec
from adk_observe.render import dump_yaml
from adk_observe.rules import compile_service, rule_file, rule_file_name

AGENT_SCRIPT = Path(__file__).with_name("fleet_agent.py")
TURNS_PER_SECOND = 4.0
# The agents remote-write at least once a second: the central store sees a scrape within ~3 s.
QUEUE_CONFIG = {"batch_send_deadline": "1s", "min_backoff": "100ms", "max_backoff": "1s"}
REMOTE_WRITE_PATH = "/api/v1/write"
RECEIVER_FLAG = "--web.enable-remote-write-receiver"


@dataclass
class Cluster:
    name: str
    agent: subprocess.Popen[str]
    prometheus: PrometheusServer
    port: int


def _start_agent(spec: ServiceSpec, fails: bool) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    args = [sys.executable, str(AGENT_SCRIPT), spec.name, str(port), str(TURNS_PER_SECOND),
            "1" if fails else "0"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the agent serves /metrics, or exits
    if line.strip() != "ready":
        proc.kill()
        raise RuntimeError(f"the agent did not start: {line}{proc.stdout.read()}")
    return proc, port


class Fleet:
    """`clusters`: cluster name -> whether its agent fails every turn."""

    def __init__(self, spec: ServiceSpec, clusters: Mapping[str, bool], binary: str,
                 rules: Mapping[str, str] | None = None) -> None:
        assert spec.clusters is not None, "a fleet spec sets spec.clusters"
        self.spec = spec
        self.clusters_wanted = dict(clusters)
        self.binary = binary
        text = dump_yaml(rule_file(compile_service(spec)), source=spec.source.file)
        self.rules = dict(rules) if rules is not None else {rule_file_name(spec): text}
        self.central = PrometheusServer(rules=self.rules, targets={}, binary=binary,
                                        extra_args=(RECEIVER_FLAG,))
        self.clusters: dict[str, Cluster] = {}
        self._stack = contextlib.ExitStack()

    def _cluster(self, name: str, fails: bool) -> Cluster:
        assert self.spec.clusters is not None
        agent, port = _start_agent(self.spec, fails)
        self._stack.callback(terminate, agent)
        target = f"{LOOPBACK}:{port}"
        prometheus = PrometheusServer(
            rules={}, targets={}, binary=self.binary, agent=True,
            scrape_jobs=[plain_scrape_job(self.spec, target)],
            external_labels={self.spec.clusters.label: name},
            remote_write=[{"url": self.central.url + REMOTE_WRITE_PATH,
                           "queue_config": QUEUE_CONFIG}],
        )
        self._stack.enter_context(prometheus)
        return Cluster(name, agent, prometheus, port)

    def __enter__(self) -> Fleet:
        try:
            self._stack.enter_context(self.central)
            for name, fails in sorted(self.clusters_wanted.items()):
                self.clusters[name] = self._cluster(name, fails)
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def wait_for_every_cluster(self, timeout: float = 60.0) -> None:
        """The central store holds each cluster's `up == 1`: scraped, labelled, written."""
        assert self.spec.clusters is not None
        label = self.spec.clusters.label
        for name in self.clusters:
            expr = f'up{{job="{self.spec.name}",{label}="{name}"}} == 1'
            self.central.wait_until(lambda e=expr: self.central.query(e), timeout,
                                    f"cluster {name}'s series in the central store")

    def processes(self) -> Iterator[Any]:
        for cluster in self.clusters.values():
            yield cluster.agent
