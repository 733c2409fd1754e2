"""Input series and comparison checks for promtool scenarios that run imported rules next to
rules written by hand to the source tool's semantics."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BASE = 1_000_000  # counters start high, so no rate() is clipped at a zero point


@dataclass(frozen=True)
class Phase:
    minutes: int
    per_minute: float  # requests per minute
    error_share: float  # share of them that fail


def _fmt(value: float) -> str:
    text = repr(round(value, 6))
    return text.removesuffix(".0")


def counter(phases: list[Phase], errors: bool) -> str:
    """promtool notation of a counter over `phases`, one sample a minute."""
    value = float(BASE)
    out = [_fmt(value)]
    for phase in phases:
        share = phase.error_share if errors else 1 - phase.error_share
        step = phase.per_minute * share
        out.append(f"{_fmt(value + step)}+{_fmt(step)}x{phase.minutes - 1}")
        value += step * phase.minutes
    return " ".join(out)


def http_series(phases: list[Phase]) -> list[dict[str, str]]:
    return [
        {"series": 'http_requests_total{code="500"}', "values": counter(phases, True)},
        {"series": 'http_requests_total{code="200"}', "values": counter(phases, False)},
    ]


def firing(selector: str) -> str:
    """1 when an alert matching `selector` fires, else 0 (never empty)."""
    return f'(count(ALERTS{{{selector},alertstate="firing"}}) > bool 0 or vector(0))'


def same(ours: str, theirs: str, minutes: int, every: int) -> list[dict[str, Any]]:
    """At every `every` minutes up to `minutes`: ours fires exactly when theirs does."""
    expr = f"{firing(ours)} != {firing(theirs)}"
    return [
        {"expr": expr, "eval_time": f"{m}m", "exp_samples": []}
        for m in range(0, minutes + 1, every)
    ]


def at(selector: str, minute: int, fires: bool) -> dict[str, Any]:
    samples = [{"labels": "{}", "value": 1}] if fires else [{"labels": "{}", "value": 0}]
    return {"expr": firing(selector), "eval_time": f"{minute}m", "exp_samples": samples}


def run_promtool_test(
    promtool: str, folder: Path, rule_files: list[str], groups: list[str], tests: list[Any]
) -> subprocess.CompletedProcess[str]:
    doc = {
        "rule_files": rule_files,
        "evaluation_interval": "1m",
        "group_eval_order": groups,
        "tests": tests,
    }
    (folder / "compare.test.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return subprocess.run(
        [promtool, "test", "rules", "compare.test.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
