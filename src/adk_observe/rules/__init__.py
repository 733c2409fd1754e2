"""Pure generators: ServiceSpec -> Prometheus recording rules and alerts."""

from adk_observe.rules.compile import compile_service
from adk_observe.rules.output import prometheus_rule, rule_file, rule_file_name
from adk_observe.rules.sli import SLIQuery, narrowed_sli_query, service_selector, sli_query

__all__ = [
    "SLIQuery",
    "compile_service",
    "narrowed_sli_query",
    "prometheus_rule",
    "rule_file",
    "rule_file_name",
    "service_selector",
    "sli_query",
]
