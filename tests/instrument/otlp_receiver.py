"""The `receiver` fixture's view (conftest.py) of the tests' one OTLP/HTTP receiver
(tests/otlp_receivers.py): the paths, headers and trace requests it got, and each span with its
resource's attributes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from tests import otlp_receivers
from tests.otlp_receivers import attributes as attributes


@dataclass
class Received:
    got: otlp_receivers.Received

    @property
    def url(self) -> str:
        return self.got.url

    @property
    def paths(self) -> list[str]:
        with self.got.lock:
            return [m["path"] for m in self.got.metadata]

    @property
    def headers(self) -> list[dict[str, str]]:
        with self.got.lock:
            return [{k: v for k, v in m.items() if k != "path"} for m in self.got.metadata]

    @property
    def requests(self) -> list[ExportTraceServiceRequest]:
        with self.got.lock:
            return list(self.got.traces)

    def spans(self) -> list[tuple[dict[str, Any], Any]]:
        """(resource attributes, span) of every span received."""
        return [
            (attributes(rs.resource.attributes), span)
            for request in self.requests
            for rs in request.resource_spans
            for ss in rs.scope_spans
            for span in ss.spans
        ]


def serve() -> Iterator[Received]:
    with otlp_receivers.http_receiver() as got:
        yield Received(got)
