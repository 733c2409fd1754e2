"""Real OTLP receivers for the tests: a gRPC server implementing opentelemetry-proto's
TraceService (and MetricsService), and an HTTP server taking ExportTraceServiceRequest and
ExportMetricsServiceRequest protobufs at /v1/traces and /v1/metrics. Each keeps the raw bytes it
received, so a test can search everything that left the process."""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue


@dataclass
class Received:
    url: str
    raw: list[bytes] = field(default_factory=list)
    metadata: list[dict[str, str]] = field(default_factory=list)
    traces: list[trace_service_pb2.ExportTraceServiceRequest] = field(default_factory=list)
    metrics: list[metrics_service_pb2.ExportMetricsServiceRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def spans(self) -> list[Any]:
        with self.lock:
            return [s for r in self.traces for rs in r.resource_spans for ss in rs.scope_spans
                    for s in ss.spans]

    def metric_points(self) -> dict[str, list[tuple[dict[str, Any], Any]]]:
        """Every data point received, by metric name: (attributes, point)."""
        out: dict[str, list[tuple[dict[str, Any], Any]]] = {}
        with self.lock:
            for request in self.metrics:
                for rm in request.resource_metrics:
                    for sm in rm.scope_metrics:
                        for metric in sm.metrics:
                            data = getattr(metric, metric.WhichOneof("data"))
                            for point in data.data_points:
                                out.setdefault(metric.name, []).append(
                                    (attributes(point.attributes), point))
        return out

    def everything(self) -> bytes:
        with self.lock:
            return b"".join(self.raw)


def any_value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


def attributes(kvs: Any) -> dict[str, Any]:
    return {kv.key: any_value(kv.value) for kv in kvs}


class _Export:
    """The Export method of an OTLP service: keeps the request, its bytes and its metadata."""

    def __init__(self, got: Received, requests: list[Any], response: Any) -> None:
        self.got, self.requests, self.response = got, requests, response

    def Export(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self.got.lock:
            self.got.raw.append(request.SerializeToString())
            self.got.metadata.append(dict(context.invocation_metadata()))
            self.requests.append(request)
        return self.response


@contextmanager
def grpc_receiver() -> Iterator[Received]:
    """An OTLP/gRPC receiver (traces and metrics) on a free loopback port, plain text."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    port = server.add_insecure_port("127.0.0.1:0")
    got = Received(f"http://127.0.0.1:{port}")
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(
        _Export(got, got.traces, trace_service_pb2.ExportTraceServiceResponse()), server)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(
        _Export(got, got.metrics, metrics_service_pb2.ExportMetricsServiceResponse()), server)
    server.start()
    try:
        yield got
    finally:
        server.stop(grace=None)


_DECODE = {"gzip": gzip.decompress, "deflate": zlib.decompress}


@contextmanager
def http_receiver() -> Iterator[Received]:
    """An OTLP/HTTP receiver on a free loopback port: /v1/traces and /v1/metrics (protobuf,
    uncompressed as the exporters send by default, or gzip or deflate)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding", "")
            body = _DECODE[encoding](body) if encoding in _DECODE else body
            traces = not self.path.endswith("/v1/metrics")  # a traces URL may be any path
            request: Any = (trace_service_pb2.ExportTraceServiceRequest() if traces
                            else metrics_service_pb2.ExportMetricsServiceRequest())
            request.ParseFromString(body)
            with got.lock:
                got.raw.append(body)
                got.metadata.append({"path": self.path,
                                     **{k.lower(): v for k, v in self.headers.items()}})
                (got.traces if traces else got.metrics).append(request)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got = Received(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


http_metrics_receiver = http_receiver  # the metrics receiver of the tests that say so
