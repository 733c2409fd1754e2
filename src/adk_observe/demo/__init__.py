"""The live demo: an instrumented ADK agent under load, a real Prometheus, an injected outage.

`python -m adk_observe.demo --duration 180` (what `make demo` runs). `prometheus.py` is also the
harness of the end-to-end test. Importing this package does not import google.adk.
"""
