"""Runtime instrumentation behind `adk_observe.init()`.

options (resolution, `telemetry_env`), runtime (the handle and the one global slot), metrics
(the catalogue, label caps), otel_metrics (ADK's gen_ai.* metrics), tracing, logging and
redaction, http (metrics/health/ready server), calls (context managers and decorators), asgi
(middleware), cost (price table), multiprocess (gunicorn). Importing has no side effects.
"""
