"""Runtime instrumentation behind `adk_observe.init()`.

options (resolution; option_checks: what each option takes; otel_env: the OTEL_* variables),
runtime (the handle and the one global slot), events (one dataclass per event kind) recorded by
metrics (the catalogue on a registry) through captures (the catalogue's captures as steps) into
families (caps, limits, value checks; labels: label values), work_queue (the background
threads), otel_metrics (ADK's gen_ai.* metrics), tracing and span_redaction, logging, log_sinks
and redaction, http (metrics/health/ready server), calls (context managers and decorators), asgi
(middleware), cost and prices (price table), memory, multiprocess (gunicorn). Importing has no
side effects.
"""
