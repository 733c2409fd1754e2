"""Checks over artifacts and live systems: lint of rules and dashboards, deploy gates.

They read what the generators produced (or a live Prometheus); they never generate or write.
"""
