"""A known canary history as OpenMetrics text, for `promtool tsdb create-blocks-from`.

Pods of the reference service (job support-agent) labelled with their pod template hash, as the
ServiceMonitor's podTargetLabels would label them: one stable version at 9 requests/s, and
canaries at 1 request/s (10% of the traffic) with their own error ratio. Every request takes
0.2 s, so every latency gate passes and only the error ratio decides.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

JOB = "support-agent"
STEP = 15  # seconds between samples, like a scrape
SPAN = 900  # seconds of history
# 30 minutes ago, on a whole minute: inside the default retention, before the head block.
END = (int(time.time()) // 60) * 60 - 1800
START = END - SPAN
BUCKETS = ("0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf")
LATENCY = 0.2  # falls in the le=0.25 bucket and every one above

STABLE = "5f7b9c8d74"
BAD_CANARY = "6d4cf56db6"  # 5% of its requests fail
GOOD_CANARY = "7a8b9c0d12"  # none fail
QUIET_CANARY = "8e9f0a1b23"  # healthy, but too few requests to judge (0.1/s: 30 in 5m)


@dataclass(frozen=True)
class Pods:
    hash: str
    rate: float  # requests per second
    error_ratio: float


PODS = (
    Pods(STABLE, 9.0, 0.0),
    Pods(BAD_CANARY, 1.0, 0.05),
    Pods(GOOD_CANARY, 1.0, 0.0),
    Pods(QUIET_CANARY, 0.1, 0.0),
)


def _labels(pods: Pods, **extra: str) -> str:
    pairs = {"job": JOB, "rollouts_pod_template_hash": pods.hash, **extra}
    return ",".join(f'{k}="{v}"' for k, v in pairs.items())


def _times() -> range:
    return range(START, END + 1, STEP)


def openmetrics(pods: tuple[Pods, ...] = PODS) -> str:
    lines = ["# TYPE adk_agent_requests counter"]
    for p in pods:
        for code, share in (("200", 1 - p.error_ratio), ("500", p.error_ratio)):
            if share == 0:
                continue
            for t in _times():
                value = p.rate * share * (t - START)
                lines.append(
                    f"adk_agent_requests_total{{{_labels(p, status_code=code)}}} {value} {t}"
                )
    lines.append("# TYPE adk_agent_request_duration_seconds histogram")
    for p in pods:
        for t in _times():
            n = p.rate * (t - START)
            for le in BUCKETS:
                count = n if le == "+Inf" or float(le) >= LATENCY else 0.0
                lines.append(
                    f"adk_agent_request_duration_seconds_bucket{{{_labels(p, le=le)}}} {count} {t}"
                )
            lines.append(f"adk_agent_request_duration_seconds_count{{{_labels(p)}}} {n} {t}")
            lines.append(
                f"adk_agent_request_duration_seconds_sum{{{_labels(p)}}} {n * LATENCY} {t}"
            )
    lines.append("# EOF")
    return "\n".join(lines) + "\n"
