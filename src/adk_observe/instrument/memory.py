"""Resident memory of this process, read cheaply: memory_usage_bytes{memory_type="rss"}.

Linux: the second field of /proc/self/statm (resident pages) times the page size, one small read.
Elsewhere: `resource.getrusage` peak RSS (the best portable figure; it never goes down, which is
still what a leak alert looks at). Never raises: an unreadable value is NaN, which no alert on
growth will fire on.
"""

from __future__ import annotations

import os
import sys

STATM = "/proc/self/statm"
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _from_statm() -> float:
    with open(STATM, "rb") as statm:
        return float(int(statm.read().split()[1]) * _PAGE_SIZE)


def _from_rusage() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return float(peak if sys.platform == "darwin" else peak * 1024)


_USE_STATM = os.path.exists(STATM)


def rss_bytes() -> float:
    """Resident set size of this process in bytes (NaN if it cannot be read)."""
    try:
        return _from_statm() if _USE_STATM else _from_rusage()
    except Exception:
        return float("nan")
