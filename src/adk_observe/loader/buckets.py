"""What the loader knows about a histogram's bucket bounds.

A latency SLI counts the observations in the `le=threshold` bucket, so the threshold must be a
bound the histogram really has: a value between bounds selects no bucket and every observation
would count as an error. The bounds of our own histograms are known (the metric catalogue), so
an off-bucket threshold on them is refused. Another histogram's bounds are not: a threshold that
is not one of the client libraries' default bounds compiles with a note saying the bucket is
assumed to exist (`apiserver_request_duration_seconds` has 0.4, which no client default has),
and `adk-observe lint --prometheus URL` checks it against the live series.
"""

from __future__ import annotations

from adk_observe import conventions as c

# The Go and Python clients' default bounds (prometheus.DefBuckets, Histogram.DEFAULT_BUCKETS).
CLIENT_DEFAULT_BUCKETS: tuple[float, ...] = (
    *(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0),
)


def catalogue_buckets(metric: str) -> tuple[float, ...] | None:
    """The bounds of one of our own histograms (base name, `_bucket` removed), else None."""
    return next((d.buckets for d in c.CATALOGUE if d.name == metric and d.buckets), None)


def _listed(bounds: tuple[float, ...]) -> str:
    return ", ".join(f"{b:g}" for b in sorted(bounds))


def bound_problem(metric: str, threshold: float) -> str | None:
    """Why `threshold` cannot be a bucket bound of `metric`: only for catalogue histograms."""
    known = catalogue_buckets(metric)
    if known is None or threshold in known:
        return None
    return (
        f"{threshold:g} is not a bucket bound of {metric} (bounds: {_listed(known)}); a value "
        "between bounds selects no bucket and every observation would count as an error. "
        "Use a bound"
    )


def bound_note(metric: str, threshold: float) -> str | None:
    """A note when `threshold` is only assumed to be a bound of a histogram we do not know."""
    if catalogue_buckets(metric) is not None or threshold in CLIENT_DEFAULT_BUCKETS:
        return None
    return (
        f"{threshold:g} is not a default bucket bound of the client libraries: the rules assume "
        f"{metric} has a bucket le={threshold:g} (check it with `adk-observe lint --prometheus "
        "URL`); without one every observation counts as an error"
    )
