"""Small PromQL builders and selectors shared by the loader, rules, dashboards and deploy, so
generators read as intent rather than string soup. Text only: no parser here (loader/promql.py
checks user expressions)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from adk_observe import conventions as c

if TYPE_CHECKING:
    from adk_observe.model import ServiceSpec

# Where a user's `{{window}}` expression (and our own SLI templates) take the range.
WINDOW_PLACEHOLDER = "{{window}}"


def selector(metric: str, *matchers: str) -> str:
    inner = ",".join(m for m in matchers if m)
    return f"{metric}{{{inner}}}"


def eq(label: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{label}="{escaped}"'


def regex(label: str, pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace('"', '\\"')
    return f'{label}=~"{escaped}"'


def fill(template: str, window: str) -> str:
    return template.replace(WINDOW_PLACEHOLDER, window)


def number(value: float) -> str:
    """A float as PromQL text: 0.001 not 1e-03, 14.4 not 14.400000000000002."""
    text = repr(round(value, 12))
    if "e" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text.removesuffix(".0")


def _go_float(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 64): how Go clients and Prometheus 2 print `le`."""
    exponent = int(f"{value:e}".split("e")[1])
    if exponent < -4 or exponent >= 6:  # Go switches to %e at these exponents
        mantissa = repr(value / 10**exponent).removesuffix(".0")
        sign = "-" if exponent < 0 else "+"
        return f"{mantissa}e{sign}{abs(exponent):02d}"
    return repr(value).removesuffix(".0")


def le_pattern(bound: float) -> str:
    """A regex matching bucket bound `bound` however the exporter and Prometheus spelled it.

    Go clients write `1`, the Python client and OpenMetrics write `1.0`, and Prometheus 3
    normalises classic-histogram `le` values to the float form; both must match.
    """
    spellings = sorted({_go_float(bound), repr(float(bound))})
    return "|".join(re.escape(s) for s in spellings)


def service_selector(spec: ServiceSpec) -> str:
    """The matchers of a service's own series: the spec's selector, else `job="<service name>"`
    (the Prometheus job is the service name: deploy's ServiceMonitor sets it so)."""
    return spec.selector or eq(c.LABEL_JOB, spec.name)
