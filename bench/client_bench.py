"""What a hostile Prometheus answer costs `adk-observe gate`: memory and time.

A local server answers every query with one of:
- `empty`: the API's answer with no series (the baseline: an ordinary, tiny answer);
- `huge`: a 50 MB answer (a vector of a million samples, Content-Length not declared);
- `drip`: the empty answer, one byte every 0.2 s (it would take ~20 s to arrive whole).

Each round runs `adk-observe gate examples/support-agent.yaml --min-budget 10 --timeout 3` in a
fresh process against each mode and reads that process's peak RSS (`wait4`) and wall time.
Reported: the median peak RSS against `huge` over the median against `empty` (the cost of the
50 MB answer above an ordinary run), and the `drip` run's wall time beyond the `empty` run's
(process start, imports) over the 3 s timeout. With `--compare-src DIR` (e.g. another checkout's
`src`, such as the main branch before this client) the same runs are made with that code too.

    .venv/bin/python bench/client_bench.py [--rounds 3] [--compare-src ../main/src]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "support-agent.yaml"
TIMEOUT = 3.0
EMPTY = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode()
SAMPLE = b'{"metric":{"slo":"x","service":"support-agent"},"value":[1,"1"]},'
HUGE = (
    b'{"status":"success","data":{"resultType":"vector","result":['
    + SAMPLE * (50 * 1024 * 1024 // len(SAMPLE))
    + b'{"metric":{},"value":[1,"1"]}]}}'
)


class _Handler(BaseHTTPRequestHandler):
    mode = "empty"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            if self.mode == "huge":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + HUGE)
                return
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(EMPTY)}\r\n\r\n".encode()
            if self.mode == "empty":
                self.wfile.write(head + EMPTY)
                return
            for byte in head + EMPTY:
                time.sleep(0.2)
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: what is measured

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(mode: str) -> tuple[ThreadingHTTPServer, str]:
    handler = type(f"{mode}Handler", (_Handler,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    serve = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    serve.daemon = True
    serve.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _gate(url: str, src: str | None) -> tuple[int, float, float]:
    """(exit code, peak RSS in MiB, wall seconds) of one gate process (killed after 60 s)."""
    argv = [sys.executable, "-m", "adk_observe", "gate", str(SPEC), "--prometheus", url]
    argv += ["--min-budget", "10", "--timeout", str(TIMEOUT)]
    env = dict(os.environ, PYTHONPATH=src) if src else None
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    killer = threading.Timer(60, proc.kill)  # a client without a deadline would drip ~20 s
    killer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024, elapsed


def _measure(src: str | None, rounds: int, label: str) -> None:
    servers = {mode: _serve(mode) for mode in ("empty", "huge", "drip")}
    runs: dict[str, list[tuple[int, float, float]]] = {mode: [] for mode in servers}
    for _ in range(rounds):
        for mode, (_, url) in servers.items():
            runs[mode].append(_gate(url, src))
    for server, _ in servers.values():
        server.shutdown()
    print(f"{label}:")
    for mode, results in runs.items():
        codes = sorted({code for code, _, _ in results})
        rss = statistics.median(r for _, r, _ in results)
        wall = statistics.median(w for _, _, w in results)
        print(f"  {mode:>5}: exit {codes}, peak RSS {rss:.1f} MiB, wall {wall:.2f} s")

    def median(mode: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[mode])

    print(f"  peak RSS, 50 MB answer / empty answer: {median('huge', 1) / median('empty', 1):.2f}")
    beyond = (median("drip", 2) - median("empty", 2)) / TIMEOUT
    print(f"  drip wall time beyond the empty run / --timeout {TIMEOUT:g}: {beyond:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare-src", default=None, metavar="DIR")
    args = parser.parse_args()
    print(f"answer sizes: empty {len(EMPTY)} B, huge {len(HUGE) / 2**20:.1f} MiB")
    _measure(None, args.rounds, "this checkout")
    if args.compare_src:
        _measure(args.compare_src, args.rounds, f"PYTHONPATH={args.compare_src}")


if __name__ == "__main__":
    main()
