"""One demo agent in its own process, standing in for one pod of a release (the canary
end-to-end test runs a stable and a canary side by side: `adk_observe.init` is per process).

    python -m adk_observe.demo.pod --spec SPEC --rate 4.5 [--fail-every 20]

Prints `listening HOST:PORT` (the metrics endpoint) once serving, then runs until its standard
input closes or it receives SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from adk_observe.cli.common import load

READY_PREFIX = "listening "


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adk_observe.demo.pod")
    parser.add_argument("--spec", required=True)
    parser.add_argument("--rate", type=float, default=5.0, help="agent turns per second")
    parser.add_argument("--fail-every", type=int, default=0, help="fail 1 turn in N (0: none)")
    args = parser.parse_args(argv)
    from adk_observe.demo.agent import DemoAgent
    from adk_observe.demo.run import quiet_logging

    quiet_logging()
    (spec,) = load([args.spec])
    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, stop)
    # A pod of a canary test: its only failures are the injected ones (no flaky billing agent).
    with DemoAgent(spec, rate=args.rate, fail_every=args.fail_every, billing=False) as agent:
        print(f"{READY_PREFIX}{agent.target}", flush=True)

        def until_stdin_closes() -> None:
            sys.stdin.read()
            done.set()

        threading.Thread(target=until_stdin_closes, daemon=True).start()
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
